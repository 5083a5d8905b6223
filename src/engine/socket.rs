//! The socket engine: SPEC.md's state machine, fed by the host, drained by the host.

use std::collections::VecDeque;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU32, Ordering};

use super::address::{parse_host, parse_interface, parse_port, Host, PortArg};
use super::error::{CommandError, ErrorCode};
use super::io::{Action, ConnId, Event, Input, Millis, Protocol, Status};
use super::recv::{decode_text, encode_hex, RecvBuffer};
use super::send::SendQueue;
use super::state::{is_legal_transition, Link, State};

/// Default connect timeout (SPEC.md: 60 s).
pub const DEFAULT_CONNECT_TIMEOUT: Millis = 60_000;
/// Default send high-water mark (SPEC.md: 1 MiB).
pub const DEFAULT_SEND_HIGH_WATER: usize = 1024 * 1024;
/// Default receive high-water mark (SPEC.md: 4 MiB).
pub const DEFAULT_RECV_HIGH_WATER: usize = 4 * 1024 * 1024;

/// The next transport id. Ids are unique across every engine of the process, not only within
/// one: `adopt` moves a connection and its id to another engine, and if that id were one the
/// adopter had used for an earlier transport, that transport's late inputs (a `Closed` after
/// `close()`) would be taken for the adopted connection's.
static NEXT_ID: AtomicU32 = AtomicU32::new(1);

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
    /// `buffered` went over the send high-water mark and no drain was reported since.
    over_high_water: bool,
    reading_paused: bool,
    /// Host names go to the transport as they are (`ConnectName`), with no HostLookUp: the
    /// browser's proxy resolves them (SPEC.md, Hosts).
    transport_resolves_names: bool,
    /// UDP: the sender of the datagram last read, whom a bound socket's writes answer.
    last_sender: Option<SocketAddr>,
    last_error: String,
    actions: VecDeque<Action>,
    events: VecDeque<Event>,
}

impl Default for Engine {
    fn default() -> Self {
        Engine::new()
    }
}

impl Engine {
    /// A fresh Unconnected TCP socket with SPEC.md's defaults.
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
            over_high_water: false,
            reading_paused: false,
            transport_resolves_names: false,
            last_sender: None,
            last_error: String::new(),
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
        let port = parse_port(port, 1)?;
        let host =
            parse_host(host.ok_or_else(|| CommandError::InvalidHost("(not a string)".into()))?)?;
        self.reset_buffers();
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
            return Err(CommandError::InvalidInterface(format!(
                "{iface} (forceIpv6 with an IPv4 interface)"
            )));
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

    /// `write(data)`: the number of bytes queued (all of `data`, or 0 when the status takes no
    /// writes). Queued while HostLookUp/Connecting, sent at once while Connected (unless a
    /// reservation is ahead of it).
    pub fn write(&mut self, data: Vec<u8>) -> usize {
        let len = data.len();
        if len == 0 {
            return 0;
        }
        match self.write_target() {
            Ok(to) => {
                self.outgoing.push(data, to);
                self.count_buffered(len);
                self.flush_outgoing();
                len
            }
            Err(message) => {
                self.last_error = message;
                0
            }
        }
    }

    /// Keeps room for `len` bytes that are still being produced (a Blob being read): later
    /// writes queue behind it and `close()` waits for it. Returns the slot for `fill`, or
    /// `None` when the status takes no writes (as `write` returning 0).
    pub fn reserve(&mut self, len: usize) -> Option<u32> {
        match self.write_target() {
            Ok(_) if len == 0 => None,
            Ok(to) => {
                let slot = self.new_id();
                self.outgoing.reserve(slot, len, to);
                self.count_buffered(len);
                Some(slot)
            }
            Err(message) => {
                self.last_error = message;
                None
            }
        }
    }

    /// Supplies the bytes of a reservation (fewer than reserved when producing them failed;
    /// the shortfall leaves `bufferedAmount`). Unknown slots (the connection ended) are ignored.
    pub fn fill(&mut self, slot: u32, data: Vec<u8>) {
        let got = data.len();
        if let Some(reserved) = self.outgoing.fill(slot, data) {
            self.buffered = self.buffered.saturating_sub(reserved.saturating_sub(got));
            self.flush_outgoing();
            self.check_drain();
            // A short (or empty) fill can be what leaves nothing pending while Closing.
            self.check_flushed();
        }
    }

    /// Where a write in the current status goes: `Ok(None)` for the connection's peer,
    /// `Ok(Some(addr))` for a bound UDP socket's last sender, `Err(why)` when it takes none.
    fn write_target(&self) -> Result<Option<SocketAddr>, String> {
        if self.destroyed {
            return Err(CommandError::Destroyed.to_string());
        }
        match &self.state {
            State::HostLookUp { .. } | State::Connecting { .. } | State::Connected(_) => Ok(None),
            State::Bound { .. } => self.last_sender.map(Some).ok_or_else(|| {
                "write on a bound UDP socket answers the sender of the last datagram read, and none was read yet".to_string()
            }),
            other => Err(format!(
                "write needs status Connecting or Connected, the socket is {}",
                other.status().name()
            )),
        }
    }

    fn count_buffered(&mut self, len: usize) {
        self.buffered += len;
        if self.buffered > self.send_high_water {
            self.over_high_water = true;
        }
    }

    /// Hands ready output to the host while a transport can take it, and, when Closing and
    /// all output is handed over, the Shutdown that ends the connection after it.
    fn flush_outgoing(&mut self) {
        let id = match &self.state {
            State::Connected(link) | State::Closing(link) => link.id,
            State::Bound { id, .. } => *id,
            _ => return,
        };
        while let Some((data, to)) = self.outgoing.pop_ready() {
            self.actions.push_back(Action::Send { id, data, to });
        }
        if matches!(self.state, State::Closing(_))
            && self.outgoing.is_empty()
            && !self.shutdown_queued
        {
            self.shutdown_queued = true;
            self.actions.push_back(Action::Shutdown { id });
        }
    }

    /// `read(length)`: text per SPEC.md (UTF-8, NUL as U+00FF, no split character in a read of
    /// everything while the connection is open).
    pub fn read_text(&mut self, length: Option<usize>) -> String {
        let keep_partial = matches!(self.state, State::Connected(_) | State::Closing(_));
        decode_text(&self.take(length, keep_partial))
    }

    /// `readBytes(length)`: the bytes as they came.
    pub fn read_bytes(&mut self, length: Option<usize>) -> Vec<u8> {
        self.take(length, false)
    }

    /// `readHex(length)`: lowercase hex of the bytes.
    pub fn read_hex(&mut self, length: Option<usize>) -> String {
        encode_hex(&self.take(length, false))
    }

    fn take(&mut self, length: Option<usize>, keep_partial: bool) -> Vec<u8> {
        // What is buffered decides, not the protocol set now (the two never mix: connect and
        // listen start an empty buffer): the bytes a TCP connection left stay readable after
        // setProtocol('udp'), and a UDP socket's datagrams after setProtocol('tcp').
        let bytes = match self.recv.take_datagram(length) {
            Some((data, from)) => {
                if from.is_some() {
                    self.last_sender = from;
                }
                data
            }
            None => self.recv.take_stream(length, keep_partial),
        };
        self.maybe_resume_reading();
        bytes
    }

    /// `close()`: flush then close (Connected), abandon (HostLookUp/Connecting), stop
    /// (Listening/Bound); nothing when Unconnected or already Closing.
    pub fn close(&mut self) {
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
                if self.buffered > 0 && self.protocol == Protocol::Tcp {
                    self.shutdown_queued = false;
                    self.set_state(State::Closing(link));
                    self.flush_outgoing(); // queues the Shutdown once nothing waits
                } else {
                    self.actions.push_back(Action::Shutdown { id: link.id });
                    self.disconnect(String::new());
                }
            }
        }
    }

    /// `destroy()`: abort without flushing, no further event, every later command fails.
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
    }

    /// `setProtocol(name)`, any case; only while Unconnected.
    pub fn set_protocol(&mut self, name: &str) -> Result<(), CommandError> {
        let result = self.require_unconnected("setProtocol").and_then(|_| {
            match name.to_ascii_lowercase().as_str() {
                "tcp" => Ok(Protocol::Tcp),
                "udp" => Ok(Protocol::Udp),
                _ => Err(CommandError::UnknownProtocol(name.to_string())),
            }
        });
        let result = result.map(|p| self.protocol = p);
        self.note(result)
    }

    /// `setConnectTimeout(ms)`: a positive integer.
    pub fn set_connect_timeout(&mut self, ms: f64) -> Result<(), CommandError> {
        let result =
            positive_integer(ms, "connect timeout").map(|v| self.connect_timeout = v as Millis);
        self.note(result)
    }

    /// `setHighWaterMark(bytes)`: a positive integer.
    pub fn set_high_water_mark(&mut self, bytes: f64) -> Result<(), CommandError> {
        let result =
            positive_integer(bytes, "high-water mark").map(|v| self.send_high_water = v as usize);
        self.note(result)
    }

    /// The receive high-water mark past which the host stops reading.
    pub fn set_receive_high_water_mark(&mut self, bytes: f64) -> Result<(), CommandError> {
        let result = positive_integer(bytes, "receive high-water mark")
            .map(|v| self.recv_high_water = v as usize);
        self.note(result)
    }

    /// Whether host names skip HostLookUp and go to the transport as they are (the browser host,
    /// whose proxy resolves them). Off by default.
    pub fn set_transport_resolves_names(&mut self, on: bool) {
        self.transport_resolves_names = on;
    }

    // ----- incoming connections ---------------------------------------------------------------

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
        let child_id = child.new_id();
        child.state = State::Connected(Link {
            id: child_id,
            local,
            remote,
        });
        self.events.push_back(Event::IncomingConnection);
        Some(child)
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
        // Born connected: no stateChanged, as for the socket handed to incomingConnectionEvent.
        self.state = State::Connected(link);
        self.maybe_resume_reading();
        Ok(())
    }

    // ----- what the host reports --------------------------------------------------------------

    /// Feeds one input. Inputs for another transport than the current one are stale and ignored.
    pub fn handle(&mut self, input: Input) {
        if self.destroyed {
            return;
        }
        match input {
            Input::Resolved { id, addrs } => self.on_resolved(id, addrs),
            Input::ConnectFailed { id, error } => self.on_connect_failed(id, &error),
            Input::Connected { id, local, remote } => self.on_connected(id, local, remote),
            Input::Received { id, data, from } => self.on_received(id, data, from),
            Input::Sent { id, len } => self.on_sent(id, len),
            Input::PeerClosed { id } => self.on_peer_closed(id, false),
            Input::Closed { id } => self.on_peer_closed(id, true),
            Input::Failed { id, error } => self.on_failed(id, &error),
            Input::Listening { id, local } => self.on_listening(id, local),
            Input::ListenFailed { id, error } => self.on_failed(id, &error),
        }
    }

    /// The clock reached `now`: fails a lookup or connect whose deadline passed.
    pub fn handle_timeout(&mut self, now: Millis) {
        if self.destroyed {
            return;
        }
        if let Some(deadline) = self.state.deadline() {
            if now >= deadline {
                self.fail_connect(ErrorCode::SocketTimeout);
            }
        }
    }

    fn on_listening(&mut self, id: ConnId, local: SocketAddr) {
        if let State::Listening {
            id: current,
            local: bound,
        }
        | State::Bound {
            id: current,
            local: bound,
        } = &mut self.state
        {
            // Hosts may report the same bind twice (at once and on their own event): tell once.
            if *current == id && bound.is_none() {
                *bound = Some(local);
                self.events.push_back(Event::Listening { local });
            }
        }
    }

    fn on_resolved(&mut self, id: ConnId, addrs: Vec<IpAddr>) {
        let State::HostLookUp {
            id: current,
            port,
            deadline,
        } = self.state
        else {
            return;
        };
        if current != id {
            return;
        }
        let mut next: VecDeque<IpAddr> = addrs.into();
        let Some(first) = next.pop_front() else {
            return self.fail_connect(ErrorCode::HostNotFound);
        };
        self.events.push_back(Event::HostFound);
        let attempt = self.new_id();
        self.start_attempt(attempt, SocketAddr::new(first, port), next, deadline);
    }

    fn start_attempt(
        &mut self,
        id: ConnId,
        remote: SocketAddr,
        next: VecDeque<IpAddr>,
        deadline: Millis,
    ) {
        self.set_state(State::Connecting {
            id,
            remote,
            next,
            deadline,
        });
        self.actions.push_back(Action::Connect {
            id,
            addr: remote,
            protocol: self.protocol,
        });
    }

    fn on_connect_failed(&mut self, id: ConnId, error: &str) {
        let code = ErrorCode::from_host(error);
        match &mut self.state {
            State::HostLookUp { id: current, .. } if *current == id => {
                // Whatever the resolver said, a name that did not resolve is HostNotFound.
                let code = if code == ErrorCode::UnknownSocket {
                    ErrorCode::HostNotFound
                } else {
                    code
                };
                self.fail_connect(code);
            }
            State::Connecting {
                id: current,
                remote,
                next,
                deadline,
            } if *current == id => {
                // A name with several addresses: try the next one within the same deadline.
                match next.pop_front() {
                    Some(ip) => {
                        let (remote, next, deadline) = (
                            SocketAddr::new(ip, remote.port()),
                            std::mem::take(next),
                            *deadline,
                        );
                        let attempt = self.new_id();
                        self.state = State::Connecting {
                            id: attempt,
                            remote,
                            next,
                            deadline,
                        };
                        self.actions.push_back(Action::Connect {
                            id: attempt,
                            addr: remote,
                            protocol: self.protocol,
                        });
                    }
                    None => self.fail_connect(code),
                }
            }
            _ => {}
        }
    }

    fn on_connected(&mut self, id: ConnId, local: SocketAddr, remote: SocketAddr) {
        match self.state {
            State::Connecting { id: current, .. } if current == id => {}
            _ => return,
        }
        self.set_state(State::Connected(Link { id, local, remote }));
        self.events.push_back(Event::Connected);
        self.flush_outgoing();
    }

    fn on_received(&mut self, id: ConnId, data: Vec<u8>, from: Option<SocketAddr>) {
        if self.state.id() != Some(id) || data.is_empty() {
            return;
        }
        match (&self.state, self.protocol) {
            (State::Connected(_) | State::Closing(_), Protocol::Tcp) => self.recv.push_stream(data),
            (State::Connected(link), Protocol::Udp) => {
                let from = from.or(Some(link.remote));
                self.recv.push_datagram(data, from);
            }
            (State::Bound { .. }, Protocol::Udp) => self.recv.push_datagram(data, from),
            _ => return,
        }
        self.events.push_back(Event::DataAvailable(self.recv.len()));
        if !self.reading_paused
            && self.protocol == Protocol::Tcp
            && self.recv.len() > self.recv_high_water
        {
            self.reading_paused = true;
            self.actions.push_back(Action::PauseReading { id });
        }
    }

    fn on_sent(&mut self, id: ConnId, len: usize) {
        if self.state.id() != Some(id) {
            return;
        }
        self.buffered = self.buffered.saturating_sub(len);
        self.check_drain();
        self.check_flushed();
    }

    /// Closing ends, cleanly, once no output is pending.
    fn check_flushed(&mut self) {
        if self.buffered == 0 && matches!(self.state, State::Closing(_)) {
            self.disconnect(String::new());
        }
    }

    /// `drainEvent` once buffered output falls below the mark after a write went over it.
    fn check_drain(&mut self) {
        if self.over_high_water && self.buffered < self.send_high_water {
            self.over_high_water = false;
            self.events.push_back(Event::Drain);
        }
    }

    fn on_peer_closed(&mut self, id: ConnId, transport_gone: bool) {
        if self.state.id() != Some(id) {
            return;
        }
        match &self.state {
            State::Connected(_) => {
                self.actions.push_back(Action::Shutdown { id });
                self.disconnect(String::new());
            }
            // While Closing, a peer that only ended its side still takes our bytes: wait for
            // them to be sent. A transport that is gone with bytes unsent lost them.
            State::Closing(_) if transport_gone => {
                if self.buffered == 0 {
                    self.disconnect(String::new());
                } else {
                    self.fail_connection(ErrorCode::RemoteHostClosed);
                }
            }
            _ => {}
        }
    }

    fn on_failed(&mut self, id: ConnId, error: &str) {
        if self.state.id() != Some(id) {
            return;
        }
        let code = ErrorCode::from_host(error);
        match self.state {
            State::HostLookUp { .. } | State::Connecting { .. } => {
                self.on_connect_failed(id, error)
            }
            // The system refused one datagram as larger than UDP allows: that write failed, the
            // socket did not (as Qt's DatagramTooLargeError). The host still reports the
            // datagram `Sent`, so it leaves `bufferedAmount`.
            State::Connected(_) | State::Bound { .. }
                if self.protocol == Protocol::Udp && code == ErrorCode::DatagramTooLarge =>
            {
                self.report_error(code)
            }
            State::Connected(_) | State::Closing(_) => self.fail_connection(code),
            State::Listening { .. } | State::Bound { .. } => {
                self.actions.push_back(Action::Abort { id });
                self.report_error(code);
                // A bound UDP socket's unsent answers are lost with it.
                self.discard_output();
                self.set_state(State::Unconnected);
            }
            State::Unconnected => {}
        }
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

    /// When `handle_timeout` must be called next, if a deadline runs.
    pub fn poll_timeout(&self) -> Option<Millis> {
        if self.destroyed {
            return None;
        }
        self.state.deadline()
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

    /// Records a failure that the host decided outside a command (a wrong argument type, a
    /// host that cannot do what was asked), so `lastError()` tells it.
    pub fn set_last_error(&mut self, message: &str) {
        self.last_error = message.to_string();
    }

    /// `lastError()`: the message of the last failed command or error event, '' when none.
    pub fn last_error(&self) -> &str {
        &self.last_error
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
        if from != to {
            self.events.push_back(Event::StateChanged(to));
        }
    }

    /// A lookup or connect failed: connectFailed, error, stateChanged(Unconnected).
    fn fail_connect(&mut self, code: ErrorCode) {
        if let Some(id) = self.state.id() {
            self.actions.push_back(Action::Abort { id });
        }
        self.events.push_back(Event::ConnectFailed {
            code,
            reason: code.message().to_string(),
        });
        self.report_error(code);
        self.discard_output();
        self.set_state(State::Unconnected);
    }

    /// An established connection broke: error, stateChanged(Unconnected), disconnected(message).
    fn fail_connection(&mut self, code: ErrorCode) {
        if let Some(id) = self.state.id() {
            self.actions.push_back(Action::Abort { id });
        }
        self.report_error(code);
        self.disconnect(code.message().to_string());
    }

    /// The connection ended: stateChanged(Unconnected), disconnected(error). Unread bytes stay.
    fn disconnect(&mut self, error: String) {
        self.discard_output();
        self.reading_paused = false;
        self.set_state(State::Unconnected);
        self.events.push_back(Event::Disconnected(error));
    }

    fn report_error(&mut self, code: ErrorCode) {
        self.last_error = code.message().to_string();
        self.events.push_back(Event::Error {
            code,
            message: code.message().to_string(),
        });
    }

    fn maybe_resume_reading(&mut self) {
        if self.reading_paused && self.recv.len() <= self.recv_high_water {
            self.reading_paused = false;
            if let Some(id) = self.state.id() {
                self.actions.push_back(Action::ResumeReading { id });
            }
        }
    }

    /// Output not yet handed to the network is lost: nothing is pending, no drain is owed.
    fn discard_output(&mut self) {
        self.outgoing.clear();
        self.buffered = 0;
        self.over_high_water = false;
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
            self.last_error = e.to_string();
        }
        result
    }
}

fn positive_integer(value: f64, what: &'static str) -> Result<u64, CommandError> {
    if value.is_finite() && value >= 1.0 && value.fract() == 0.0 && value <= 9_007_199_254_740_991.0
    {
        Ok(value as u64)
    } else {
        Err(CommandError::NotPositive(what))
    }
}
