//! The states a socket can be in, each holding the data valid in it, and the one table of legal
//! status transitions.

use std::collections::VecDeque;
use std::net::{IpAddr, SocketAddr};

use super::io::{ConnId, Millis, Status};

/// A live connection's identity and addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub id: ConnId,
    pub local: SocketAddr,
    pub remote: SocketAddr,
}

/// Where the socket is. Data lives in the variant it belongs to: a Connecting socket has a
/// deadline and the addresses still to try, a Connected one has its addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    Unconnected,
    HostLookUp {
        id: ConnId,
        port: u16,
        deadline: Millis,
    },
    Connecting {
        id: ConnId,
        remote: SocketAddr,
        /// Further addresses of the resolved name, tried in order when this one fails.
        next: VecDeque<IpAddr>,
        deadline: Millis,
    },
    Connected(Link),
    Closing(Link),
    Bound {
        id: ConnId,
        local: Option<SocketAddr>,
    },
    Listening {
        id: ConnId,
        local: Option<SocketAddr>,
    },
}

impl State {
    /// The status scripts see.
    pub fn status(&self) -> Status {
        match self {
            State::Unconnected => Status::Unconnected,
            State::HostLookUp { .. } => Status::HostLookUp,
            State::Connecting { .. } => Status::Connecting,
            State::Connected(_) => Status::Connected,
            State::Closing(_) => Status::Closing,
            State::Bound { .. } => Status::Bound,
            State::Listening { .. } => Status::Listening,
        }
    }

    /// The host transport this state owns, if any.
    pub fn id(&self) -> Option<ConnId> {
        match self {
            State::Unconnected => None,
            State::HostLookUp { id, .. }
            | State::Connecting { id, .. }
            | State::Bound { id, .. }
            | State::Listening { id, .. } => Some(*id),
            State::Connected(link) | State::Closing(link) => Some(link.id),
        }
    }

    /// The connect deadline, while one runs.
    pub fn deadline(&self) -> Option<Millis> {
        match self {
            State::HostLookUp { deadline, .. } | State::Connecting { deadline, .. } => {
                Some(*deadline)
            }
            _ => None,
        }
    }
}

/// The legal status changes (h11's idea: one table, checked in one place). A change not listed
/// here is a bug in the engine, which the property tests look for.
pub fn is_legal_transition(from: Status, to: Status) -> bool {
    use Status::*;
    matches!(
        (from, to),
        (
            Unconnected,
            HostLookUp | Connecting | Connected | Listening | Bound
        ) | (HostLookUp, Connecting | Unconnected)
            | (Connecting, Connected | Unconnected)
            | (Connected, Closing | Unconnected)
            | (Closing, Unconnected)
            | (Listening, Unconnected)
            | (Bound, Unconnected)
    )
}
