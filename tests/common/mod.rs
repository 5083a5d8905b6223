//! Shared helpers for the engine's integration tests: drain what an engine queued, the host's
//! usual inputs and the events they cause, and build an engine already in a given status (through
//! the public API only, as a host would).
#![allow(dead_code)]

use std::net::{IpAddr, SocketAddr};

use kvsocket::engine::*;

/// Where the test "host" says our side of a connection is.
pub const LOCAL: &str = "127.0.0.1:50000";
/// Where the test "host" says the peer is.
pub const REMOTE: &str = "127.0.0.1:6667";

/// Parses a socket address literal.
pub fn addr(s: &str) -> SocketAddr {
    s.parse().expect("a socket address literal")
}

/// Parses an IP literal.
pub fn ip(s: &str) -> IpAddr {
    s.parse().expect("an IP literal")
}

/// A port as a script passes a number.
pub fn port(p: u16) -> PortArg {
    PortArg::from(p)
}

/// Every event the engine queued, in order.
pub fn drain_events(e: &mut Engine) -> Vec<Event> {
    std::iter::from_fn(|| e.poll_event()).collect()
}

/// Every action the engine queued, in order.
pub fn drain_actions(e: &mut Engine) -> Vec<Action> {
    std::iter::from_fn(|| e.poll_action()).collect()
}

/// Drains both queues, so the next assertion sees only what the next step caused.
pub fn drain(e: &mut Engine) {
    drain_events(e);
    drain_actions(e);
}

/// The bytes of every `Send` action in `actions`, concatenated.
pub fn sent_bytes(actions: &[Action]) -> Vec<u8> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Send { data, .. } => Some(data.as_slice()),
            _ => None,
        })
        .flatten()
        .copied()
        .collect()
}

/// The event a failure with `code` reports: `Error` with the code's message.
pub fn error(code: ErrorCode) -> Event {
    Event::Error {
        code,
        message: code.message().to_string(),
        fatal: true,
    }
}

/// The events of a connect attempt that fails with `code`, in docs/spec.md's order.
pub fn connect_failed(code: ErrorCode) -> Vec<Event> {
    vec![
        Event::ConnectFailed {
            code,
            reason: code.message().to_string(),
        },
        error(code),
        Event::StateChanged(Status::Unconnected),
    ]
}

/// The host reports that attempt `id` connected, LOCAL ↔ REMOTE.
pub fn connected(e: &mut Engine, id: ConnId) {
    e.handle(Input::Connected {
        id,
        local: addr(LOCAL),
        remote: addr(REMOTE),
    });
}

/// The host reports bytes from the peer of connection `id`.
pub fn received(e: &mut Engine, id: ConnId, data: &[u8]) {
    e.handle(Input::Received {
        id,
        data: data.to_vec(),
        from: None,
    });
}

/// `connect(host, 6667)` at time 0 with `protocol` set first, queues drained; returns the id.
fn started(protocol: &str, host: &str) -> (Engine, ConnId) {
    let mut e = Engine::new();
    e.set_protocol(protocol)
        .expect("a protocol while Unconnected");
    e.connect(Some(host), &port(6667), 0)
        .expect("connect starts");
    let id = e.current_id().expect("a lookup or an attempt has an id");
    drain(&mut e);
    (e, id)
}

/// Status `HostLookUp` after `connect("irc.example.org", 6667)` at time 0; returns the resolve id.
pub fn lookup_engine() -> (Engine, ConnId) {
    started("tcp", "irc.example.org")
}

/// Status `Connecting` after `connect("127.0.0.1", 6667)` at time 0; returns the attempt id.
pub fn connecting_engine() -> (Engine, ConnId) {
    started("tcp", "127.0.0.1")
}

/// Status `Connected` (TCP, LOCAL ↔ REMOTE), queues drained; returns the connection id.
pub fn connected_engine() -> (Engine, ConnId) {
    let (mut e, id) = connecting_engine();
    connected(&mut e, id);
    drain(&mut e);
    assert_eq!(e.status(), Status::Connected);
    (e, id)
}

/// Status `Closing`: connected, `pending` bytes written and not acknowledged, then `close()`.
pub fn closing_engine(pending: &[u8]) -> (Engine, ConnId) {
    assert!(!pending.is_empty(), "Closing needs pending output");
    let (mut e, id) = connected_engine();
    assert_eq!(e.write(pending.to_vec()), pending.len());
    e.close();
    drain(&mut e);
    assert_eq!(e.status(), Status::Closing);
    (e, id)
}

/// Status `Listening` (TCP, 0.0.0.0:0), bound at `0.0.0.0:4000`; returns the server id.
pub fn listening_engine() -> (Engine, ConnId) {
    let mut e = Engine::new();
    e.listen(&port(0), Some(""), false).expect("listen starts");
    let id = e.current_id().expect("a server has an id");
    e.handle(Input::Listening {
        id,
        local: addr("0.0.0.0:4000"),
    });
    drain(&mut e);
    (e, id)
}

/// A UDP socket in status `Bound` at `0.0.0.0:5000`; returns its id.
pub fn bound_udp_engine() -> (Engine, ConnId) {
    let mut e = Engine::new();
    e.set_protocol("udp").expect("udp while Unconnected");
    e.listen(&port(5000), Some(""), false)
        .expect("listen starts");
    let id = e.current_id().expect("a bound socket has an id");
    e.handle(Input::Listening {
        id,
        local: addr("0.0.0.0:5000"),
    });
    drain(&mut e);
    assert_eq!(e.status(), Status::Bound);
    (e, id)
}

/// A UDP socket `Connected` (LOCAL ↔ REMOTE), queues drained; returns its id.
pub fn connected_udp_engine() -> (Engine, ConnId) {
    let (mut e, id) = started("udp", "127.0.0.1");
    connected(&mut e, id);
    drain(&mut e);
    assert_eq!(e.status(), Status::Connected);
    (e, id)
}

/// A TCP engine in `status`, queues drained (Bound is UDP, as only UDP can be Bound).
pub fn engine_in(status: Status) -> Engine {
    let e = match status {
        Status::Unconnected => Engine::new(),
        Status::HostLookUp => lookup_engine().0,
        Status::Connecting => connecting_engine().0,
        Status::Connected => connected_engine().0,
        Status::Bound => bound_udp_engine().0,
        Status::Closing => closing_engine(b"pending").0,
        Status::Listening => listening_engine().0,
    };
    assert_eq!(e.status(), status);
    e
}

/// A chunk of `len` bytes a host holds (its handle is its length: the engine never looks).
pub fn held(len: usize) -> Held {
    Held::new(len, len)
}

/// `write_through` of `len` bytes, held by the host when they are queued.
pub fn through(e: &mut Engine, len: usize, turn: Turn) -> Through {
    e.write_through(len, turn, || Chunk::Held(held(len)))
}

/// The engine's `SendHeld` actions among `actions`, as (id, length).
pub fn held_sends(actions: &[Action]) -> Vec<(ConnId, usize)> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::SendHeld { id, data } => Some((*id, data.len())),
            _ => None,
        })
        .collect()
}

/// A byte rich in UTF-8 edge cases, for property tests of reads and text: NUL, ASCII, multi-byte
/// leads and continuations, bytes that are never UTF-8, and any byte.
#[cfg(not(target_arch = "wasm32"))] // proptest does not build for wasm32 (Cargo.toml)
pub fn utf8_edge_byte() -> impl proptest::strategy::Strategy<Value = u8> {
    use proptest::prelude::*;
    prop_oneof![
        Just(0u8),
        Just(b'a'),
        Just(0xe2),
        Just(0x82),
        Just(0xac),
        Just(0xf0),
        Just(0x9f),
        Just(0xff),
        any::<u8>(),
    ]
}
