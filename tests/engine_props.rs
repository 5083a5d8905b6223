//! Property tests: random scripts of commands and host inputs (stale ids and random bytes
//! included) against a small model of what docs/spec.md promises.
//!
//! Checked after every step: no panic; every StateChanged is a legal transition, chained from
//! the previous status, ending at `status()`; Connected, ConnectFailed and Disconnected come only
//! with their status changes, and Disconnected at most once per connection; bytes read equal
//! bytes received, in order (TCP, and datagram by datagram for UDP); bytes in Send actions equal
//! bytes written, in order, a reservation (`reserve`/`fill`) keeping its place; `buffered_amount`
//! equals bytes written minus bytes acknowledged, is 0 while Unconnected and positive while
//! Closing; Drain only after the mark was exceeded, and only once buffered output is below it;
//! PauseReading and ResumeReading alternate; an input for an id other than the current one
//! (stale or unknown) changes nothing at all.
#![cfg(not(target_arch = "wasm32"))] // proptest is a native-only dev-dependency

mod common;

use std::collections::{HashSet, VecDeque};
use std::net::IpAddr;

use common::*;
use kvsocket::engine::recv::decode_text;
use kvsocket::engine::state::is_legal_transition;
use kvsocket::engine::*;
use proptest::prelude::*;

/// Which id an input names: the engine's current one, one it used before (stale: the k-th
/// most recent other than the current one), or one it never used.
#[derive(Debug, Clone, Copy)]
enum Id {
    Current,
    Past(usize),
    Unknown(ConnId),
}

#[derive(Debug, Clone)]
enum Step {
    // commands
    ConnectIp,
    ConnectName,
    ConnectBad,
    Listen,
    SetProtocol(&'static str),
    Write(Vec<u8>),
    /// `reserve(len)` (a Blob write whose bytes come later).
    Reserve(usize),
    /// `fill` of the k-th most recent slot (stale ones included) with these bytes.
    Fill(usize, Vec<u8>),
    ReadText(Option<usize>),
    ReadBytes(Option<usize>),
    ReadHex(Option<usize>),
    Close,
    Destroy,
    SetHighWater(u16),
    SetRecvHighWater(u16),
    Advance(u32),
    AdoptIncoming,
    // host inputs
    Resolved(Id, Vec<IpAddr>),
    Connected(Id),
    ConnectFailed(Id, &'static str),
    Received(Id, Vec<u8>, bool),
    Sent(Id, usize),
    PeerClosed(Id),
    Closed(Id),
    Failed(Id, &'static str),
    Listening(Id),
    ListenFailed(Id, &'static str),
    Incoming(Id),
}

const ERRORS: [&str; 6] = [
    "ECONNREFUSED",
    "ECONNRESET",
    "ETIMEDOUT",
    "EADDRINUSE",
    "ENOTFOUND",
    "weird",
];

fn id() -> impl Strategy<Value = Id> {
    prop_oneof![
        6 => Just(Id::Current),
        2 => (0usize..4).prop_map(Id::Past),
        1 => prop_oneof![Just(0), Just(u32::MAX)].prop_map(Id::Unknown),
    ]
}

fn error() -> impl Strategy<Value = &'static str> {
    prop::sample::select(&ERRORS[..])
}

/// A read length as the engine takes it: the bindings turn docs/spec.md's 0, negative and NaN into
/// `None` (`recv::length_arg`), so `Some(0)` here is a read of no bytes.
fn length() -> impl Strategy<Value = Option<usize>> {
    prop::option::of(0usize..24)
}

/// Bytes rich in UTF-8 edge cases: NUL, multibyte leads and continuations, invalid bytes.
fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(utf8_edge_byte(), 0..12)
}

fn addrs() -> impl Strategy<Value = Vec<IpAddr>> {
    prop::collection::vec(
        prop::sample::select(vec![ip("192.0.2.1"), ip("192.0.2.2"), ip("2001:db8::1")]),
        0..3,
    )
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => Just(Step::ConnectIp),
        3 => Just(Step::ConnectName),
        1 => Just(Step::ConnectBad),
        2 => Just(Step::Listen),
        1 => prop::sample::select(vec!["tcp", "udp", "UDP", "bogus"]).prop_map(Step::SetProtocol),
        6 => bytes().prop_map(Step::Write),
        1 => (0usize..12).prop_map(Step::Reserve),
        1 => (0usize..3, bytes()).prop_map(|(k, d)| Step::Fill(k, d)),
        3 => length().prop_map(Step::ReadText),
        3 => length().prop_map(Step::ReadBytes),
        1 => length().prop_map(Step::ReadHex),
        2 => Just(Step::Close),
        1 => Just(Step::Destroy),
        1 => (1u16..32).prop_map(Step::SetHighWater),
        1 => (1u16..32).prop_map(Step::SetRecvHighWater),
        2 => (0u32..40_000).prop_map(Step::Advance),
        1 => Just(Step::AdoptIncoming),
        3 => (id(), addrs()).prop_map(|(i, a)| Step::Resolved(i, a)),
        5 => id().prop_map(Step::Connected),
        2 => (id(), error()).prop_map(|(i, e)| Step::ConnectFailed(i, e)),
        8 => (id(), bytes(), any::<bool>()).prop_map(|(i, d, f)| Step::Received(i, d, f)),
        5 => (id(), 0usize..16).prop_map(|(i, n)| Step::Sent(i, n)),
        2 => id().prop_map(Step::PeerClosed),
        1 => id().prop_map(Step::Closed),
        1 => (id(), error()).prop_map(|(i, e)| Step::Failed(i, e)),
        2 => id().prop_map(Step::Listening),
        1 => (id(), error()).prop_map(|(i, e)| Step::ListenFailed(i, e)),
        2 => id().prop_map(Step::Incoming),
    ]
}

/// Output in write order: bytes, or room reserved for bytes that `fill` supplies later.
#[derive(Debug, Clone)]
enum Chunk {
    Ready(Vec<u8>),
    Reserved(u32),
}

/// What docs/spec.md says the engine must hold, tracked independently of it.
#[derive(Default)]
struct Model {
    now: Millis,
    /// Output `write` and `reserve` accepted since the last connect/listen (TCP).
    written: Vec<Chunk>,
    /// Reservations not yet filled on the current transport: slot and length.
    reserved: Vec<(u32, usize)>,
    /// Every slot `reserve` handed out, newest last.
    slots: Vec<u32>,
    /// Bytes of Send actions per connection id (TCP).
    sent: Vec<(ConnId, Vec<u8>)>,
    /// TCP bytes the engine accepted from Received, and those handed out by reads.
    received: Vec<u8>,
    read: Vec<u8>,
    /// UDP datagrams not yet read.
    datagrams: VecDeque<Vec<u8>>,
    /// Bytes written minus bytes acknowledged.
    buffered: usize,
    send_mark: usize,
    over_mark: bool,
    disconnected: HashSet<ConnId>,
    /// The adopted connection's bytes were not written through this engine.
    adopted: bool,
    /// Every id the engine has named in an action, newest last.
    ids: Vec<ConnId>,
    /// The connection whose reading is paused, if any.
    paused: Option<ConnId>,
}

impl Model {
    /// What may have been sent: the bytes written, up to the first reservation not filled.
    fn sendable(&self) -> Vec<u8> {
        self.written
            .iter()
            .map_while(|c| match c {
                Chunk::Ready(d) => Some(d.as_slice()),
                Chunk::Reserved(_) => None,
            })
            .flatten()
            .copied()
            .collect()
    }

    fn count_buffered(&mut self, n: usize) {
        self.buffered += n;
        if self.buffered > self.send_mark {
            self.over_mark = true;
        }
    }

    fn sent_to(&self, id: ConnId) -> Vec<u8> {
        self.sent
            .iter()
            .filter(|(i, _)| *i == id)
            .flat_map(|(_, d)| d.iter().copied())
            .collect()
    }

    fn reset_connection(&mut self) {
        self.written.clear();
        self.reserved.clear();
        self.received.clear();
        self.read.clear();
        self.datagrams.clear();
        self.buffered = 0;
        self.over_mark = false;
        self.adopted = false;
    }
}

fn resolve(e: &Engine, m: &Model, id: Id) -> ConnId {
    match id {
        Id::Current => e.current_id().unwrap_or(0),
        Id::Past(k) => {
            let current = e.current_id();
            let mut past = m.ids.iter().rev().filter(|id| Some(**id) != current);
            past.nth(k).copied().unwrap_or(0)
        }
        Id::Unknown(n) => n,
    }
}

fn run(steps: Vec<Step>) -> Result<(), TestCaseError> {
    let mut e = Engine::new();
    let mut m = Model {
        send_mark: 1024 * 1024,
        ..Model::default()
    };
    let mut server = Engine::new();
    server.listen(&port(0), Some(""), false).unwrap();
    let server_id = server.current_id().unwrap();

    for step in steps {
        let before = e.status();
        let before_id = e.current_id();
        let tcp = e.protocol() == Protocol::Tcp;
        let avail_before = e.bytes_available();
        let mut destroyed_now = false;
        let mut adopted_now = false;
        let input_id = match &step {
            Step::Resolved(i, _)
            | Step::Connected(i)
            | Step::ConnectFailed(i, _)
            | Step::Received(i, _, _)
            | Step::Sent(i, _)
            | Step::PeerClosed(i)
            | Step::Closed(i)
            | Step::Failed(i, _)
            | Step::Listening(i)
            | Step::ListenFailed(i, _)
            | Step::Incoming(i) => Some(resolve(&e, &m, *i)),
            _ => None,
        };
        let buffered_before = e.buffered_amount();
        let local_before = e.local();

        match step.clone() {
            Step::ConnectIp | Step::ConnectName | Step::ConnectBad => {
                let host = match step {
                    Step::ConnectIp => "127.0.0.1",
                    Step::ConnectName => "irc.example.org",
                    _ => "bad host",
                };
                let r = e.connect(Some(host), &port(6667), m.now);
                prop_assert_eq!(
                    r.is_ok(),
                    before == Status::Unconnected && host != "bad host" && !e.is_destroyed()
                );
                if r.is_ok() {
                    m.reset_connection();
                }
            }
            Step::Listen => {
                let r = e.listen(&port(0), Some(""), false);
                prop_assert_eq!(
                    r.is_ok(),
                    before == Status::Unconnected && !e.is_destroyed()
                );
                if r.is_ok() {
                    m.reset_connection();
                }
            }
            Step::SetProtocol(name) => {
                let r = e.set_protocol(name);
                prop_assert_eq!(
                    r.is_ok(),
                    before == Status::Unconnected && name != "bogus" && !e.is_destroyed()
                );
            }
            Step::Write(data) => {
                let len = data.len();
                let n = e.write(data.clone());
                prop_assert!(n == 0 || n == len, "write is all or nothing");
                let takes = !e.is_destroyed()
                    && match before {
                        Status::HostLookUp | Status::Connecting | Status::Connected => true,
                        Status::Bound => n > 0,
                        _ => false,
                    };
                prop_assert_eq!(n, if takes { len } else { 0 }, "write in {:?}", before);
                if n > 0 {
                    if tcp {
                        m.written.push(Chunk::Ready(data));
                    }
                    m.count_buffered(n);
                }
            }
            Step::Reserve(len) => {
                let slot = e.reserve(len);
                let takes = len > 0
                    && !e.is_destroyed()
                    && match before {
                        Status::HostLookUp | Status::Connecting | Status::Connected => true,
                        // Bound takes one once a datagram was read: as write does.
                        Status::Bound => slot.is_some(),
                        _ => false,
                    };
                prop_assert_eq!(slot.is_some(), takes, "reserve in {:?}", before);
                if let Some(slot) = slot {
                    prop_assert!(!m.slots.contains(&slot), "slots are unique");
                    m.slots.push(slot);
                    m.reserved.push((slot, len));
                    if tcp {
                        m.written.push(Chunk::Reserved(slot));
                    }
                    m.count_buffered(len);
                }
            }
            Step::Fill(k, data) => {
                let slot = m.slots.iter().rev().nth(k).copied().unwrap_or(u32::MAX);
                e.fill(slot, data.clone());
                if let Some(at) = m.reserved.iter().position(|(s, _)| *s == slot) {
                    let (_, len) = m.reserved.remove(at);
                    m.buffered = m.buffered.saturating_sub(len.saturating_sub(data.len()));
                    let chunk = m
                        .written
                        .iter()
                        .position(|c| matches!(c, Chunk::Reserved(s) if *s == slot));
                    if let Some(c) = chunk {
                        let mut data = data;
                        data.truncate(len);
                        if data.is_empty() {
                            m.written.remove(c);
                        } else {
                            m.written[c] = Chunk::Ready(data);
                        }
                    }
                }
            }
            Step::ReadText(len) => {
                let text = e.read_text(len);
                let taken = avail_before - e.bytes_available();
                if m.datagrams.is_empty() {
                    let start = m.read.len();
                    let bytes = m.received[start..start + taken].to_vec();
                    prop_assert_eq!(&text, &decode_text(&bytes));
                    m.read.extend(bytes);
                } else {
                    let mut d = m.datagrams.pop_front().unwrap();
                    d.truncate(len.unwrap_or(usize::MAX));
                    prop_assert_eq!(&text, &decode_text(&d));
                }
            }
            Step::ReadBytes(len) | Step::ReadHex(len) => {
                let got = match step {
                    Step::ReadBytes(_) => e.read_bytes(len),
                    _ => {
                        let hex = e.read_hex(len);
                        prop_assert!(hex
                            .bytes()
                            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
                        kvsocket::engine::recv::decode_hex(&hex).unwrap()
                    }
                };
                if let Some(n) = len {
                    prop_assert!(got.len() <= n);
                }
                if m.datagrams.is_empty() {
                    m.read.extend(&got);
                } else {
                    let mut d = m.datagrams.pop_front().unwrap();
                    d.truncate(len.unwrap_or(usize::MAX));
                    prop_assert_eq!(got, d);
                }
            }
            Step::Close => e.close(),
            Step::Destroy => {
                destroyed_now = !e.is_destroyed();
                e.destroy();
                m.reset_connection();
            }
            Step::SetHighWater(n) => {
                e.set_high_water_mark(f64::from(n)).unwrap();
                m.send_mark = usize::from(n);
            }
            Step::SetRecvHighWater(n) => e.set_receive_high_water_mark(f64::from(n)).unwrap(),
            Step::Advance(ms) => {
                m.now += u64::from(ms);
                let deadline = e.poll_timeout();
                e.handle_timeout(m.now);
                if deadline.is_some_and(|d| m.now < d) {
                    prop_assert_eq!(e.status(), before, "nothing before the deadline");
                }
            }
            Step::AdoptIncoming => {
                let mut child = server
                    .handle_incoming(server_id, addr(LOCAL), addr(REMOTE))
                    .unwrap();
                let r = e.adopt(&mut child);
                prop_assert_eq!(
                    r.is_ok(),
                    before == Status::Unconnected && tcp && !e.is_destroyed()
                );
                if r.is_ok() {
                    m.reset_connection();
                    m.adopted = true;
                    adopted_now = true;
                    prop_assert!(child.is_destroyed());
                }
            }
            Step::Resolved(i, a) => {
                let id = resolve(&e, &m, i);
                e.handle(Input::Resolved { id, addrs: a });
            }
            Step::Connected(i) => {
                let id = resolve(&e, &m, i);
                e.handle(Input::Connected {
                    id,
                    local: addr(LOCAL),
                    remote: addr(REMOTE),
                });
            }
            Step::ConnectFailed(i, err) => {
                let id = resolve(&e, &m, i);
                e.handle(Input::Failed {
                    id,
                    error: err.into(),
                });
            }
            Step::Received(i, data, with_sender) => {
                let id = resolve(&e, &m, i);
                let accepted = !e.is_destroyed()
                    && before_id == Some(id)
                    && !data.is_empty()
                    && match before {
                        Status::Connected => true,
                        // Discarded: after close() the script is done reading.
                        Status::Closing => false,
                        Status::Bound => !tcp,
                        _ => false,
                    };
                let from = with_sender.then(|| addr("192.0.2.50:4000"));
                e.handle(Input::Received {
                    id,
                    data: data.clone(),
                    from,
                });
                if accepted {
                    if tcp {
                        m.received.extend(&data);
                    } else {
                        m.datagrams.push_back(data);
                    }
                }
            }
            Step::Sent(i, n) => {
                let id = resolve(&e, &m, i);
                e.handle(Input::Sent { id, len: n });
                if !e.is_destroyed() && before_id == Some(id) {
                    m.buffered = m.buffered.saturating_sub(n);
                }
            }
            Step::PeerClosed(i) => {
                let id = resolve(&e, &m, i);
                e.handle(Input::PeerClosed { id });
            }
            Step::Closed(i) => {
                let id = resolve(&e, &m, i);
                e.handle(Input::Closed { id });
            }
            Step::Failed(i, err) => {
                let id = resolve(&e, &m, i);
                e.handle(Input::Failed {
                    id,
                    error: err.into(),
                });
            }
            Step::Listening(i) => {
                let id = resolve(&e, &m, i);
                e.handle(Input::Listening {
                    id,
                    local: addr("0.0.0.0:4000"),
                });
            }
            Step::ListenFailed(i, err) => {
                let id = resolve(&e, &m, i);
                e.handle(Input::Failed {
                    id,
                    error: err.into(),
                });
            }
            Step::Incoming(i) => {
                let id = resolve(&e, &m, i);
                let child = e.handle_incoming(id, addr(LOCAL), addr(REMOTE));
                let expected =
                    !e.is_destroyed() && before == Status::Listening && before_id == Some(id);
                prop_assert_eq!(child.is_some(), expected);
                if let Some(c) = child {
                    prop_assert_eq!(c.status(), Status::Connected);
                }
            }
        }

        // ----- events: legal, chained, ending at status() ----------------------------------
        let events = drain_events(&mut e);
        let actions = drain_actions(&mut e);
        let after = e.status();
        if e.is_destroyed() {
            prop_assert!(destroyed_now || events.is_empty(), "no event after destroy");
            prop_assert!(
                events.is_empty(),
                "destroy drops queued events: {:?}",
                events
            );
            prop_assert_eq!(after, Status::Unconnected);
            prop_assert_eq!(e.poll_timeout(), None);
            let aborts_only = actions.iter().all(|a| matches!(a, Action::Abort { .. }));
            prop_assert!(destroyed_now || actions.is_empty());
            prop_assert!(aborts_only);
        }
        if input_id.is_some() && input_id != before_id {
            // A stale input changes nothing at all.
            prop_assert!(events.is_empty(), "stale {:?} made {:?}", step, events);
            prop_assert!(actions.is_empty(), "stale {:?} made {:?}", step, actions);
            prop_assert_eq!(after, before);
            prop_assert_eq!(e.buffered_amount(), buffered_before);
            prop_assert_eq!(e.bytes_available(), avail_before);
            prop_assert_eq!(e.local(), local_before);
        }
        let mut status = before;
        for (k, ev) in events.iter().enumerate() {
            let prev = k.checked_sub(1).map(|p| &events[p]);
            match ev {
                Event::StateChanged(to) => {
                    prop_assert!(
                        is_legal_transition(status, *to),
                        "illegal {:?} -> {:?} after {:?}",
                        status,
                        to,
                        step
                    );
                    status = *to;
                }
                Event::Connected => {
                    prop_assert_eq!(prev, Some(&Event::StateChanged(Status::Connected)));
                }
                Event::HostFound => {
                    prop_assert_eq!(status, Status::HostLookUp);
                    prop_assert_eq!(
                        events.get(k + 1),
                        Some(&Event::StateChanged(Status::Connecting))
                    );
                }
                Event::ConnectFailed { code, .. } => {
                    prop_assert!(matches!(status, Status::HostLookUp | Status::Connecting));
                    let error_follows = matches!(events.get(k + 1), Some(Event::Error { code: c, .. }) if c == code);
                    prop_assert!(error_follows, "Error follows ConnectFailed");
                    prop_assert_eq!(
                        events.get(k + 2),
                        Some(&Event::StateChanged(Status::Unconnected))
                    );
                }
                Event::Disconnected(error) => {
                    prop_assert_eq!(prev, Some(&Event::StateChanged(Status::Unconnected)));
                    if before == Status::Closing && error.is_empty() {
                        prop_assert_eq!(m.buffered, 0, "a clean close flushed everything");
                    }
                    prop_assert!(matches!(before, Status::Connected | Status::Closing));
                    let conn = before_id.unwrap();
                    prop_assert!(
                        m.disconnected.insert(conn),
                        "Disconnected twice for connection {}",
                        conn
                    );
                }
                Event::DataAvailable(n) => {
                    prop_assert!(*n > 0);
                    prop_assert!(*n <= e.bytes_available() || after == Status::Unconnected);
                }
                Event::Drain => {
                    prop_assert!(m.over_mark, "Drain without the mark exceeded");
                    m.over_mark = false;
                    prop_assert!(e.buffered_amount() < m.send_mark);
                }
                Event::Idle => {
                    prop_assert_eq!(status, Status::Connected, "Idle only while Connected");
                }
                Event::Secure => {
                    prop_assert_eq!(status, Status::Connected, "Secure only while Connected");
                }
                Event::IncomingConnection => {
                    prop_assert_eq!(status, Status::Listening);
                }
                Event::Listening { local } => {
                    prop_assert!(matches!(status, Status::Listening | Status::Bound));
                    prop_assert_eq!(Some(*local), e.local());
                }
                // A fatal error ends the connection, the attempt or the bind in the same step
                // (the promise and stream layers take it as the end's failure); any other
                // leaves the status as it was.
                Event::Error { fatal, .. } => {
                    let ends = events[k + 1..].contains(&Event::StateChanged(Status::Unconnected));
                    prop_assert_eq!(
                        *fatal,
                        ends,
                        "fatal iff the status goes to Unconnected after it"
                    );
                    prop_assert!(
                        status != Status::Unconnected,
                        "an error of a socket already over"
                    );
                }
            }
        }
        let changed = events.iter().any(|ev| matches!(ev, Event::StateChanged(_)));
        if changed {
            prop_assert_eq!(status, after, "the last StateChanged is the status");
        } else if !destroyed_now && !adopted_now {
            prop_assert_eq!(before, after, "a status change without StateChanged");
        }

        // ----- actions: Send only on the connection, carrying what was written --------------
        for a in &actions {
            if m.ids.last() != Some(&a.id()) {
                m.ids.push(a.id());
            }
            if let Action::Send { id, data, .. } = a {
                // On the transport of the connection, which may have ended within the step
                // (the last bytes of a Closing socket handed over).
                let sending = |s| matches!(s, Status::Connected | Status::Closing | Status::Bound);
                let on_before = before_id == Some(*id) && sending(before);
                let on_after = e.current_id() == Some(*id) && sending(after);
                prop_assert!(on_before || on_after, "Send on {} in {:?}", id, after);
                if tcp {
                    m.sent.push((*id, data.clone()));
                }
            }
            match a {
                Action::PauseReading { id } => {
                    prop_assert_eq!(m.paused, None, "paused twice");
                    m.paused = Some(*id);
                }
                Action::ResumeReading { id } => {
                    prop_assert_eq!(m.paused, Some(*id), "resumed without a pause");
                    m.paused = None;
                }
                _ => {}
            }
            if matches!(
                a,
                Action::Resolve { .. } | Action::Connect { .. } | Action::Listen { .. }
            ) {
                prop_assert_eq!(Some(a.id()), e.current_id());
            }
        }
        if !matches!(after, Status::Connected | Status::Closing) {
            m.paused = None; // the transport is gone; nothing to resume
        }
        if tcp && !m.adopted && matches!(after, Status::Connected | Status::Closing) {
            let id = e.current_id().unwrap();
            prop_assert_eq!(m.sent_to(id), m.sendable(), "sent == written, in order");
        }

        // ----- buffers ----------------------------------------------------------------------
        if after == Status::Closing {
            m.over_mark = false; // Closing takes no writes: no drain is owed
        }
        if matches!(
            after,
            Status::Unconnected | Status::Listening | Status::HostLookUp | Status::Connecting
        ) && after != before
        {
            // A status change away from a connection drops what was not sent.
            if !matches!(after, Status::HostLookUp | Status::Connecting) {
                m.buffered = 0;
                m.over_mark = false;
                m.reserved.clear();
            }
        }
        prop_assert_eq!(e.buffered_amount(), m.buffered, "buffered after {:?}", step);
        if after == Status::Unconnected {
            prop_assert_eq!(e.buffered_amount(), 0, "nothing buffered while Unconnected");
        }
        if after == Status::Closing {
            prop_assert!(
                e.buffered_amount() > 0,
                "Closing only while output is pending"
            );
        }
        if !m.adopted {
            prop_assert!(
                m.received.starts_with(&m.read),
                "read == received, in order"
            );
            let datagrams: usize = m.datagrams.iter().map(Vec::len).sum();
            prop_assert_eq!(
                e.bytes_available(),
                m.received.len() - m.read.len() + datagrams
            );
        }
        if let Some(deadline) = e.poll_timeout() {
            prop_assert!(matches!(after, Status::HostLookUp | Status::Connecting));
            prop_assert!(deadline > m.now || after != before);
        }
    }
    Ok(())
}

/// Modest case counts keep `cargo test` quick; `PROPTEST_CASES=20000` runs a longer search.
fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(400))]

    #[test]
    fn random_scripts_keep_specs_promises(steps in prop::collection::vec(step(), 1..80)) {
        run(steps)?;
    }
}

/// A script that reaches a connection and talks over it, so that the byte properties are
/// exercised on every case rather than left to chance.
fn connected_script() -> impl Strategy<Value = Vec<Step>> {
    let talk = prop_oneof![
        bytes().prop_map(Step::Write),
        (0usize..12).prop_map(Step::Reserve),
        (0usize..2, bytes()).prop_map(|(k, d)| Step::Fill(k, d)),
        (Just(Id::Current), bytes(), Just(false)).prop_map(|(i, d, f)| Step::Received(i, d, f)),
        length().prop_map(Step::ReadText),
        length().prop_map(Step::ReadBytes),
        length().prop_map(Step::ReadHex),
        (0usize..16).prop_map(|n| Step::Sent(Id::Current, n)),
        (1u16..32).prop_map(Step::SetHighWater),
        (1u16..32).prop_map(Step::SetRecvHighWater),
    ];
    let end = prop_oneof![
        Just(Step::Close),
        Just(Step::PeerClosed(Id::Current)),
        Just(Step::Closed(Id::Current)),
        Just(Step::Failed(Id::Current, "ECONNRESET")),
        Just(Step::Destroy),
    ];
    (
        prop::collection::vec(bytes().prop_map(Step::Write), 0..4),
        prop::collection::vec(talk.clone(), 0..40),
        end,
        prop::collection::vec(talk, 0..10),
    )
        .prop_map(|(early, talk, end, after)| {
            let mut steps = vec![Step::ConnectName];
            steps.extend(early);
            steps.push(Step::Resolved(Id::Current, vec![ip("192.0.2.1")]));
            steps.push(Step::Connected(Id::Current));
            steps.extend(talk);
            steps.push(end);
            steps.extend(after);
            steps
        })
}

proptest! {
    #![proptest_config(config(300))]

    #[test]
    fn a_connection_carries_bytes_in_order_both_ways(steps in connected_script()) {
        run(steps)?;
    }
}
