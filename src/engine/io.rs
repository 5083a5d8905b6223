//! What crosses the engine's boundary: the host's inputs, the actions it must perform, the events
//! the script is told, and the status the script sees.

use std::net::{IpAddr, SocketAddr};

use super::error::ErrorCode;
use super::held::Held;
use super::tls_options::TlsHandshake;

/// Names one transport of the host (a TCP connection, a resolver query, a server, a UDP socket).
/// Every action carries one and every input names one; an input whose id is not the socket's
/// current one is stale (a late answer for an abandoned attempt) and is ignored.
pub type ConnId = u32;

/// Milliseconds on the host's monotonic clock. The engine never reads a clock.
pub type Millis = u64;

/// A turn of the host's event loop, as the host counts them (any number that changes from one
/// turn to the next). A host that hands bytes to its transport within `write`
/// ([`Engine::write_through`](super::Engine::write_through)) names the turn, and `close` in the
/// same turn waits for the transport to confirm them (docs/spec.md, close()).
pub type Turn = u32;

/// The seven statuses of docs/spec.md, with the seed's numbering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Unconnected = 0,
    HostLookUp = 1,
    Connecting = 2,
    Connected = 3,
    Bound = 4,
    Closing = 5,
    Listening = 6,
}

impl Status {
    /// Every status in numeric order.
    pub const ALL: [Status; 7] = [
        Status::Unconnected,
        Status::HostLookUp,
        Status::Connecting,
        Status::Connected,
        Status::Bound,
        Status::Closing,
        Status::Listening,
    ];

    /// The name `status(true)` returns.
    pub fn name(self) -> &'static str {
        match self {
            Status::Unconnected => "Unconnected",
            Status::HostLookUp => "HostLookUp",
            Status::Connecting => "Connecting",
            Status::Connected => "Connected",
            Status::Bound => "Bound",
            Status::Closing => "Closing",
            Status::Listening => "Listening",
        }
    }

    /// The number `status()` returns.
    pub fn number(self) -> u8 {
        self as u8
    }

    /// A status in which nothing more is read or reported of the connection: Unconnected, and
    /// Closing (close() discards input from then on). A change to one ends what the promise
    /// and stream layers follow (`stateChanged`'s status; [`Engine::is_over`] for the present).
    ///
    /// [`Engine::is_over`]: super::Engine::is_over
    pub fn is_over(self) -> bool {
        matches!(self, Status::Unconnected | Status::Closing)
    }

    /// A connect attempt is under way: HostLookUp or Connecting.
    pub fn is_attempt(self) -> bool {
        matches!(self, Status::HostLookUp | Status::Connecting)
    }
}

/// TCP (a byte stream) or UDP (datagrams).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    Tcp,
    Udp,
}

impl Protocol {
    /// `'tcp'` or `'udp'`.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        }
    }
}

/// What the host reports. Failures carry the host's own error name (`ECONNREFUSED`, or one of
/// our code names); the engine classifies it with [`ErrorCode::from_host`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// The name of a `Resolve` action resolved to these addresses, in the resolver's order.
    Resolved { id: ConnId, addrs: Vec<IpAddr> },
    /// The transport of a `Connect` action is up (for UDP: the default peer is set).
    Connected {
        id: ConnId,
        local: SocketAddr,
        remote: SocketAddr,
    },
    /// Bytes arrived (for UDP: one datagram, with its sender).
    Received {
        id: ConnId,
        data: Vec<u8>,
        from: Option<SocketAddr>,
    },
    /// The host handed `len` bytes of earlier `Send` actions to the network.
    Sent { id: ConnId, len: usize },
    /// The peer ended its side of the connection (TCP FIN, or the proxy's WebSocket close).
    PeerClosed { id: ConnId },
    /// The transport is gone entirely (Node's `close`).
    Closed { id: ConnId },
    /// Everything the transport took for the connection has gone to the network, as far as
    /// the host can tell (Node: net finished the `end()` of a `Shutdown`: its buffer is in the
    /// kernel). Answers a `Shutdown`; a Closing socket with nothing else pending ends.
    Flushed { id: ConnId },
    /// The transport failed: the engine tells what by its own state. During a `Resolve` or a
    /// `Connect` the attempt failed (the next address is tried, else `ConnectFailed`); a `Listen`
    /// could not bind; a connection broke after it was up. One input for all, so that no host
    /// keeps its own copy of the state to choose one (issue 19).
    Failed { id: ConnId, error: String },
    /// A `Listen` action bound this address.
    Listening { id: ConnId, local: SocketAddr },
    /// The TLS handshake that `StartTls` asked for is done (a failed one is `Failed` with the TLS
    /// error's name, which the engine reads by its state: a connect failure while Connecting).
    Secure { id: ConnId },
    /// The WebSocket carrying the transport closed (a browser's tunnel or session to a proxy),
    /// with the `code` and `reason` the browser gave, and whether it had `opened`. The engine
    /// decides what it means by its own state (src/engine/ws_close.rs): while a lookup or
    /// connect runs, or when it never opened, the connect failed (1011 names the error, else
    /// ProxyConnectionRefused); a TCP connection closed with 1000 or 1005 ended cleanly
    /// (`PeerClosed`, then `Closed`); otherwise the transport failed.
    WsClosed {
        id: ConnId,
        code: u16,
        reason: String,
        opened: bool,
    },
}

/// What the host must do. Drained with `poll_action`, performed in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Look up a host name (both IPv4 and IPv6); answer with `Resolved` or `Failed`.
    Resolve { id: ConnId, host: String },
    /// Open a connection (TCP), or a UDP socket whose default peer is `addr`.
    Connect {
        id: ConnId,
        addr: SocketAddr,
        protocol: Protocol,
    },
    /// Open a connection to a host name that the transport resolves itself (the browser's
    /// proxy). Only emitted when `Engine::set_transport_resolves_names` is on;
    /// answered like `Connect`.
    ConnectName {
        id: ConnId,
        host: String,
        port: u16,
        protocol: Protocol,
    },
    /// Send these bytes (for UDP: one datagram, to `to` when given, else to the default peer).
    /// Answer with `Sent` once they are handed to the network.
    Send {
        id: ConnId,
        data: Vec<u8>,
        to: Option<SocketAddr>,
    },
    /// Send stream bytes the host holds (written with `Engine::write_held`). Answer with
    /// `Sent` like `Send`.
    SendHeld { id: ConnId, data: Held },
    /// Send what is still pending, then end the connection (TCP FIN) and release it.
    Shutdown { id: ConnId },
    /// Drop the transport now, without flushing (also cancels a lookup or a connect).
    Abort { id: ConnId },
    /// Half-close: end our side (TCP FIN) after what was sent; keep reading. Sent once the
    /// output of an `end()` is all handed over.
    EndOutput { id: ConnId },
    /// Apply these TCP options to the connection (Nagle off when `no_delay`; keep-alive probes
    /// after `keep_alive` ms of quiet, 0 meaning the system's delay, none when `None`). Sent when
    /// a connection comes up and when an option changes. A host that cannot apply them
    /// (a browser's tunnel) ignores it.
    Configure {
        id: ConnId,
        no_delay: bool,
        keep_alive: Option<Millis>,
    },
    /// Stop reading from the network: the receive buffer is over its high-water mark.
    PauseReading { id: ConnId },
    /// Read again.
    ResumeReading { id: ConnId },
    /// Bind `addr` and accept connections (TCP) or datagrams (UDP); answer with `Listening`
    /// or `Failed`.
    Listen {
        id: ConnId,
        addr: SocketAddr,
        ipv6_only: bool,
        protocol: Protocol,
    },
    /// Handshake TLS over this connection (the `tls` option once it is up, or `startTls()`):
    /// from now on the host sends and receives through its TLS layer, and answers with `Secure`
    /// or a failure named by the TLS error (docs/spec.md, TLS). `tls`: the handshake's options,
    /// every default filled in by the engine (the layer uses these, never the script's).
    StartTls { id: ConnId, tls: Box<TlsHandshake> },
}

impl Action {
    /// The transport the action is about.
    pub fn id(&self) -> ConnId {
        match self {
            Action::Resolve { id, .. }
            | Action::Connect { id, .. }
            | Action::ConnectName { id, .. }
            | Action::Send { id, .. }
            | Action::SendHeld { id, .. }
            | Action::Shutdown { id }
            | Action::EndOutput { id }
            | Action::Configure { id, .. }
            | Action::Abort { id }
            | Action::PauseReading { id }
            | Action::ResumeReading { id }
            | Action::Listen { id, .. }
            | Action::StartTls { id, .. } => *id,
        }
    }
}

/// What [`Engine::write_through`](super::Engine::write_through) did with a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Through {
    /// Nothing taken, as `write` returning 0: no bytes, UDP, or a status that takes no
    /// writes (`last_error` says why).
    Refused,
    /// Taken and queued as `write` queues them: a `Send` (or `SendHeld`) in their place.
    Queued,
    /// Taken and counted as handed over already: the host hands the bytes to transport `id` now,
    /// within the same call, and reports with `Engine::unsent` what its transport could not
    /// pass on to the network at once. A `close` in the same turn still waits for `Flushed`.
    Now(ConnId),
}

/// What the script must be told, in order. The facade delivers each one asynchronously.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// `stateChangedEvent(name)`.
    StateChanged(Status),
    /// `hostFoundEvent()`: a host name resolved.
    HostFound,
    /// `connectedEvent()`.
    Connected,
    /// `connectFailedEvent(reason)`.
    ConnectFailed { code: ErrorCode, reason: String },
    /// `errorEvent(code, message)`. `fatal`: the failure ends the connection, the attempt or
    /// the bind (a `StateChanged` to Unconnected follows), as against a failure of one write that
    /// leaves the socket as it was (a UDP datagram too large).
    Error {
        code: ErrorCode,
        message: String,
        fatal: bool,
    },
    /// `dataAvailableEvent(length)`: `length` bytes are now buffered.
    DataAvailable(usize),
    /// `disconnectEvent(error)`: '' for a clean end.
    Disconnected(String),
    /// `incomingConnectionEvent(socket)`: the new socket is what `handle_incoming` returned.
    IncomingConnection,
    /// `drainEvent()`.
    Drain,
    /// `idleEvent()`: nothing was sent or received for the idle timeout (`setIdleTimeout`).
    /// Not in KVIrc; the connection stays open.
    Idle,
    /// `listeningEvent(ip, port)`: the bind of `listen` completed and `local()` is known. Not in
    /// KVIrc; added because a bind can complete after `listen` returns (UDP, the browser's
    /// proxy), and a script listening on port 0 needs to learn the port.
    Listening { local: SocketAddr },
    /// `secureEvent()`: `startTls()`'s handshake is done.
    Secure,
}
