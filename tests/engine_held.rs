//! Stream bytes the engine holds by the host's handle (`received_held` / `read_held`,
//! `write_held`): the engine decides what a read takes from lengths and last bytes alone,
//! exactly as it does for bytes it owns. The property tests run one script against both forms
//! and compare every read and every send.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::*;
use kvsocket::engine::recv::decode_text;
use kvsocket::engine::*;
use proptest::prelude::*;

/// Stream bytes arriving in the held form: the chunk's handle is its bytes (a JS host's is
/// the Uint8Array the network gave), and a read's bytes are the parts of chunks it names.
fn receive(e: &mut Engine, id: ConnId, data: &[u8]) -> bool {
    e.received_held(id, Held::new(data.to_vec(), data.len()), data)
}

/// The bytes of a held read.
fn bytes_of(slices: Vec<HeldSlice>) -> Vec<u8> {
    let mut out = Vec::new();
    for s in slices {
        let chunk = s.held.handle::<Vec<u8>>().expect("the chunk's bytes");
        out.extend_from_slice(&chunk[s.start..s.end]);
    }
    out
}

/// A held read's bytes (`None`: the read is of the engine's own bytes).
fn read_held(e: &mut Engine, length: Option<usize>, text: bool) -> Option<Vec<u8>> {
    e.read_held(length, text).map(bytes_of)
}

#[test]
fn kept_bytes_are_counted_and_announced_like_held_ones() {
    let (mut e, id) = connected_engine();
    drain(&mut e);
    assert!(receive(&mut e, id, b"hello "));
    assert!(receive(&mut e, id, b"world"));
    assert_eq!(e.bytes_available(), 11);
    assert_eq!(
        drain_events(&mut e),
        [Event::DataAvailable(6), Event::DataAvailable(11)]
    );
    let n = read_held(&mut e, Some(8), false).unwrap();
    assert_eq!(n, b"hello wo");
    let n = read_held(&mut e, None, false).unwrap();
    assert_eq!(n, b"rld");
    assert_eq!(e.bytes_available(), 0);
    assert_eq!(
        read_held(&mut e, None, true),
        Some(vec![]),
        "nothing buffered: an empty read"
    );
}

#[test]
fn a_text_read_keeps_an_incomplete_character_for_the_next_read() {
    let (mut e, id) = connected_engine();
    let euro = "€".as_bytes(); // e2 82 ac
    receive(&mut e, id, b"a");
    receive(&mut e, id, &euro[..1]);
    receive(&mut e, id, &euro[1..2]);
    let n = read_held(&mut e, None, true).unwrap();
    assert_eq!(decode_text(&n), "a");
    receive(&mut e, id, &euro[2..]);
    let n = read_held(&mut e, None, true).unwrap();
    assert_eq!(decode_text(&n), "€");
    // Binary reads take everything.
    receive(&mut e, id, &euro[..2]);
    assert_eq!(read_held(&mut e, None, false), Some(euro[..2].to_vec()));
}

#[test]
fn kept_bytes_are_refused_where_received_bytes_would_be() {
    let (mut e, id) = connected_engine();
    assert!(!e.received_held(id + 1000, held(3), b"abc"), "a stale id");
    assert!(!e.received_held(id, held(0), b""), "nothing");
    assert_eq!(e.bytes_available(), 0);
    let (mut udp, uid) = connected_udp_engine();
    assert!(
        !udp.received_held(uid, held(3), b"abc"),
        "UDP: datagrams are fed with their bytes"
    );
    let (mut listener, lid) = listening_engine();
    assert!(!listener.received_held(lid, held(3), b"abc"));
    let mut fresh = Engine::new();
    assert!(!fresh.received_held(1, held(3), b"abc"));
    let (mut closing, cid) = closing_engine(b"x");
    assert!(
        !closing.received_held(cid, held(3), b"abc"),
        "Closing: the script is done reading"
    );
    assert_eq!(closing.bytes_available(), 0);
    assert_eq!(drain_events(&mut closing), []);
}

#[test]
fn reads_of_the_engines_own_bytes_are_not_kept_reads() {
    let (mut udp, uid) = connected_udp_engine();
    received(&mut udp, uid, b"dgram");
    assert_eq!(read_held(&mut udp, None, false), None);
    assert_eq!(udp.read_bytes(None), b"dgram");
    let (mut e, id) = connected_engine();
    received(&mut e, id, b"held");
    assert_eq!(read_held(&mut e, None, false), None);
    assert_eq!(e.bytes_available(), 4, "nothing was taken");
}

#[test]
fn reading_kept_bytes_resumes_a_paused_receive() {
    let (mut e, id) = connected_engine();
    e.set_receive_high_water_mark(10.0).unwrap();
    drain(&mut e);
    receive(&mut e, id, &[7; 16]);
    assert_eq!(drain_actions(&mut e), [Action::PauseReading { id }]);
    let n = read_held(&mut e, Some(8), false).unwrap();
    assert_eq!(n.len(), 8);
    assert_eq!(drain_actions(&mut e), [Action::ResumeReading { id }]);
}

#[derive(Debug, Clone)]
enum Step {
    Receive(Vec<u8>),
    ReadBytes(Option<usize>),
    ReadText(Option<usize>),
    PeerClosed,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => prop::collection::vec(utf8_edge_byte(), 1..6).prop_map(Step::Receive),
        2 => prop::option::of(1usize..8).prop_map(Step::ReadBytes),
        2 => prop::option::of(1usize..8).prop_map(Step::ReadText),
        1 => Just(Step::PeerClosed),
    ]
}

proptest! {
    /// The same script against an engine holding the bytes and one counting kept bytes: every
    /// read returns the same bytes or text, every event is the same.
    #[test]
    fn kept_and_held_bytes_read_the_same(steps in prop::collection::vec(step(), 1..40)) {
        let (mut held, hid) = connected_engine();
        let (mut kept, kid) = connected_engine();
        for step in steps {
            match step {
                Step::Receive(data) => {
                    held.handle(Input::Received { id: hid, data: data.clone(), from: None });
                    let taken = receive(&mut kept, kid, &data);
                    prop_assert_eq!(taken, held.status() == Status::Connected);
                }
                Step::ReadBytes(len) => {
                    let n = read_held(&mut kept, len, false).unwrap();
                    prop_assert_eq!(n, held.read_bytes(len));
                }
                Step::ReadText(len) => {
                    let n = read_held(&mut kept, len, true).unwrap();
                    prop_assert_eq!(decode_text(&n), held.read_text(len));
                }
                Step::PeerClosed => {
                    held.handle(Input::PeerClosed { id: hid });
                    kept.handle(Input::PeerClosed { id: kid });
                }
            }
            prop_assert_eq!(drain_events(&mut kept), drain_events(&mut held));
            prop_assert_eq!(kept.bytes_available(), held.bytes_available());
        }
    }
}

#[test]
fn kept_writes_are_sent_in_place_and_counted_until_sent() {
    let (mut e, id) = connecting_engine();
    assert_eq!(e.write_held(held(4)), 4, "queued while connecting");
    assert_eq!(e.write(b"ab".to_vec()), 2);
    assert_eq!(e.write_held(held(0)), 0);
    drain(&mut e);
    connected(&mut e, id);
    let actions = drain_actions(&mut e);
    assert_eq!(held_sends(&actions[..1]), [(id, 4)]);
    assert_eq!(
        actions[1..],
        [Action::Send {
            id,
            data: b"ab".to_vec(),
            to: None
        }]
    );
    assert_eq!(e.buffered_amount(), 6);
    e.handle(Input::Sent { id, len: 6 });
    assert_eq!(e.buffered_amount(), 0);
}

#[test]
fn kept_writes_follow_the_send_rules() {
    let (mut e, id) = connected_engine();
    e.set_high_water_mark(10.0).unwrap();
    drain(&mut e);
    assert_eq!(e.write_held(held(16)), 16);
    assert_eq!(held_sends(&drain_actions(&mut e)), [(id, 16)]);
    e.handle(Input::Sent { id, len: 16 });
    assert_eq!(drain_events(&mut e), [Event::Drain]);
    // close() waits for kept bytes too.
    e.write_held(held(3));
    e.close();
    assert_eq!(e.status(), Status::Closing);
    e.handle(Input::Sent { id, len: 3 });
    assert_eq!(e.status(), Status::Unconnected);

    let mut fresh = Engine::new();
    assert_eq!(fresh.write_held(held(3)), 0);
    assert!(!fresh.last_error().is_empty(), "says why, as write does");
    let (mut udp, _) = connected_udp_engine();
    assert_eq!(
        udp.write_held(held(3)),
        0,
        "datagrams are written with their bytes"
    );
}

#[test]
fn held_writes_of_a_connection_that_ended_are_dropped_with_it() {
    let (mut e, id) = connecting_engine();
    e.write_held(held(5));
    e.handle(Input::Failed {
        id,
        error: "ECONNREFUSED".into(),
    });
    drain(&mut e);
    assert!(e.connect(Some("127.0.0.1"), &port(6667), 0).is_ok());
    let next = e.current_id().unwrap();
    e.handle(Input::Connected {
        id: next,
        local: addr(LOCAL),
        remote: addr(REMOTE),
    });
    drain(&mut e);
    e.write_held(held(2));
    assert_eq!(held_sends(&drain_actions(&mut e)), [(next, 2)]);
}

#[test]
fn a_queued_held_write_can_be_replaced_until_it_is_sent() {
    let (mut e, id) = connecting_engine();
    let lent = held(3);
    e.write_held(lent.clone());
    let copy = held(3);
    e.replace_held(&lent, || copy.clone());
    connected(&mut e, id);
    let actions = drain_actions(&mut e);
    assert!(
        actions.contains(&Action::SendHeld { id, data: copy }),
        "the copy goes in the lent view's place"
    );
    e.replace_held(&lent, || unreachable!("sent: nothing to replace"));
}

#[derive(Debug, Clone)]
enum WriteStep {
    Write(usize),
    Sent(usize),
    Close,
    Fail,
    Reconnect,
}

fn write_step() -> impl Strategy<Value = WriteStep> {
    prop_oneof![
        4 => (1usize..2000).prop_map(WriteStep::Write),
        3 => (1usize..3000).prop_map(WriteStep::Sent),
        1 => Just(WriteStep::Close),
        1 => Just(WriteStep::Fail),
        1 => Just(WriteStep::Reconnect),
    ]
}

/// The lengths of the sends among `actions`, and whether each was of held bytes.
fn sends(actions: &[Action]) -> Vec<(usize, bool)> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Send { data, .. } => Some((data.len(), false)),
            Action::SendHeld { data, .. } => Some((data.len(), true)),
            _ => None,
        })
        .collect()
}

proptest! {
    /// The same writes as bytes and as held bytes: the same results, events, buffered amounts
    /// and sends of the same lengths, every held write sent as held.
    #[test]
    fn kept_and_held_writes_behave_the_same(steps in prop::collection::vec(write_step(), 1..40)) {
        let (mut held, mut hid) = connected_engine();
        let (mut kept, mut kid) = connected_engine();
        drain(&mut held);
        drain(&mut kept);
        for step in steps {
            match step {
                WriteStep::Write(n) => {
                    let a = held.write(vec![7; n]);
                    let b = kept.write_held(common::held(n));
                    prop_assert_eq!(a, b);
                    prop_assert_eq!(kept.last_error(), held.last_error());
                }
                WriteStep::Sent(n) => {
                    held.handle(Input::Sent { id: hid, len: n });
                    kept.handle(Input::Sent { id: kid, len: n });
                }
                WriteStep::Close => {
                    held.close();
                    kept.close();
                }
                WriteStep::Fail => {
                    held.handle(Input::Failed { id: hid, error: "ECONNRESET".into() });
                    kept.handle(Input::Failed { id: kid, error: "ECONNRESET".into() });
                }
                WriteStep::Reconnect => {
                    for (e, id) in [(&mut held, &mut hid), (&mut kept, &mut kid)] {
                        if e.connect(Some("127.0.0.1"), &port(6667), 0).is_ok() {
                            *id = e.current_id().unwrap();
                            e.handle(Input::Connected { id: *id, local: addr(LOCAL), remote: addr(REMOTE) });
                        }
                    }
                }
            }
            prop_assert_eq!(drain_events(&mut kept), drain_events(&mut held));
            prop_assert_eq!(kept.buffered_amount(), held.buffered_amount());
            prop_assert_eq!(kept.status(), held.status());
            let (h, k) = (sends(&drain_actions(&mut held)), sends(&drain_actions(&mut kept)));
            prop_assert_eq!(
                h.iter().map(|s| s.0).collect::<Vec<_>>(),
                k.iter().map(|s| s.0).collect::<Vec<_>>()
            );
            prop_assert!(k.iter().all(|s| s.1), "held writes are sent as SendHeld");
        }
    }
}
