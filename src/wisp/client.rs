//! The client side of one Wisp connection, sans-IO: the host hands it each binary WebSocket
//! message ([`Client::receive`]) and the fact that the WebSocket ended
//! ([`Client::connection_lost`]); it drains the packets to send ([`Client::poll_transmit`]) and
//! what happened to the streams ([`Client::poll_event`]). Nothing here touches a socket or a
//! clock.
//!
//! The handshake: the server speaks first. A CONTINUE on stream 0 is a v1 server (its payload
//! is every stream's initial credit); an INFO on stream 0 is a v2 server, answered with our INFO
//! (UDP, stream-open confirmation, and the password when the server lists password
//! authentication and the host gave credentials), after which the server's CONTINUE on stream
//! 0 ends the handshake (or its CLOSE on stream 0 rejects us). CONNECTs asked for before that
//! wait.
//!
//! Flow control: each TCP stream may have as many DATA packets in flight as its credit (the
//! initial one, then the last CONTINUE the server sent for it). What the credit does not cover
//! waits here, and only what left in a packet is reported [`Event::Sent`]: so a socket's
//! buffered output, and its drain event, follow the server's window. UDP streams have no
//! credit (the protocol says so): one datagram, one packet, at once.

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};

mod handshake;

use super::packet::{Header, Packet, PacketError, PacketType, StreamType};
use super::reason::{close, describe, error_code};
pub use super::transmit::{Payload, Transmit};
use crate::engine::text::decimal;
use crate::engine::ErrorCode;

/// The largest DATA payload of a TCP stream. Servers take WebSocket messages of a bounded size
/// (1 MiB by default in Python's `websockets`), and smaller packets let many streams interleave.
pub const MAX_DATA: usize = 64 * 1024;

/// What the host knows before the connection opens.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Username and password for a v2 server that asks for password authentication (taken from
    /// the proxy URL's userinfo by the host).
    pub credentials: Option<(String, String)>,
}

/// What happened, for the host to tell the sockets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The handshake finished: `version` 1 or 2.
    Ready { version: u8 },
    /// The stream's destination is connected: the server confirmed it (v2 stream-open
    /// confirmation), or, with a server that does not confirm, the CONNECT went out.
    Opened { stream: u32 },
    /// `len` bytes of the stream's data left in DATA packets.
    Sent { stream: u32, len: usize },
    /// The stream ended and is forgotten: `error` is `None` for a clean end (the server's
    /// voluntary CLOSE, or our graceful close sent), else why it failed; `detail` says more.
    Closed {
        stream: u32,
        error: Option<ErrorCode>,
        detail: String,
    },
    /// The whole connection failed (a malformed packet, a rejected handshake, the WebSocket
    /// gone); every stream got its `Closed` first. The host closes the WebSocket.
    Failed { error: ErrorCode, detail: String },
}

/// What the handshake has reached.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Phase {
    /// Waiting for the server's first packet.
    Hello,
    /// v2: our INFO is sent; waiting for the server's CONTINUE on stream 0.
    Accepting,
    /// Streams flow; `version` 1 or 2.
    Open { version: u8 },
    /// Failed for good: new streams fail at once.
    Failed { error: ErrorCode, detail: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StreamState {
    /// Waiting for the handshake before its CONNECT goes out.
    Waiting,
    /// CONNECT sent; waiting for the server's confirmation.
    Connecting,
    /// Data flows.
    Open,
}

#[derive(Debug)]
struct Stream<P> {
    kind: StreamType,
    host: String,
    port: u16,
    state: StreamState,
    /// DATA packets the server can still take (TCP only).
    credit: u32,
    /// DATA payloads waiting for credit (or for the CONNECT).
    pending: VecDeque<P>,
    /// A graceful close was asked for: CLOSE after the pending packets.
    closing: bool,
}

/// What the server said about itself in its INFO (v2), or the defaults of v1.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerInfo {
    /// Whether the server carries UDP streams (always, for v1: the 1.2 protocol requires it).
    pub udp: bool,
    /// Whether the server confirms each opened stream with a CONTINUE (v2 extension 0x05).
    pub confirms_open: bool,
    /// The server's message of the day, if it sent one.
    pub motd: Option<String>,
    /// Whether the server takes kvsocket's receive pause ([`ext::RECEIVE_PAUSE`]).
    pub receive_pause: bool,
}

/// The WebSocket subprotocol a client offers to ask the server for Wisp v2 (a v1 server ignores
/// it).
pub const SUBPROTOCOL: &str = "wisp-v2";

/// One Wisp connection, client side; `P` is how the host holds the bytes its streams send.
#[derive(Debug)]
pub struct Client<P = Vec<u8>> {
    config: Config,
    phase: Phase,
    server: ServerInfo,
    /// Every stream's credit when it opens (the CONTINUE on stream 0).
    initial_credit: u32,
    streams: Map<u32, Stream<P>>,
    next_stream: u32,
    /// DATA bytes the host can take now (its WebSocket's room, [`Client::set_room`]);
    /// unbounded until the host says.
    room: usize,
    transmit: VecDeque<Transmit<P>>,
    events: VecDeque<Event>,
    /// The host's WebSocket offers [`SUBPROTOCOL`] (until a server turned the offer down).
    offers_v2: bool,
}

impl<P: Payload> Client<P> {
    /// A connection whose WebSocket is being opened.
    pub fn new(config: Config) -> Client<P> {
        Client {
            config,
            phase: Phase::Hello,
            server: ServerInfo::default(),
            initial_credit: 0,
            streams: Map::default(),
            next_stream: 1,
            room: usize::MAX,
            transmit: VecDeque::new(),
            events: VecDeque::new(),
            offers_v2: true,
        }
    }

    /// The subprotocol the host's WebSocket offers: [`SUBPROTOCOL`], or '' once a server has
    /// turned it down (see [`Client::retry_without_v2`]).
    pub fn subprotocol(&self) -> &'static str {
        if self.offers_v2 {
            SUBPROTOCOL
        } else {
            ""
        }
    }

    /// No stream is left (none opened yet, or every one ended or was aborted): the connection
    /// has nothing to carry, and the host closes its WebSocket (a turn later, unless a socket
    /// opens a stream meanwhile: a script that reconnects at once keeps it).
    pub fn idle(&self) -> bool {
        self.streams.is_empty()
    }

    /// The WebSocket closed; `opened`: whether it had opened. Whether the host opens another
    /// one without the v2 offer instead of failing the streams: once, when the first one closed
    /// before it opened while offering v2 (a server that would not take the offer: Node's `ws`
    /// fails a handshake whose answer names no subprotocol; a v1 server takes the second), and
    /// nothing has failed the connection yet. Streams opened meanwhile wait for the second
    /// WebSocket's handshake.
    pub fn retry_without_v2(&mut self, opened: bool) -> bool {
        let retry = !opened && self.offers_v2 && matches!(self.phase, Phase::Hello);
        if retry {
            self.offers_v2 = false;
        }
        retry
    }

    /// What the server said about itself (meaningful once [`Event::Ready`] was told).
    pub fn server(&self) -> &ServerInfo {
        &self.server
    }

    /// Whether the connection failed for good.
    pub fn is_failed(&self) -> bool {
        matches!(self.phase, Phase::Failed { .. })
    }

    /// How many streams are open or opening.
    pub fn stream_count(&self) -> usize {
        self.streams.len()
    }

    /// Opens a stream to `host:port` and returns its id. Its CONNECT goes out now, or once the
    /// handshake is done; [`Event::Opened`] or [`Event::Closed`] follows.
    pub fn open(&mut self, kind: StreamType, host: &str, port: u16) -> u32 {
        let stream = self.new_stream_id();
        self.streams.insert(
            stream,
            Stream {
                kind,
                host: host.to_owned(),
                port,
                state: StreamState::Waiting,
                credit: 0,
                pending: VecDeque::new(),
                closing: false,
            },
        );
        match &self.phase {
            Phase::Open { .. } => self.start(stream),
            Phase::Failed { error, detail } => {
                let (error, detail) = (*error, detail.clone());
                self.end(stream, Some(error), detail);
            }
            Phase::Hello | Phase::Accepting => {}
        }
        stream
    }

    /// Queues `data` on a stream: TCP bytes in DATA packets of at most [`MAX_DATA`] bytes,
    /// sent as the credit allows; a UDP datagram in one packet. Unknown streams are ignored
    /// (one that just ended: its `Closed` is on its way).
    pub fn send(&mut self, stream: u32, data: P) {
        let Some(s) = self.streams.get_mut(&stream) else {
            return;
        };
        if s.closing {
            return;
        }
        if s.kind == StreamType::Udp {
            s.pending.push_back(data);
        } else {
            let mut rest = data;
            while rest.len() > MAX_DATA {
                let (head, tail) = rest.split_at(MAX_DATA);
                s.pending.push_back(head);
                rest = tail;
            }
            if !rest.is_empty() {
                s.pending.push_back(rest);
            }
        }
        self.flush(stream);
    }

    /// Stops (`paused`) or starts again the server's reading of a TCP stream's target, when the
    /// server took the receive-pause extension: a PAUSE packet. Otherwise nothing: the stream's
    /// bytes keep coming (docs/wisp.md says what stays unbounded then).
    pub fn pause(&mut self, stream: u32, paused: bool) {
        let Some(s) = self.streams.get(&stream) else {
            return;
        };
        if self.server.receive_pause && s.kind == StreamType::Tcp && s.state != StreamState::Waiting
        {
            self.push(&Packet::Pause { stream, paused });
        }
    }

    /// Ends a stream gracefully: CLOSE (voluntary) after every byte queued before it, then
    /// [`Event::Closed`] with no error.
    pub fn close(&mut self, stream: u32) {
        if let Some(s) = self.streams.get_mut(&stream) {
            s.closing = true;
            self.flush(stream);
        }
    }

    /// Ends a stream now: what waits for credit is dropped, the server is told with a CLOSE.
    /// No event follows.
    pub fn abort(&mut self, stream: u32) {
        if let Some(s) = self.streams.remove(&stream) {
            if s.state != StreamState::Waiting {
                self.push(&Packet::Close {
                    stream,
                    reason: close::VOLUNTARY,
                });
            }
        }
    }

    /// The WebSocket ended (closed, errored, or never opened): every stream fails with `error`
    /// (the host's choice: ProxyConnectionRefused before open, ProxyConnectionClosed after).
    pub fn connection_lost(&mut self, error: ErrorCode, detail: &str) {
        self.transmit.clear();
        self.fail(error, detail.to_owned());
    }

    /// Feeds one binary WebSocket message. When it is a DATA packet of a live stream, returns
    /// that stream: the payload is `message[HEADER_LEN..]`, which the host hands to the stream
    /// itself (it is not copied here, and need not even be passed: see
    /// [`super::packet::bytes_needed`]). Anything wrong with the message fails the connection.
    pub fn receive(&mut self, message: &[u8]) -> Option<u32> {
        if self.is_failed() {
            return None;
        }
        let header = match Header::decode(message) {
            Ok(h) => h,
            Err(e) => return self.malformed(e),
        };
        if header.kind == PacketType::Data {
            return self.route_data(header.stream);
        }
        match Packet::decode(message) {
            Ok(packet) => self.on_packet(packet),
            Err(e) => self.malformed(e),
        }
    }

    /// A DATA packet for `stream` arrived (the host read its header): returns the stream when
    /// its payload goes to the stream's socket, `None` when it is dropped. [`Client::receive`]
    /// of the packet's first [`HEADER_LEN`](super::packet::HEADER_LEN) bytes decides the same.
    pub fn route_data(&mut self, stream: u32) -> Option<u32> {
        if self.is_failed() {
            return None;
        }
        // Data for a stream we no longer know is in flight past our CLOSE: dropped.
        let s = self.streams.get(&stream)?;
        (s.state != StreamState::Waiting).then_some(stream)
    }

    /// How many DATA bytes the host can take now: its WebSocket's room. DATA that the credit
    /// allows but the room does not waits here (still unsent for its socket), and goes out,
    /// a packet per stream in turn, once the host gives room again. So one WebSocket shared by
    /// many streams holds a bounded amount, and a busy stream does not starve the others.
    /// Control packets (CONNECT, CLOSE) never wait for room.
    pub fn set_room(&mut self, bytes: usize) {
        self.room = bytes;
        let mut ids: Vec<u32> = self
            .streams
            .iter()
            .filter(|(_, s)| !s.pending.is_empty())
            .map(|(id, _)| *id)
            .collect();
        sort_ids(&mut ids);
        loop {
            let mut moved = false;
            for &id in &ids {
                if self.room == 0 {
                    return;
                }
                moved |= self.flush_some(id, 1);
            }
            if !moved {
                return;
            }
        }
    }

    /// Whether DATA waits for room that its credit already allows (the host then looks at its
    /// WebSocket again later).
    pub fn wants_room(&self) -> bool {
        self.room == 0
            && self.streams.values().any(|s| {
                s.state != StreamState::Waiting
                    && !s.pending.is_empty()
                    && (s.kind == StreamType::Udp || s.credit > 0)
            })
    }

    /// Every payload the client still holds for a stream (waiting for credit or room, or
    /// queued to send), in order: a host that holds them by reference swaps one for a copy of
    /// its own (a view a socket lent for one call only, src/transport/wisp/out.rs).
    pub fn held_mut(&mut self, stream: u32) -> impl Iterator<Item = &mut P> {
        let waiting = self
            .streams
            .get_mut(&stream)
            .into_iter()
            .flat_map(|s| s.pending.iter_mut());
        let queued = self.transmit.iter_mut().filter_map(move |t| match t {
            Transmit::Data { header, payload }
                if u32::from_le_bytes([header[1], header[2], header[3], header[4]]) == stream =>
            {
                Some(payload)
            }
            _ => None,
        });
        queued.chain(waiting)
    }

    /// Whether packets or events wait to be drained.
    pub fn has_output(&self) -> bool {
        !self.transmit.is_empty() || !self.events.is_empty()
    }

    /// The next packet to send, one WebSocket binary message.
    pub fn poll_transmit(&mut self) -> Option<Transmit<P>> {
        self.transmit.pop_front()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    fn new_stream_id(&mut self) -> u32 {
        loop {
            let id = self.next_stream;
            self.next_stream = self.next_stream.wrapping_add(1).max(1);
            if !self.streams.contains_key(&id) {
                return id;
            }
        }
    }

    fn push(&mut self, packet: &Packet) {
        self.transmit.push_back(Transmit::Packet(packet.encode()));
    }

    fn malformed(&mut self, error: PacketError) -> Option<u32> {
        self.protocol_error(
            "the Wisp server sent a malformed packet: ".to_string() + &error.message(),
        );
        None
    }

    fn protocol_error(&mut self, detail: String) {
        self.fail(ErrorCode::ProxyProtocol, detail);
    }

    /// Every stream ends with `error`; the connection is failed for good.
    fn fail(&mut self, error: ErrorCode, detail: String) {
        if self.is_failed() {
            return;
        }
        let mut ids: Vec<u32> = self.streams.keys().copied().collect();
        sort_ids(&mut ids);
        for stream in ids {
            self.end(stream, Some(error), detail.clone());
        }
        self.phase = Phase::Failed {
            error,
            detail: detail.clone(),
        };
        self.events.push_back(Event::Failed { error, detail });
    }

    fn end(&mut self, stream: u32, error: Option<ErrorCode>, detail: String) {
        if self.streams.remove(&stream).is_some() {
            self.events.push_back(Event::Closed {
                stream,
                error,
                detail,
            });
        }
    }

    fn on_packet(&mut self, packet: Packet) -> Option<u32> {
        match packet {
            Packet::Info { stream: 0, .. } if self.phase == Phase::Hello => self.on_info(packet),
            Packet::Continue { stream: 0, credit } => match self.phase {
                Phase::Hello => self.ready(1, credit),
                Phase::Accepting => self.ready(2, credit),
                // A later one changes nothing for streams already open.
                _ => self.initial_credit = credit,
            },
            Packet::Close { stream: 0, reason } => {
                let error = error_code(reason).unwrap_or(ErrorCode::ProxyConnectionClosed);
                self.fail(error, describe(reason).to_owned());
            }
            _ if !matches!(self.phase, Phase::Open { .. }) => self.protocol_error(
                [
                    "the Wisp server sent ",
                    packet.kind().name(),
                    " on stream ",
                    &decimal(packet.stream().into()),
                    " before its handshake ended",
                ]
                .concat(),
            ),
            Packet::Continue { stream, credit } => {
                let s = self.streams.get_mut(&stream)?;
                s.credit = credit;
                if s.state == StreamState::Connecting {
                    s.state = StreamState::Open;
                    self.events.push_back(Event::Opened { stream });
                }
                self.flush(stream);
            }
            Packet::Close { stream, reason } => {
                let error = error_code(reason);
                self.end(stream, error, describe(reason).to_owned());
            }
            // A v2 server repeats nothing after the handshake; a late INFO is ignored.
            Packet::Info { .. } => {}
            Packet::Connect { stream, .. } => self.protocol_error(
                [
                    "the Wisp server sent CONNECT (stream ",
                    &decimal(stream.into()),
                    "): servers do not open streams",
                ]
                .concat(),
            ),
            // Routed by header in receive(); a PAUSE is the client's to send, ignored here.
            Packet::Data { .. } | Packet::Pause { .. } => {}
        }
        None
    }

    /// Sends a stream's CONNECT (the handshake is done).
    fn start(&mut self, stream: u32) {
        let (credit, confirms, udp) = (
            self.initial_credit,
            self.server.confirms_open,
            self.server.udp,
        );
        let Some(s) = self.streams.get_mut(&stream) else {
            return;
        };
        if s.kind == StreamType::Udp && !udp {
            return self.end(
                stream,
                Some(ErrorCode::UnsupportedSocketOperation),
                "the Wisp server does not carry UDP".into(),
            );
        }
        let connect = Packet::Connect {
            stream,
            kind: s.kind,
            port: s.port,
            host: std::mem::take(&mut s.host),
        };
        s.credit = credit;
        s.state = if confirms {
            StreamState::Connecting
        } else {
            StreamState::Open
        };
        let opened = s.state == StreamState::Open;
        self.push(&connect);
        if opened {
            self.events.push_back(Event::Opened { stream });
        }
        self.flush(stream);
    }

    /// Sends what the stream's credit allows, then its CLOSE if a graceful close waits for that.
    fn flush(&mut self, stream: u32) {
        self.flush_some(stream, usize::MAX);
    }

    /// [`Client::flush`] of at most `packets` DATA packets; whether any went.
    fn flush_some(&mut self, stream: u32, packets: usize) -> bool {
        let Some(s) = self.streams.get_mut(&stream) else {
            return false;
        };
        // The protocol lets a client send before the confirmation; the credit still applies.
        if s.state == StreamState::Waiting {
            return false;
        }
        let mut sent = 0;
        let mut moved = 0;
        while moved < packets
            && self.room > 0
            && !s.pending.is_empty()
            && (s.kind == StreamType::Udp || s.credit > 0)
        {
            let Some(payload) = s.pending.pop_front() else {
                break;
            };
            if s.kind == StreamType::Tcp {
                s.credit -= 1;
            }
            sent += payload.len();
            moved += 1;
            self.room = self.room.saturating_sub(payload.len());
            let header = Header {
                kind: PacketType::Data,
                stream,
            }
            .encode();
            self.transmit.push_back(Transmit::Data { header, payload });
        }
        let done = s.closing && s.pending.is_empty();
        if sent > 0 {
            self.events.push_back(Event::Sent { stream, len: sent });
        }
        if done {
            self.push(&Packet::Close {
                stream,
                reason: close::VOLUNTARY,
            });
            self.end(stream, None, String::new());
        }
        moved > 0
    }
}

/// A map keyed by our own stream ids, hashed with FNV-1a: std's default SipHash with random
/// keys defends against keys an attacker picks, which these are not, and costs the wasm module
/// ~1.5 KB.
pub(crate) type Map<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;

/// FNV-1a, 64-bit.
pub(crate) struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// Stream ids in ascending order (the streams' turns, starts and ends follow the order they
/// were opened in). A heapsort by hand: `sort_unstable` brings ~4 KB of quicksort into the wasm
/// module for this one use, this a few hundred bytes, and it is O(n log n) all the same.
pub(crate) fn sort_ids(ids: &mut [u32]) {
    fn sift(ids: &mut [u32], mut root: usize, end: usize) {
        loop {
            let mut child = 2 * root + 1;
            if child >= end {
                return;
            }
            if child + 1 < end && ids[child] < ids[child + 1] {
                child += 1;
            }
            if ids[root] >= ids[child] {
                return;
            }
            ids.swap(root, child);
            root = child;
        }
    }
    let n = ids.len();
    for start in (0..n / 2).rev() {
        sift(ids, start, n);
    }
    for end in (1..n).rev() {
        ids.swap(0, end);
        sift(ids, 0, end);
    }
}

// proptest builds natively only (Cargo.toml).
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::sort_ids;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn sort_ids_sorts_as_std(mut ids in proptest::collection::vec(any::<u32>(), 0..200)) {
            let mut expected = ids.clone();
            expected.sort_unstable();
            sort_ids(&mut ids);
            prop_assert_eq!(ids, expected);
        }
    }
}
