//! The socket engine: docs/spec.md's state machine, fed by the host, drained by the host. This file
//! holds the state, the commands that start and end a connection, the outputs and queries, and
//! the few places where the state changes; `socket/` holds the rest of `impl Engine`.

use std::collections::VecDeque;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU32, Ordering};

use super::address::{parse_host, parse_interface, parse_port, Host, PortArg};
use super::error::{CommandError, ErrorCode};
use super::io::{Action, ConnId, Event, Millis, Protocol, Status, Turn};
use super::recv::RecvBuffer;
use super::send::SendQueue;
use super::state::{is_legal_transition, State};
use super::tls_options::TlsOptions;

// The rest of `impl Engine`, by side: what the host reports, the send and receive sides,
// incoming connections, and what the script sets.
mod incoming;
mod input;
mod options;
mod read;
mod settings;
mod tls;
mod write;

pub use incoming::{AcceptArgs, AcceptAs};
pub use write::write_length;

/// Default connect timeout (docs/spec.md: 60 s).
pub const DEFAULT_CONNECT_TIMEOUT: Millis = 60_000;
/// Default send high-water mark (docs/spec.md: 1 MiB).
pub const DEFAULT_SEND_HIGH_WATER: usize = 1024 * 1024;
/// Default receive high-water mark (docs/spec.md: 4 MiB).
pub const DEFAULT_RECV_HIGH_WATER: usize = 4 * 1024 * 1024;

/// The next transport id. Ids are unique across every engine of the process, not only within
/// one: `adopt` moves a connection and its id to another engine, and if that id were one the
/// adopter had used for an earlier transport, that transport's late inputs (a `Closed` after
/// `close()`) would be taken for the adopted connection's.
static NEXT_ID: AtomicU32 = AtomicU32::new(1);

/// A pair of output queues a host lends to engines (`Engine::swap_queues`); used by the wasm
/// bindings only.
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
#[derive(Debug, Default)]
pub(crate) struct Queues {
    actions: VecDeque<Action>,
    events: VecDeque<Event>,
}

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
impl Queues {
    /// Whether these queues hold memory (a lent pair comes back with it).
    pub(crate) fn allocated(&self) -> bool {
        self.actions.capacity() > 0 || self.events.capacity() > 0
    }
}

/// One KVIrc socket, without I/O: commands from the script, inputs from the host, and
/// `poll_action` / `poll_event` / `poll_timeout` for what follows.
#[derive(Debug)]
pub struct Engine {
    state: State,
    protocol: Protocol,
    destroyed: bool,
    connect_timeout: Millis,
    send_high_water: usize,
    recv_high_water: usize,
    recv: RecvBuffer,
    /// Output not yet handed to the host: written while HostLookUp/Connecting, or behind a
    /// reservation.
    outgoing: SendQueue,
    /// Closing: the Shutdown action was queued (once the outgoing queue emptied).
    shutdown_queued: bool,
    /// Bytes accepted by `write` that the host has not yet reported `Sent`.
    buffered: usize,
    /// The host's turn of the last write let through (`write_through`), and how many bytes
    /// were let through in that turn that `buffered` does not count (its `unsent` aside).
    through_turn: Option<Turn>,
    through_taken: usize,
    /// Closing after writes let through in the same turn: waits for the host's `Flushed`.
    flush_unconfirmed: bool,
    /// `buffered` went over the send high-water mark and no drain was reported since.
    over_high_water: bool,
    reading_paused: bool,
    /// Host names go to the transport as they are (`ConnectName`), with no HostLookUp: the
    /// browser's proxy resolves them (docs/spec.md, Hosts).
    transport_resolves_names: bool,
    /// UDP: the sender of the datagram last read, whom a bound socket's writes answer.
    last_sender: Option<SocketAddr>,
    last_error: String,
    /// The error name of what `last_error` says (`lastErrorCode()`), None while it says nothing.
    last_error_code: Option<ErrorCode>,
    /// The socket's last connection ended (or is Closing): a write now meets a connection that
    /// is over, not a socket that never had one (`write_refusal`).
    connection_over: bool,
    /// `setNoDelay` / `setKeepAlive`: what `Action::Configure` tells the host.
    no_delay: bool,
    keep_alive: Option<Millis>,
    /// `setIdleTimeout` (0: off), and the idle ticks (options.rs).
    idle_timeout: Millis,
    idle_next: Option<Millis>,
    idle_quiet: u8,
    idle_activity: bool,
    /// The latest `now` the host gave (connect, timeouts): where idle ticks start.
    clock: Millis,
    /// A listener: `incomingConnectionEvent` is running for the connection it offers
    /// (`offer_open` .. `offer_close`), the one window in which `accept` is valid.
    offering: bool,
    /// A connection handed to `incomingConnectionEvent`: whether the script accepted it (as
    /// itself, or moved to another socket); one not accepted is closed when the handler ends.
    accepted: bool,
    /// `end()` was called on this connection, and its `EndOutput` was queued.
    output_ended: bool,
    end_sent: bool,
    /// The `tls` option when on (boxed: most sockets have none), and the connection's TLS phase
    /// (socket/tls.rs).
    tls_wanted: Option<Box<TlsOptions>>,
    /// The host name `connect()` was given (none for an IP literal or an accepted connection):
    /// TLS's default servername.
    connect_name: Option<Box<str>>,
    tls_phase: tls::TlsPhase,
    actions: VecDeque<Action>,
    events: VecDeque<Event>,
}

impl Default for Engine {
    fn default() -> Self {
        Engine::new()
    }
}

impl Engine {
    /// A fresh Unconnected TCP socket with docs/spec.md's defaults.
    pub fn new() -> Engine {
        Engine {
            state: State::Unconnected,
            protocol: Protocol::Tcp,
            destroyed: false,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            send_high_water: DEFAULT_SEND_HIGH_WATER,
            recv_high_water: DEFAULT_RECV_HIGH_WATER,
            recv: RecvBuffer::default(),
            outgoing: SendQueue::default(),
            shutdown_queued: false,
            buffered: 0,
            through_turn: None,
            through_taken: 0,
            flush_unconfirmed: false,
            over_high_water: false,
            reading_paused: false,
            transport_resolves_names: false,
            last_sender: None,
            last_error: String::new(),
            last_error_code: None,
            connection_over: false,
            no_delay: true,
            keep_alive: None,
            idle_timeout: 0,
            idle_next: None,
            idle_quiet: 0,
            idle_activity: false,
            clock: 0,
            offering: false,
            accepted: false,
            output_ended: false,
            end_sent: false,
            tls_wanted: None,
            connect_name: None,
            tls_phase: tls::TlsPhase::Plain,
            actions: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    // ----- what the script asks -------------------------------------------------------------

    /// `connect(host, port)`. Starts a lookup (host names) or a connect (IP literals); the
    /// outcome arrives as events.
    /// `host` is `None` when the script passed something that is not a string.
    pub fn connect(
        &mut self,
        host: Option<&str>,
        port: &PortArg,
        now: Millis,
    ) -> Result<(), CommandError> {
        let result = self.try_connect(host, port, now);
        self.note(result)
    }

    fn try_connect(
        &mut self,
        host: Option<&str>,
        port: &PortArg,
        now: Millis,
    ) -> Result<(), CommandError> {
        self.require_unconnected("connect")?;
        self.clock = self.clock.max(now);
        let port = parse_port(port, 1)?;
        let host =
            parse_host(host.ok_or_else(|| CommandError::InvalidHost("(not a string)".into()))?)?;
        self.reset_buffers();
        self.connect_name = match &host {
            Host::Name(name) => Some(name.as_str().into()),
            Host::Ip(_) => None,
        };
        let id = self.new_id();
        let deadline = now.saturating_add(self.connect_timeout);
        match host {
            Host::Ip(ip) => {
                self.start_attempt(id, SocketAddr::new(ip, port), VecDeque::new(), deadline)
            }
            Host::Name(name) if self.transport_resolves_names => {
                // The address stays unknown to us: remote() shows the unspecified address.
                let remote = SocketAddr::new(Ipv4Addr::UNSPECIFIED.into(), port);
                self.set_state(State::Connecting {
                    id,
                    remote,
                    next: VecDeque::new(),
                    deadline,
                });
                let protocol = self.protocol;
                self.actions.push_back(Action::ConnectName {
                    id,
                    host: name,
                    port,
                    protocol,
                });
            }
            Host::Name(name) => {
                self.set_state(State::HostLookUp { id, port, deadline });
                self.actions.push_back(Action::Resolve { id, host: name });
            }
        }
        Ok(())
    }

    /// `listen(port, iface, forceIpv6)`. TCP: Listening; UDP: Bound. A bind failure known only
    /// later arrives as `errorEvent('AddressInUse', …)`.
    /// `iface` is `None` when the script passed something that is not a string.
    pub fn listen(
        &mut self,
        port: &PortArg,
        iface: Option<&str>,
        force_ipv6: bool,
    ) -> Result<(), CommandError> {
        let result = self.try_listen(port, iface, force_ipv6);
        self.note(result)
    }

    fn try_listen(
        &mut self,
        port: &PortArg,
        iface: Option<&str>,
        force_ipv6: bool,
    ) -> Result<(), CommandError> {
        self.require_unconnected("listen")?;
        let port = parse_port(port, 0)?;
        let iface = iface.ok_or_else(|| CommandError::InvalidInterface("(not a string)".into()))?;
        let ip = parse_interface(iface, force_ipv6)?;
        if force_ipv6 && ip.is_ipv4() {
            return Err(CommandError::NotIpv6Interface(iface.to_string()));
        }
        self.reset_buffers();
        let id = self.new_id();
        let protocol = self.protocol;
        self.set_state(match protocol {
            Protocol::Tcp => State::Listening { id, local: None },
            Protocol::Udp => State::Bound { id, local: None },
        });
        // An IPv6 interface listens in IPv6 mode only, as Qt's AnyIPv6 does ('::' too).
        let ipv6_only = ip.is_ipv6();
        self.actions.push_back(Action::Listen {
            id,
            addr: SocketAddr::new(ip, port),
            ipv6_only,
            protocol,
        });
        Ok(())
    }

    /// `close()`: flush then close (Connected), abandon (HostLookUp/Connecting), stop
    /// (Listening/Bound); nothing when Unconnected or already Closing. For a host that lets no
    /// write through (`write_through`) or calls it in no turn of such a write; else
    /// [`Engine::close_in_turn`].
    pub fn close(&mut self) {
        self.close_with(None);
    }

    /// `close()` in the host's turn `turn`. Bytes let through in the same turn
    /// (`write_through(_, turn)`) were taken by the transport but not yet confirmed sent: KVIrc's
    /// close() is a last attempt to flush, so the socket is Closing until the host reports
    /// `Flushed` (docs/spec.md, close()), as it is on a host whose writes are buffered until
    /// `Sent`. The same script then sees the same events on every host.
    pub fn close_in_turn(&mut self, turn: Turn) {
        self.close_with(Some(turn));
    }

    fn close_with(&mut self, turn: Option<Turn>) {
        if self.destroyed {
            return;
        }
        match self.state.clone() {
            State::Unconnected | State::Closing(_) => {}
            State::HostLookUp { id, .. }
            | State::Connecting { id, .. }
            | State::Listening { id, .. }
            | State::Bound { id, .. } => {
                self.actions.push_back(Action::Abort { id });
                self.discard_output();
                self.set_state(State::Unconnected);
            }
            State::Connected(link) => {
                let unconfirmed =
                    turn.is_some() && self.through_turn == turn && self.through_taken > 0;
                if (self.buffered > 0 || unconfirmed) && self.protocol == Protocol::Tcp {
                    self.shutdown_queued = false;
                    self.flush_unconfirmed = unconfirmed;
                    // Closing takes no writes, so no drain is owed. Input is discarded from now
                    // on (docs/spec.md, close()); a paused receive reads again, so that a peer
                    // blocked on writing to us goes on reading our flush.
                    self.forget_drain();
                    if self.reading_paused {
                        self.reading_paused = false;
                        self.actions
                            .push_back(Action::ResumeReading { id: link.id });
                    }
                    self.set_state(State::Closing(link));
                    self.flush_outgoing(); // queues the Shutdown once nothing waits
                } else {
                    self.actions.push_back(Action::Shutdown { id: link.id });
                    self.disconnect(String::new());
                }
            }
        }
    }

    /// `destroy()`: abort without flushing, no further event, every later command fails. What
    /// the script reads afterwards is decided here too (docs/spec.md, destroy()): status
    /// Unconnected, protocol `tcp`, no timeouts, nothing buffered, and `lastError()` saying the
    /// socket was destroyed, which nothing changes any more. A destroyed engine answers the
    /// same for every socket, so a host may share one among all its destroyed sockets.
    pub fn destroy(&mut self) {
        if self.destroyed {
            return;
        }
        if let Some(id) = self.state.id() {
            self.actions.push_back(Action::Abort { id });
        }
        self.state = State::Unconnected;
        self.destroyed = true;
        self.events.clear();
        self.reset_buffers();
        self.protocol = Protocol::Tcp;
        self.connect_timeout = 0;
        self.idle_timeout = 0;
        self.idle_next = None;
        self.set_error(
            CommandError::Destroyed.code(),
            CommandError::Destroyed.message(),
        );
    }

    // ----- outputs -----------------------------------------------------------------------------

    /// The next thing the host must do.
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// The next thing the script must be told.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// Swaps the engine's output queues with `spare`'s, if the engine's are empty (drained).
    /// A host that drains after every call lends one pair of queues, with their memory, to the
    /// engine it calls and takes it back after draining: thousands of idle engines then hold
    /// no queue memory, and a busy one allocates none per call. Memory handling for the
    /// crate's bindings, not part of the engine's contract (wit/).
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    pub(crate) fn swap_queues(&mut self, spare: &mut Queues) {
        if self.actions.is_empty() && self.events.is_empty() {
            std::mem::swap(&mut self.actions, &mut spare.actions);
            std::mem::swap(&mut self.events, &mut spare.events);
        }
    }

    /// When `handle_timeout` must be called next, if a deadline runs.
    pub fn poll_timeout(&self) -> Option<Millis> {
        if self.destroyed {
            return None;
        }
        match (self.state.deadline(), self.idle_deadline()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    // ----- what the script reads ----------------------------------------------------------------

    /// `status()`.
    pub fn status(&self) -> Status {
        self.state.status()
    }

    /// Whether `destroy()` was called: every later command fails and no input is taken.
    pub fn is_destroyed(&self) -> bool {
        self.destroyed
    }

    /// `protocol()`: the protocol set by `setProtocol`.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// `connectTimeout()`, in ms.
    pub fn connect_timeout(&self) -> Millis {
        self.connect_timeout
    }

    /// `lastError()`: the message of the last failed command or error event, '' when none.
    pub fn last_error(&self) -> &str {
        &self.last_error
    }

    /// `lastErrorCode()`: the error name of what `lastError()` says (an error event's code, or
    /// the code of a refused call: [`CommandError::code`], a write's [`Engine::write_refusal`]),
    /// None while `lastError()` is ''.
    pub fn last_error_code(&self) -> Option<ErrorCode> {
        self.last_error_code
    }

    /// Whether what the script follows of this socket is over: nothing more will be read or
    /// reported (Unconnected, or Closing, whose input is discarded from close() on). The
    /// promise and stream layers end their watch here (docs/spec.md, Status).
    pub fn is_over(&self) -> bool {
        self.state.status().is_over()
    }

    /// Whether a connect attempt is under way (HostLookUp, Connecting): its outcome is still
    /// to come as `connectedEvent` or `connectFailedEvent`.
    pub fn attempt_pending(&self) -> bool {
        self.state.status().is_attempt()
    }

    /// `listen()`'s bind: `Some(true)` once it completed (Listening or Bound, the local address
    /// known), `Some(false)` while it is under way, None when the socket is not listening.
    pub fn bind_done(&self) -> Option<bool> {
        match &self.state {
            State::Listening { local, .. } | State::Bound { local, .. } => Some(local.is_some()),
            _ => None,
        }
    }

    /// `bytesAvailable()`.
    pub fn bytes_available(&self) -> usize {
        self.recv.len()
    }

    /// `bufferedAmount()`: bytes written that the host has not yet handed to the network.
    pub fn buffered_amount(&self) -> usize {
        self.buffered
    }

    /// The transport id the host should route inputs for, if any.
    pub fn current_id(&self) -> Option<ConnId> {
        self.state.id()
    }

    /// `remoteIp()` / `remotePort()`: the peer while Connecting/Connected/Closing; the sender of
    /// the datagram last read while Bound.
    pub fn remote(&self) -> Option<SocketAddr> {
        match &self.state {
            State::Connecting { remote, .. } => Some(*remote),
            State::Connected(link) | State::Closing(link) => Some(link.remote),
            State::Bound { .. } => self.last_sender,
            _ => None,
        }
    }

    /// `localIp()` / `localPort()`: while Connected, Closing, Listening or Bound.
    pub fn local(&self) -> Option<SocketAddr> {
        match &self.state {
            State::Connected(link) | State::Closing(link) => Some(link.local),
            State::Listening { local, .. } | State::Bound { local, .. } => *local,
            _ => None,
        }
    }

    // ----- the few places where state changes ---------------------------------------------------

    fn set_state(&mut self, next: State) {
        let (from, to) = (self.state.status(), next.status());
        debug_assert!(
            from == to || is_legal_transition(from, to),
            "illegal transition {from:?} -> {to:?}"
        );
        self.state = next;
        if to != Status::Unconnected && to != Status::Closing {
            self.connection_over = false;
        }
        if from != to {
            self.events.push_back(Event::StateChanged(to));
            if to == Status::Connected {
                self.configure_new_connection();
                self.restart_idle();
            }
            if to == Status::Unconnected {
                self.output_ended = false;
                self.end_sent = false;
                self.idle_next = None;
                self.tls_phase = tls::TlsPhase::Plain;
            }
        }
    }

    /// A lookup or connect failed: connectFailed, error, stateChanged(Unconnected).
    fn fail_connect(&mut self, code: ErrorCode) {
        self.fail_connect_with(code, None);
    }

    /// fail_connect with the host's detail (what a proxy said about its refusal) after the
    /// code's message, in the reason, the error's message and lastError().
    fn fail_connect_with(&mut self, code: ErrorCode, detail: Option<&str>) {
        // Only a proxy's own refusal carries its words: for the target's answer (refused, not
        // found) the message stays the one Node's host gives, the same on every host.
        let message = match detail {
            Some(detail) if code.is_proxys() => format!("{}: {}", code.message(), detail),
            _ => code.message().to_string(),
        };
        self.fail_connect_saying(code, message);
    }

    /// The attempt ended with `code`: connectFailed(message), error, stateChanged(Unconnected).
    fn fail_connect_saying(&mut self, code: ErrorCode, message: String) {
        if let Some(id) = self.state.id() {
            self.actions.push_back(Action::Abort { id });
        }
        self.events.push_back(Event::ConnectFailed {
            code,
            reason: message.clone(),
        });
        self.report_error_saying(code, message, true);
        self.discard_output();
        self.set_state(State::Unconnected);
    }

    /// An established connection broke: error, stateChanged(Unconnected), disconnected(message).
    fn fail_connection(&mut self, code: ErrorCode) {
        self.fail_connection_saying(code, code.message().to_string());
    }

    /// fail_connection with a message of the engine's own (the error's, lastError(), the
    /// disconnect reason).
    fn fail_connection_saying(&mut self, code: ErrorCode, message: String) {
        if let Some(id) = self.state.id() {
            self.actions.push_back(Action::Abort { id });
        }
        self.report_error_saying(code, message.clone(), true);
        self.disconnect(message);
    }

    /// The connection ended: stateChanged(Unconnected), disconnected(error). Unread bytes stay.
    fn disconnect(&mut self, error: String) {
        self.connection_over = true;
        self.discard_output();
        self.reading_paused = false;
        self.set_state(State::Unconnected);
        self.events.push_back(Event::Disconnected(error));
    }

    /// `errorEvent(code)`; `fatal`: the failure ends the connection, the attempt or the bind
    /// (the state change follows), as against one write's (a datagram too large).
    fn report_error(&mut self, code: ErrorCode, fatal: bool) {
        self.report_error_saying(code, code.message().to_string(), fatal);
    }

    /// report_error with a message of the engine's own (the event's and lastError()).
    fn report_error_saying(&mut self, code: ErrorCode, message: String, fatal: bool) {
        self.set_error(code, message.clone());
        self.events.push_back(Event::Error {
            code,
            message,
            fatal,
        });
    }

    /// What `lastError()` and `lastErrorCode()` say from now on.
    fn set_error(&mut self, code: ErrorCode, message: String) {
        self.last_error = message;
        self.last_error_code = Some(code);
    }

    /// Output not yet handed to the network is lost: nothing is pending, no drain is owed.
    fn discard_output(&mut self) {
        self.outgoing.clear();
        self.buffered = 0;
        self.through_turn = None;
        self.through_taken = 0;
        self.flush_unconfirmed = false;
        self.forget_drain();
    }

    /// Whether output of the connection is still on its way: bytes not reported `Sent`, or
    /// (Closing) bytes let through that the host has not confirmed `Flushed`.
    fn output_pending(&self) -> bool {
        self.buffered > 0 || self.flush_unconfirmed
    }

    fn reset_buffers(&mut self) {
        self.recv = RecvBuffer::default();
        self.discard_output();
        self.reading_paused = false;
        self.last_sender = None;
    }

    fn require_unconnected(&self, command: &'static str) -> Result<(), CommandError> {
        if self.destroyed {
            return Err(CommandError::Destroyed);
        }
        match self.state.status() {
            Status::Unconnected => Ok(()),
            status => Err(CommandError::WrongStatus {
                command,
                status: status.name(),
            }),
        }
    }

    fn new_id(&self) -> ConnId {
        loop {
            // 0 is never an id, also after the counter wraps.
            let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
            if id != 0 {
                return id;
            }
        }
    }

    /// Records a failed command's message for `lastError()`.
    fn note<T>(&mut self, result: Result<T, CommandError>) -> Result<T, CommandError> {
        if let Err(e) = &result {
            self.set_error(e.code(), e.message());
        }
        result
    }
}
