//! The send side of [`Engine`]: `write`, Blob reservations, and handing output to the host
//! (`Send`, then the `Shutdown` that a Closing socket waits for), with the drain and
//! flushed-while-Closing checks that follow a `Sent`.

use std::net::SocketAddr;

use super::Engine;
use crate::engine::address::{parse_ip, parse_port, PortArg};
use crate::engine::error::{CommandError, ErrorCode};
use crate::engine::held::{Chunk, Held};
use crate::engine::io::{Action, ConnId, Event, Protocol, Through, Turn};
use crate::engine::send::Ready;
use crate::engine::state::State;
use crate::engine::text::quoted;

/// How many of the `available` bytes of `write(data, length)`'s `data` the write takes: all of
/// them when `length` was not given (`None`), else at most `length`, rounded down (Infinity:
/// all). A `length` that is negative or not a number (NaN) is refused: the write throws before
/// anything is queued (docs/spec.md, write). A write that takes nothing returns 0 and queues
/// nothing (every write command below refuses 0 bytes).
pub fn write_length(available: usize, length: Option<f64>) -> Result<usize, CommandError> {
    match length {
        None => Ok(available),
        Some(n) if n >= 0.0 => {
            let cap = n.floor();
            Ok(if cap >= available as f64 {
                available
            } else {
                cap as usize
            })
        }
        Some(_) => Err(CommandError::WriteLength),
    }
}

impl Engine {
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
                self.queued(len)
            }
            Err((code, message)) => {
                self.set_error(code, message);
                0
            }
        }
    }

    /// `write(data)` for stream bytes the host holds (a JS host's bytes, queued by handle so
    /// that they are not copied into wasm and out again: docs/design.md): the same rules as
    /// `write`, and a `SendHeld` in their place among the other writes. 0 on a UDP socket
    /// (datagrams are written with their bytes) or when the status takes no writes.
    pub fn write_held(&mut self, data: Held) -> usize {
        let len = data.len();
        match self.take_stream(len, || Chunk::Held(data)) {
            Through::Refused => 0,
            Through::Queued | Through::Now(_) => len,
        }
    }

    /// A stream write of `len` bytes for a host that can hand bytes to its transport within
    /// the call: let through when nothing written earlier still waits (Connected, nothing
    /// buffered, no output reserved, no action undrained, not during `start_tls`'s handshake)
    /// and the write is within the high-water mark. Then the bytes skip the queue: nothing
    /// buffered, no action, and the host hands them over at once (the connection's id is
    /// returned) and reports with [`Engine::unsent`] what its transport could not pass on yet.
    /// `None` changes nothing: the host writes the bytes as any write (`write_held`, `write`),
    /// and the same rules queue or refuse them. `bufferedAmount` still counts what the
    /// transport holds; a small write is one call into the engine instead of two (a write,
    /// then `Sent`), and a JS host hands no chunk to wasm for it.
    ///
    /// `turn` is the host's event-loop turn: bytes let through count as not yet confirmed sent
    /// for a `close_in_turn` of the same turn, which then waits for `Flushed`.
    pub fn let_through(&mut self, len: usize, turn: Turn) -> Option<ConnId> {
        let id = match &self.state {
            State::Connected(link)
                if len > 0
                    && self.protocol == Protocol::Tcp
                    && self.buffered == 0
                    && self.outgoing.is_empty()
                    && self.actions.is_empty()
                    && len <= self.send_high_water
                    && !self.tls_holds_output()
                    // The socket takes writes at all: write's own rule (not destroyed, no end()).
                    && self.write_target().is_ok() =>
            {
                link.id
            }
            _ => return None,
        };
        self.note_activity();
        if self.through_turn != Some(turn) {
            self.through_turn = Some(turn);
            self.through_taken = 0;
        }
        self.through_taken = self.through_taken.saturating_add(len);
        Some(id)
    }

    /// `let_through`, else the write queued as `write` queues it (the bytes made by `data`
    /// then), or refused: what happened, as one value (the component's `write-through`).
    pub fn write_through(
        &mut self,
        len: usize,
        turn: Turn,
        data: impl FnOnce() -> Chunk,
    ) -> Through {
        match self.let_through(len, turn) {
            Some(id) => Through::Now(id),
            None => self.take_stream(len, data),
        }
    }

    /// A stream write (`write_held`, `write_through`): queued, or refused (UDP, nothing, a
    /// status that takes no writes).
    fn take_stream(&mut self, len: usize, data: impl FnOnce() -> Chunk) -> Through {
        if len == 0 || self.protocol != Protocol::Tcp {
            return Through::Refused;
        }
        if let Err((code, message)) = self.write_target() {
            self.set_error(code, message);
            return Through::Refused;
        }
        match data() {
            Chunk::Held(held) => self.outgoing.push_held(held),
            Chunk::Bytes(bytes) => self.outgoing.push(bytes, None),
        }
        self.queued(len);
        Through::Queued
    }

    /// Whether the held write `held` still waits in the output queue.
    pub fn holds(&self, held: &Held) -> bool {
        self.outgoing.holds(held)
    }

    /// Puts `with` in the place of the held write `held` while it is still queued (a JS host
    /// lends the caller's view for one call, and copies what is left when the call ends).
    pub fn replace_held(&mut self, held: &Held, with: impl FnOnce() -> Held) {
        self.outgoing.replace_held(held, with);
    }

    /// The host could not pass `len` bytes of a write let through ([`Through::Now`]) on to
    /// transport `id`'s network at once: they count as buffered until `Sent` reports them,
    /// and past the high-water mark a drain is owed. Inputs for another transport, or once
    /// the connection ended, change nothing.
    pub fn unsent(&mut self, id: ConnId, len: usize) {
        if self.destroyed || self.state.id() != Some(id) {
            return;
        }
        // Counted as buffered now, these bytes wait for `Sent`, not for `Flushed`.
        self.through_taken = self.through_taken.saturating_sub(len);
        match self.state {
            State::Connected(_) => self.count_buffered(len),
            // Closing takes no writes, so no drain is owed: only what close() waits for grows.
            State::Closing(_) => self.buffered = self.buffered.saturating_add(len),
            _ => {}
        }
    }

    /// `writeTo(data, host, port)`: one datagram from a bound UDP socket to the address given
    /// (the Direct Sockets API's bound mode) rather than to the last sender. The host must be an
    /// IP literal. Returns the bytes queued, or 0 with `last_error` saying why.
    pub fn write_to(&mut self, data: Vec<u8>, host: Option<&str>, port: &PortArg) -> usize {
        let to = self.write_to_target(host, port);
        let len = data.len();
        match to {
            Ok(_) if len == 0 => 0,
            Ok(to) => {
                self.outgoing.push(data, Some(to));
                self.queued(len)
            }
            Err(e) => {
                self.set_error(e.code(), e.message());
                0
            }
        }
    }

    fn write_to_target(
        &self,
        host: Option<&str>,
        port: &PortArg,
    ) -> Result<SocketAddr, CommandError> {
        if self.destroyed {
            return Err(CommandError::Destroyed);
        }
        if !matches!(self.state, State::Bound { .. }) {
            return Err(CommandError::Unsupported(
                "writeTo needs a bound UDP socket (status Bound), the socket is ".to_string()
                    + self.state.status().name(),
            ));
        }
        let port = parse_port(port, 1)?;
        let text = host.unwrap_or_default();
        let ip = parse_ip(text).ok_or_else(|| {
            CommandError::Unsupported(
                "writeTo: ".to_string()
                    + &quoted(text)
                    + " is not an IP literal (a bound socket sends to addresses, not names)",
            )
        })?;
        Ok(SocketAddr::new(ip, port))
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
            Err((code, message)) => {
                self.set_error(code, message);
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

    /// The bytes of a reservation could not be produced (a Blob that could not be read, for
    /// `reason`). A stream cannot go on without them (the writes queued behind would reach the
    /// peer in their place): the attempt or connection ends with UnknownSocket, saying so. On
    /// UDP only that datagram is lost: an error event, the socket goes on. Unknown slots (the
    /// connection ended) are ignored.
    pub fn fill_failed(&mut self, slot: u32, reason: &str) {
        let Some(reserved) = self.outgoing.fill(slot, Vec::new()) else {
            return;
        };
        self.buffered = self.buffered.saturating_sub(reserved);
        let code = ErrorCode::UnknownSocket;
        let message = [
            "write: the bytes of an earlier write could not be read: ",
            reason,
        ]
        .concat();
        match self.state {
            _ if self.protocol == Protocol::Udp => {
                self.report_error_saying(code, message, false);
                self.flush_outgoing();
                self.check_drain();
                self.check_flushed();
            }
            State::HostLookUp { .. } | State::Connecting { .. } => {
                self.fail_connect_saying(code, message)
            }
            _ => self.fail_connection_saying(code, message),
        }
    }

    /// The error name a write meets now (what `lastErrorCode()` says after a refused write), or
    /// None when the socket takes writes: RemoteHostClosed when the connection is over or
    /// closing (it ended, either side closed it, or close() is flushing it), UnknownSocket for a
    /// socket that takes none for another reason (destroyed, never connected, listening,
    /// `end()`ed, bound with no sender yet). The stream layers name a writable that the end of
    /// its connection closed with it.
    pub fn write_refusal(&self) -> Option<ErrorCode> {
        self.write_target().err().map(|(code, _)| code)
    }

    /// The error name of a connection that is over without a failure of its own (a clean end,
    /// a close(), nothing under way), as the promise and stream layers name it: what a write
    /// meets now, and UnknownSocket where writes are still taken (a bound UDP socket that has a
    /// sender: there is nothing to wait for).
    pub fn over_code(&self) -> ErrorCode {
        self.write_refusal().unwrap_or(ErrorCode::UnknownSocket)
    }

    /// Where a write in the current status goes: `Ok(None)` for the connection's peer,
    /// `Ok(Some(addr))` for a bound UDP socket's last sender, `Err((code, why))` when it takes
    /// none.
    fn write_target(&self) -> Result<Option<SocketAddr>, (ErrorCode, String)> {
        let refused = |message: String| Err((ErrorCode::UnknownSocket, message));
        if self.destroyed {
            return Err((
                CommandError::Destroyed.code(),
                CommandError::Destroyed.message(),
            ));
        }
        match &self.state {
            State::HostLookUp { .. } | State::Connecting { .. } | State::Connected(_)
                if self.output_ended =>
            {
                refused("write after end(): the output is ended".to_string())
            }
            State::HostLookUp { .. } | State::Connecting { .. } | State::Connected(_) => Ok(None),
            State::Bound { .. } => match self.last_sender {
                Some(sender) => Ok(Some(sender)),
                None => refused("write on a bound UDP socket answers the sender of the last datagram read, and none was read yet".to_string()),
            },
            other => {
                let message = "write needs status Connecting or Connected, the socket is "
                    .to_string()
                    + other.status().name();
                match other {
                    State::Closing(_) => Err((ErrorCode::RemoteHostClosed, message)),
                    State::Unconnected if self.connection_over => {
                        Err((ErrorCode::RemoteHostClosed, message))
                    }
                    _ => refused(message),
                }
            }
        }
    }

    /// The end of every accepted write: `len` more bytes buffered, output handed on when it
    /// can go; returns `len`, what the write queued.
    fn queued(&mut self, len: usize) -> usize {
        self.count_buffered(len);
        self.flush_outgoing();
        len
    }

    fn count_buffered(&mut self, len: usize) {
        // Saturating: hosts pass reservation sizes as they come (a Blob larger than wasm32's
        // usize is clamped to usize::MAX), and two of those must not overflow.
        self.buffered = self.buffered.saturating_add(len);
        if self.buffered > self.send_high_water {
            self.over_high_water = true;
        }
    }

    /// Hands ready output to the host while a transport can take it, and, when Closing and
    /// all output is handed over, the Shutdown that ends the connection after it.
    pub(super) fn flush_outgoing(&mut self) {
        let id = match &self.state {
            State::Connected(link) | State::Closing(link) => link.id,
            State::Bound { id, .. } => *id,
            _ => return,
        };
        if self.tls_holds_output() {
            return;
        }
        while let Some(ready) = self.outgoing.pop_ready() {
            self.actions.push_back(match ready {
                Ready::Bytes(data, to) => Action::Send { id, data, to },
                Ready::Held(data) => Action::SendHeld { id, data },
            });
        }
        self.maybe_end_output();
        if matches!(self.state, State::Closing(_))
            && self.outgoing.is_empty()
            && !self.shutdown_queued
        {
            self.shutdown_queued = true;
            self.actions.push_back(Action::Shutdown { id });
        }
    }

    /// Closing ends, cleanly, once no output is pending.
    pub(super) fn check_flushed(&mut self) {
        if !self.output_pending() && matches!(self.state, State::Closing(_)) {
            self.disconnect(String::new());
        }
    }

    /// Whether a write took the buffered output over the high-water mark and the `Drain` that
    /// answers it is still owed: a writer that respects backpressure waits for it.
    pub fn needs_drain(&self) -> bool {
        self.over_high_water
    }

    /// `drainEvent` once buffered output falls below the mark after a write went over it, only
    /// while the socket still takes writes (docs/spec.md, Backpressure): never while Closing, never
    /// after the connection ended.
    pub(super) fn check_drain(&mut self) {
        if self.over_high_water && self.buffered < self.send_high_water && self.drain_due() {
            self.over_high_water = false;
            self.events.push_back(Event::Drain);
        }
    }

    /// Whether a drain may be told now: the socket takes writes (Connected and not `end()`ed,
    /// or Bound for UDP). The JS facade asks again when it delivers a drain, since delivery
    /// comes later (a microtask) and the connection may have ended in between.
    pub fn drain_due(&self) -> bool {
        !self.destroyed
            && !self.output_ended
            && matches!(self.state, State::Connected(_) | State::Bound { .. })
    }

    /// The socket stopped taking writes (`end()`, Closing, or the connection ended): no drain
    /// is owed, and one still waiting in the event queue is withdrawn.
    pub(super) fn forget_drain(&mut self) {
        self.over_high_water = false;
        self.events.retain(|e| *e != Event::Drain);
    }
}
