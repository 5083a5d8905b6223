//! Incoming connections: the Connected socket a listener's host hands over, and `accept(other)`
//! moving that connection to another socket.

use std::net::SocketAddr;

use super::Engine;
use crate::engine::error::CommandError;

/// What `accept(socket)` on a listener does with the connection on offer (`Engine::accept`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AcceptAs {
    /// The script accepted the offered socket itself: nothing moves.
    Itself,
    /// Another socket takes the connection: the host calls `other.adopt(offered)`.
    Other,
}

/// The facts about `accept(socket)`'s sockets that only the host can see (which objects they
/// are, and whether their script destroyed them); the engine decides what follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AcceptArgs {
    /// The socket passed is the one on offer.
    pub same: bool,
    /// The socket on offer was destroyed (inside the handler).
    pub offered_destroyed: bool,
    /// The socket passed (when another) was destroyed.
    pub other_destroyed: bool,
}
use crate::engine::io::{ConnId, Event, Protocol};
use crate::engine::state::{Link, State};

impl Engine {
    /// A listening socket's host accepted a TCP connection. Returns the new socket (Connected,
    /// addresses set) and queues `IncomingConnection`; `None` when this socket is not listening
    /// on `id`, and the host should drop the connection.
    pub fn handle_incoming(
        &mut self,
        id: ConnId,
        local: SocketAddr,
        remote: SocketAddr,
    ) -> Option<Engine> {
        match self.state {
            State::Listening { id: current, .. } if current == id && !self.destroyed => {}
            _ => return None,
        }
        let mut child = Engine::new();
        child.connect_timeout = self.connect_timeout;
        child.send_high_water = self.send_high_water;
        child.recv_high_water = self.recv_high_water;
        child.transport_resolves_names = self.transport_resolves_names;
        child.no_delay = self.no_delay;
        child.keep_alive = self.keep_alive;
        child.idle_timeout = self.idle_timeout;
        child.clock = self.clock;
        let child_id = child.new_id();
        child.state = State::Connected(Link {
            id: child_id,
            local,
            remote,
        });
        // Born connected (no stateChanged): its options and idle ticks start here.
        child.configure_new_connection();
        child.restart_idle();
        self.events.push_back(Event::IncomingConnection);
        Some(child)
    }

    /// `incomingConnectionEvent` starts for the connection this listener offers: `accept` is
    /// valid until [`Engine::offer_close`].
    pub fn offer_open(&mut self) {
        self.offering = !self.destroyed;
    }

    /// The handler returned: `accept` is no longer valid.
    pub fn offer_close(&mut self) {
        self.offering = false;
    }

    /// `accept(socket)` on this listener (docs/spec.md, Incoming connections): valid only while
    /// `incomingConnectionEvent` runs, for a connection still open, into a socket not destroyed.
    /// `Ok(AcceptAs::Other)`: the host moves the connection with `adopt`, whose own rules may
    /// still refuse (not Unconnected, UDP). The offered engine is told with
    /// [`Engine::mark_accepted`].
    pub fn accept(&mut self, args: AcceptArgs) -> Result<AcceptAs, CommandError> {
        let result = if self.destroyed {
            Err(CommandError::Destroyed)
        } else if !self.offering {
            Err(CommandError::AcceptOutside)
        } else if args.offered_destroyed {
            Err(CommandError::CannotAccept(
                "the incoming connection was destroyed",
            ))
        } else if args.same {
            Ok(AcceptAs::Itself)
        } else if args.other_destroyed {
            Err(CommandError::CannotAccept(
                "the accepting socket was destroyed",
            ))
        } else {
            Ok(AcceptAs::Other)
        };
        self.note(result)
    }

    /// The script accepted this offered connection (as itself, or moved elsewhere).
    pub fn mark_accepted(&mut self) {
        self.accepted = true;
    }

    /// `incomingConnectionEvent` returned for this offered connection: whether it must be
    /// closed now (gracefully, flushing what the handler wrote), which it must when the script
    /// neither accepted nor destroyed it.
    pub fn offer_unaccepted(&self) -> bool {
        !self.accepted && !self.destroyed
    }

    /// `accept(other)` with another socket: `self` (Unconnected, TCP) takes over `incoming`'s
    /// connection, its buffered bytes and its queued actions and events; `incoming` is left
    /// destroyed.
    pub fn adopt(&mut self, incoming: &mut Engine) -> Result<(), CommandError> {
        let result = self.try_adopt(incoming);
        self.note(result)
    }

    fn try_adopt(&mut self, incoming: &mut Engine) -> Result<(), CommandError> {
        self.require_unconnected("accept")?;
        if self.protocol != Protocol::Tcp {
            return Err(CommandError::CannotAccept(
                "the accepting socket is set to UDP",
            ));
        }
        let link = match &incoming.state {
            State::Connected(link) if !incoming.destroyed => link.clone(),
            _ => {
                return Err(CommandError::CannotAccept(
                    "the incoming connection is no longer open",
                ))
            }
        };
        incoming.state = State::Unconnected;
        self.recv = std::mem::take(&mut incoming.recv);
        self.outgoing = std::mem::take(&mut incoming.outgoing);
        self.buffered = std::mem::take(&mut incoming.buffered);
        self.over_high_water = self.buffered > self.send_high_water;
        self.reading_paused = std::mem::take(&mut incoming.reading_paused);
        self.actions.extend(incoming.actions.drain(..));
        self.events.extend(incoming.events.drain(..));
        incoming.destroyed = true;
        incoming.accepted = true;
        // Born connected: no stateChanged, as for the socket handed to incomingConnectionEvent.
        self.state = State::Connected(link);
        self.connect_name = None; // a TLS handshake checks the peer's IP address
        self.output_ended = std::mem::take(&mut incoming.output_ended);
        self.end_sent = std::mem::take(&mut incoming.end_sent);
        // This socket's own options apply from now on, when they differ from what the host has.
        if (self.no_delay, self.keep_alive) != (incoming.no_delay, incoming.keep_alive) {
            self.configure_connection();
        }
        self.restart_idle();
        self.maybe_resume_reading();
        Ok(())
    }
}
