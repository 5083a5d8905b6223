//! The engine driven by libFuzzer: arbitrary commands, host inputs (for the current transport,
//! an earlier one, or any id) and times. After every step the promises of docs/spec.md that hold for
//! any script and any host are checked (a failed check panics, which libFuzzer reports):
//!  - no panic inside the engine;
//!  - only the legal status changes (engine::state::is_legal_transition), and status() is the
//!    last one told;
//!  - `disconnected` at most once per connection, never after destroy(); after destroy()
//!    nothing at all; `connectFailed` only for an attempt under way;
//!  - TCP: bytes read = bytes received, in order, and bytes arriving while Closing discarded
//!    (no dataAvailable); bytes handed to the host (Send) = bytes written, in order, with Blob
//!    reservations in their place, all of them before a clean end of Closing;
//!  - bufferedAmount() = written − reported sent; a drain only after the mark was exceeded,
//!    below it, while the socket takes writes; over the receive mark the host is paused.
//!
//! The host is honest about one thing only: it never reports more bytes sent than it was handed.
#![no_main]

use std::collections::{HashSet, VecDeque};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use arbitrary::Arbitrary;
use kvsocket::engine::recv::{decode_hex, decode_text};
use kvsocket::engine::state::is_legal_transition;
use kvsocket::engine::*;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Which {
    Current,
    Previous,
    Any(u32),
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum HostError {
    Refused,
    Reset,
    Pipe,
    TimedOut,
    NotFound,
    TooLarge,
    InUse,
    Unknown,
}

impl HostError {
    fn name(self) -> &'static str {
        match self {
            HostError::Refused => "ECONNREFUSED",
            HostError::Reset => "ECONNRESET",
            HostError::Pipe => "EPIPE",
            HostError::TimedOut => "ETIMEDOUT",
            HostError::NotFound => "ENOTFOUND",
            HostError::TooLarge => "EMSGSIZE",
            HostError::InUse => "EADDRINUSE",
            HostError::Unknown => "something else",
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Step {
    // what a script does
    ConnectIp(u16),
    ConnectName(u16, bool),
    Listen(u16),
    SetUdp(bool),
    Write(Vec<u8>),
    Reserve(u16),
    Fill(u8, Vec<u8>),
    ReadBytes(Option<u16>),
    ReadHex(Option<u16>),
    ReadText(Option<u16>),
    Close,
    End,
    Destroy,
    SendMark(u32),
    ReceiveMark(u32),
    ConnectTimeout(u32),
    // what a host reports
    Resolved(Which, Vec<bool>),
    Connected(Which),
    ConnectFailed(Which, HostError),
    Received(Which, Vec<u8>, bool),
    ReceivedKept(Which, Vec<u8>),
    ReadKept(Option<u16>, bool),
    Sent(Which, u32),
    PeerClosed(Which),
    Closed(Which),
    Failed(Which, HostError),
    Listening(Which),
    ListenFailed(Which, HostError),
    Incoming(Which),
    // the clock
    Time(u16),
}

enum Chunk {
    Ready(Vec<u8>),
    Reserved { slot: u32, len: usize },
}

/// What the engine must be consistent with, kept from what the script and host did.
#[derive(Default)]
struct Model {
    destroyed: bool,
    now: u64,
    ids: Vec<ConnId>,
    disconnected: HashSet<ConnId>,
    // receive side (TCP stream)
    unread: VecDeque<u8>,
    datagrams: bool,
    /// Whether the host keeps this connection's stream bytes (`received_held`): a host keeps
    /// all of a connection's stream bytes or none, so the first arrival decides.
    kept: Option<bool>,
    paused: Option<ConnId>,
    receive_mark: usize,
    // send side (TCP)
    written: Vec<Chunk>,
    handed: Vec<u8>,
    reported: usize,
    buffered: usize,
    over_mark: bool,
    send_mark: usize,
    output_ended: bool,
}

impl Model {
    /// Every byte the host may send now: the ready chunks before the first reservation.
    fn sendable(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for chunk in &self.written {
            match chunk {
                Chunk::Ready(data) => out.extend_from_slice(data),
                Chunk::Reserved { .. } => break,
            }
        }
        out
    }

    /// A new connection or listener: fresh buffers (docs/spec.md: connect and listen start empty).
    fn reset_buffers(&mut self) {
        self.unread.clear();
        self.datagrams = false;
        self.kept = None;
        self.paused = None;
        self.drop_output();
    }

    /// Output not handed over is lost when the connection ends.
    fn drop_output(&mut self) {
        self.written.clear();
        self.handed.clear();
        self.reported = 0;
        self.buffered = 0;
        self.over_mark = false;
        self.output_ended = false;
    }

    fn count_written(&mut self, len: usize) {
        self.buffered = self.buffered.saturating_add(len);
        if self.buffered > self.send_mark {
            self.over_mark = true;
        }
    }
}

fn addr(ip: [u8; 4], port: u16) -> SocketAddr {
    SocketAddr::new(IpAddr::V4(Ipv4Addr::from(ip)), port)
}

fn id_of(e: &Engine, m: &Model, which: Which) -> ConnId {
    match which {
        Which::Current => e.current_id().unwrap_or(0),
        Which::Previous => m.ids.iter().rev().nth(1).copied().unwrap_or(0),
        Which::Any(id) => id,
    }
}

fn length(n: Option<u16>) -> Option<usize> {
    n.map(usize::from).filter(|&n| n > 0)
}

fuzz_target!(|steps: Vec<Step>| {
    let mut e = Engine::new();
    let mut m = Model {
        send_mark: 1024 * 1024,
        receive_mark: 4 * 1024 * 1024,
        ..Model::default()
    };
    for step in steps.into_iter().take(200) {
        run(&mut e, &mut m, step);
    }
});

fn run(e: &mut Engine, m: &mut Model, step: Step) {
    let before = e.status();
    let before_id = e.current_id();
    let tcp = e.protocol() == Protocol::Tcp;
    let available = e.bytes_available();
    let mut accepted_data = None;
    match step {
        Step::ConnectIp(port) => {
            if e.connect(Some("127.0.0.1"), &PortArg::from(port), m.now)
                .is_ok()
            {
                m.reset_buffers();
            }
        }
        Step::ConnectName(port, resolves) => {
            e.set_transport_resolves_names(resolves);
            if e.connect(Some("irc.example.org"), &PortArg::from(port), m.now)
                .is_ok()
            {
                m.reset_buffers();
            }
        }
        Step::Listen(port) => {
            if e.listen(&PortArg::from(port), Some("127.0.0.1"), false)
                .is_ok()
            {
                m.reset_buffers();
            }
        }
        Step::SetUdp(udp) => {
            let ok = e.set_protocol(if udp { "udp" } else { "tcp" }).is_ok();
            assert_eq!(ok, before == Status::Unconnected && !m.destroyed);
        }
        Step::Write(data) => {
            let len = data.len();
            let n = e.write(data.clone());
            assert!(n == 0 || n == len, "write is all or nothing: {n} of {len}");
            if n > 0 {
                assert!(!m.destroyed);
                assert!(!m.output_ended, "a write taken after end()");
                m.written.push(Chunk::Ready(data));
                m.count_written(n);
            }
        }
        Step::Reserve(len) => {
            if let Some(slot) = e.reserve(usize::from(len)) {
                m.written.push(Chunk::Reserved {
                    slot,
                    len: usize::from(len),
                });
                m.count_written(usize::from(len));
            }
        }
        Step::Fill(pick, data) => {
            let slots: Vec<(u32, usize)> = m
                .written
                .iter()
                .filter_map(|c| match c {
                    Chunk::Reserved { slot, len } => Some((*slot, *len)),
                    _ => None,
                })
                .collect();
            let (slot, len) = slots
                .get(usize::from(pick) % slots.len().max(1))
                .copied()
                .unwrap_or((u32::from(pick), 0));
            e.fill(slot, data.clone());
            if let Some(at) = m
                .written
                .iter()
                .position(|c| matches!(c, Chunk::Reserved { slot: s, .. } if *s == slot))
            {
                let got = data.len().min(len);
                m.buffered = m.buffered.saturating_sub(len - got);
                if got == 0 {
                    m.written.remove(at);
                } else {
                    m.written[at] = Chunk::Ready(data[..got].to_vec());
                }
            }
        }
        // A host that keeps the stream bytes reads them with read_held only.
        Step::ReadBytes(_) | Step::ReadHex(_) | Step::ReadText(_) if m.kept == Some(true) => {}
        Step::ReadBytes(n) => {
            let out = e.read_bytes(length(n));
            check_read(m, &out, available - e.bytes_available());
        }
        Step::ReadHex(n) => {
            let out = decode_hex(&e.read_hex(length(n))).expect("readHex gives hex");
            check_read(m, &out, available - e.bytes_available());
        }
        Step::ReadText(n) => {
            let text = e.read_text(length(n));
            let taken = available - e.bytes_available();
            if !m.datagrams {
                let bytes: Vec<u8> = m.unread.iter().take(taken).copied().collect();
                assert_eq!(
                    text,
                    decode_text(&bytes),
                    "read() decodes the bytes it took"
                );
                m.unread.drain(..taken);
            }
        }
        Step::Close => e.close(),
        Step::End => {
            if e.end().is_ok() {
                m.output_ended = true;
                m.over_mark = false;
            }
        }
        Step::Destroy => {
            e.destroy();
            m.destroyed = true;
        }
        Step::SendMark(v) => {
            if e.set_high_water_mark(f64::from(v)).is_ok() {
                m.send_mark = v as usize;
            }
        }
        Step::ReceiveMark(v) => {
            if e.set_receive_high_water_mark(f64::from(v)).is_ok() {
                m.receive_mark = v as usize;
            }
        }
        Step::ConnectTimeout(v) => {
            let _ = e.set_connect_timeout(f64::from(v));
        }
        Step::Resolved(which, addrs) => {
            let id = id_of(e, m, which);
            let addrs = addrs
                .iter()
                .map(|&v6| {
                    if v6 {
                        IpAddr::from([0, 0, 0, 0, 0, 0, 0, 1u16])
                    } else {
                        IpAddr::from([127, 0, 0, 1])
                    }
                })
                .collect();
            e.handle(Input::Resolved { id, addrs });
        }
        Step::Connected(which) => {
            let id = id_of(e, m, which);
            e.handle(Input::Connected {
                id,
                local: addr([127, 0, 0, 1], 50000),
                remote: addr([127, 0, 0, 1], 6667),
            });
        }
        Step::ConnectFailed(which, err) => {
            let id = id_of(e, m, which);
            e.handle(Input::Failed {
                id,
                error: err.name().into(),
            });
        }
        Step::Received(..) | Step::ReceivedKept(..)
            if m.kept == Some(matches!(step, Step::Received(..))) && tcp =>
        {
            // the other way of feeding stream bytes than this connection's host uses
        }
        Step::ReceivedKept(which, data) => {
            let id = id_of(e, m, which);
            let tail = &data[data.len().saturating_sub(3)..];
            let held = kvsocket::engine::Held::new(data.clone(), data.len());
            let took = e.received_held(id, held, tail);
            assert_eq!(
                took,
                e.bytes_available() > available,
                "received_held says what it took"
            );
            if took {
                m.kept = Some(true);
            }
            accepted_data = Some((id, data));
        }
        Step::ReadKept(n, text) => {
            if let Some(slices) = e.read_held(length(n), text) {
                let mut bytes = Vec::new();
                for s in &slices {
                    let chunk = s.held.handle::<Vec<u8>>().expect("a chunk's bytes");
                    bytes.extend_from_slice(&chunk[s.start..s.end]);
                }
                let taken = bytes.len();
                assert_eq!(
                    taken,
                    available - e.bytes_available(),
                    "a held read takes what it says"
                );
                if !m.datagrams {
                    assert!(
                        m.unread.iter().take(taken).eq(bytes.iter()),
                        "a held read gives the bytes in the order they came"
                    );
                }
                assert!(
                    m.kept != Some(false) || available == 0,
                    "a kept read of the engine's own bytes"
                );
                if !m.datagrams {
                    m.unread.drain(..taken);
                }
            }
        }
        Step::Received(which, data, with_sender) => {
            let id = id_of(e, m, which);
            let from = with_sender.then(|| addr([192, 0, 2, 50], 4000));
            e.handle(Input::Received {
                id,
                data: data.clone(),
                from,
            });
            accepted_data = Some((id, data));
        }
        Step::Sent(which, n) => {
            let id = id_of(e, m, which);
            // An honest host reports at most what it was handed and not yet reported.
            let n = n as usize;
            let n = if before_id == Some(id) && tcp {
                n.min(m.handed.len() - m.reported)
            } else {
                n
            };
            e.handle(Input::Sent { id, len: n });
            if before_id == Some(id) && !m.destroyed {
                m.buffered = m.buffered.saturating_sub(n);
                if tcp {
                    m.reported += n;
                }
            }
        }
        Step::PeerClosed(which) => {
            let id = id_of(e, m, which);
            e.handle(Input::PeerClosed { id });
        }
        Step::Closed(which) => {
            let id = id_of(e, m, which);
            e.handle(Input::Closed { id });
        }
        Step::Failed(which, err) => {
            let id = id_of(e, m, which);
            e.handle(Input::Failed {
                id,
                error: err.name().into(),
            });
        }
        Step::Listening(which) => {
            let id = id_of(e, m, which);
            e.handle(Input::Listening {
                id,
                local: addr([127, 0, 0, 1], 7000),
            });
        }
        Step::ListenFailed(which, err) => {
            let id = id_of(e, m, which);
            e.handle(Input::Failed {
                id,
                error: err.name().into(),
            });
        }
        Step::Incoming(which) => {
            let id = id_of(e, m, which);
            let child =
                e.handle_incoming(id, addr([127, 0, 0, 1], 7000), addr([127, 0, 0, 1], 50001));
            let listening = before == Status::Listening && before_id == Some(id) && !m.destroyed;
            assert_eq!(
                child.is_some(),
                listening,
                "a connection only for the listener"
            );
            if let Some(child) = child {
                assert_eq!(child.status(), Status::Connected);
            }
        }
        Step::Time(ms) => {
            m.now += u64::from(ms);
            e.handle_timeout(m.now);
        }
    }
    check(e, m, before, before_id, tcp, available, accepted_data);
}

fn check_read(m: &mut Model, out: &[u8], taken: usize) {
    if m.datagrams {
        // A datagram read takes the whole datagram; what does not fit is discarded.
        assert!(out.len() <= taken, "a read returns no more than it takes");
        return;
    }
    assert_eq!(out.len(), taken, "a stream read takes what it returns");
    let expected: Vec<u8> = m.unread.drain(..taken.min(m.unread.len())).collect();
    assert_eq!(
        out,
        expected.as_slice(),
        "bytes read = bytes received, in order"
    );
}

fn check(
    e: &mut Engine,
    m: &mut Model,
    before: Status,
    before_id: Option<ConnId>,
    tcp: bool,
    available: usize,
    received: Option<(ConnId, Vec<u8>)>,
) {
    let events: Vec<Event> = std::iter::from_fn(|| e.poll_event()).collect();
    let actions: Vec<Action> = std::iter::from_fn(|| e.poll_action()).collect();
    let after = e.status();

    if m.destroyed {
        assert!(events.is_empty(), "events after destroy(): {events:?}");
        assert_eq!(after, Status::Unconnected);
        assert!(
            actions.iter().all(|a| matches!(a, Action::Abort { .. })),
            "after destroy() only the abort of what was open: {actions:?}"
        );
        assert_eq!(e.poll_timeout(), None);
        assert_eq!(e.bytes_available(), 0);
        assert!(!e.drain_due());
        return;
    }

    // ----- status changes -----
    let mut status = before;
    for ev in &events {
        match ev {
            Event::StateChanged(to) => {
                assert!(
                    is_legal_transition(status, *to),
                    "illegal transition {status:?} -> {to:?}"
                );
                status = *to;
            }
            Event::Disconnected(error) => {
                let conn = before_id.expect("a disconnect ends a connection");
                assert!(
                    matches!(before, Status::Connected | Status::Closing),
                    "disconnected from {before:?}"
                );
                assert!(m.disconnected.insert(conn), "disconnected twice for {conn}");
                if before == Status::Closing && error.is_empty() && tcp {
                    assert!(
                        m.written.iter().all(|c| matches!(c, Chunk::Ready(_))),
                        "a clean end of Closing with a reservation unfilled"
                    );
                    assert_eq!(m.handed, m.sendable(), "every byte written was handed over");
                }
            }
            Event::ConnectFailed { .. } => {
                assert!(matches!(before, Status::HostLookUp | Status::Connecting));
            }
            Event::DataAvailable(n) => {
                assert!(*n > 0 && *n == e.bytes_available() || after == Status::Unconnected);
                assert_ne!(before, Status::Closing, "dataAvailable while Closing");
            }
            Event::Drain => {
                assert!(m.over_mark, "a drain without the mark exceeded");
                m.over_mark = false;
                assert!(e.buffered_amount() < m.send_mark);
                assert!(
                    matches!(after, Status::Connected | Status::Bound),
                    "a drain in {after:?}"
                );
            }
            _ => {}
        }
    }
    assert_eq!(status, after, "status() is the last status told");

    // ----- receive side -----
    if let Some((id, data)) = received {
        let took = e.bytes_available() > available;
        if took {
            assert!(
                before_id == Some(id),
                "data from another transport was taken"
            );
            assert!(
                matches!(before, Status::Connected | Status::Bound),
                "data taken while {before:?}"
            );
            if tcp {
                assert_eq!(e.bytes_available() - available, data.len());
                m.unread.extend(&data);
                m.kept.get_or_insert(false);
            } else {
                m.datagrams = true;
            }
            if tcp && e.bytes_available() > m.receive_mark {
                let paused = actions
                    .iter()
                    .any(|a| matches!(a, Action::PauseReading { .. }));
                assert!(
                    paused || m.paused.is_some(),
                    "over the receive mark and not paused"
                );
            }
        } else if before == Status::Connected && before_id == Some(id) && tcp {
            assert!(data.is_empty(), "bytes of the connection were lost");
        }
    }
    if !m.datagrams {
        assert_eq!(
            e.bytes_available(),
            m.unread.len(),
            "bytesAvailable() = received − read"
        );
    }

    // ----- actions -----
    for a in &actions {
        if m.ids.last() != Some(&a.id()) {
            m.ids.push(a.id());
        }
        match a {
            Action::Send { id, data, .. } => {
                let sending = |s| matches!(s, Status::Connected | Status::Closing | Status::Bound);
                assert!(
                    (before_id == Some(*id) && sending(before))
                        || (e.current_id() == Some(*id) && sending(after)),
                    "Send on {id} in {after:?}"
                );
                if tcp {
                    m.handed.extend_from_slice(data);
                }
            }
            Action::PauseReading { id } => {
                assert_eq!(m.paused, None, "paused twice");
                m.paused = Some(*id);
            }
            Action::ResumeReading { id } => {
                assert_eq!(m.paused, Some(*id), "resumed without a pause");
                m.paused = None;
            }
            _ => {}
        }
    }
    if !matches!(after, Status::Connected) {
        if after == Status::Closing {
            assert_eq!(m.paused, None, "Closing reads (and discards) what comes");
        }
        m.paused = None;
    }

    // ----- send side -----
    if tcp {
        let sendable = m.sendable();
        assert!(
            sendable.starts_with(&m.handed),
            "bytes handed = bytes written, in order"
        );
        if matches!(after, Status::Connected | Status::Closing) {
            assert_eq!(m.handed, sendable, "all that can be sent was handed over");
        }
    }
    if after == Status::Closing {
        m.over_mark = false;
        assert!(
            e.buffered_amount() > 0,
            "Closing only while output is pending"
        );
    }
    if matches!(after, Status::Unconnected | Status::Listening) && after != before {
        m.drop_output();
    }
    assert_eq!(
        e.buffered_amount(),
        m.buffered,
        "bufferedAmount() = written − sent"
    );
    if let Some(deadline) = e.poll_timeout() {
        assert!(matches!(after, Status::HostLookUp | Status::Connecting));
        assert!(deadline > m.now || after != before);
    }
}
