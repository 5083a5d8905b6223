//! Writes let through to the host (`write_through` / `unsent`): the same rules as `write_held`
//! decide whether a write is taken, and `bufferedAmount`, drains and the flush on close come
//! out the same as for the queued form; the property test at the end runs one script against
//! both forms and compares everything a script can see.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::*;
use kvsocket::engine::*;
use proptest::prelude::*;

#[test]
fn a_write_with_nothing_waiting_goes_through_and_only_what_the_host_holds_is_buffered() {
    let (mut e, id) = connected_engine();
    assert_eq!(through(&mut e, 4, 1), Through::Now(id));
    assert_eq!(
        drain_actions(&mut e),
        [],
        "no action: the host sends it itself"
    );
    assert_eq!(drain_events(&mut e), []);
    assert_eq!(e.buffered_amount(), 0, "handed over at once");
    assert_eq!(through(&mut e, 5, 1), Through::Now(id));
    e.unsent(id, 3);
    assert_eq!(e.buffered_amount(), 3, "what the transport still holds");
    e.handle(Input::Sent { id, len: 3 });
    assert_eq!(
        through(&mut e, 2, 1),
        Through::Now(id),
        "all out: through again"
    );
    assert_eq!(e.buffered_amount(), 0);
    assert_eq!(
        drain_events(&mut e),
        [],
        "no drain: the mark was never crossed"
    );
}

#[test]
fn a_write_waits_behind_what_was_written_before_it() {
    // While connecting: queued, sent in its place once connected.
    let (mut e, id) = connecting_engine();
    assert_eq!(through(&mut e, 4, 1), Through::Queued);
    e.handle(Input::Connected {
        id,
        local: addr(LOCAL),
        remote: addr(REMOTE),
    });
    let actions = drain_actions(&mut e);
    assert_eq!(held_sends(&actions), [(id, 4)]);
    assert_eq!(e.buffered_amount(), 4);

    // Behind a reservation (a Blob being read), and behind what queued behind it.
    let (mut e, id) = connected_engine();
    let slot = e.reserve(2).unwrap();
    assert_eq!(through(&mut e, 3, 1), Through::Queued);
    drain(&mut e);
    e.fill(slot, b"ab".to_vec());
    let actions = drain_actions(&mut e);
    assert_eq!(
        actions[0],
        Action::Send {
            id,
            data: b"ab".to_vec(),
            to: None
        }
    );
    assert_eq!(held_sends(&actions[1..]), [(id, 3)]);
    assert_eq!(actions.len(), 2);

    // Behind an action the host has not taken yet.
    let (mut e, id) = connected_engine();
    assert_eq!(e.write_held(held(2)), 2);
    assert_eq!(
        through(&mut e, 3, 1),
        Through::Queued,
        "its SendHeld is still undrained"
    );
    let actions = drain_actions(&mut e);
    assert_eq!(held_sends(&actions), [(id, 2), (id, 3)]);
    assert_eq!(actions.len(), 2);
    e.handle(Input::Sent { id, len: 5 });
    assert_eq!(
        through(&mut e, 1, 1),
        Through::Now(id),
        "nothing waits any more"
    );
}

#[test]
fn a_write_over_the_mark_is_queued_and_owes_its_drain() {
    let (mut e, id) = connected_engine();
    e.set_high_water_mark(10.0).unwrap();
    drain(&mut e);
    assert_eq!(through(&mut e, 10, 1), Through::Now(id), "up to the mark");
    assert_eq!(through(&mut e, 11, 1), Through::Queued, "over it");
    assert!(e.needs_drain());
    drain(&mut e);
    e.handle(Input::Sent { id, len: 11 });
    assert_eq!(drain_events(&mut e), [Event::Drain]);
    // What the transport holds counts too: later writes queue behind it, and over the mark
    // a drain follows its Sent.
    assert_eq!(through(&mut e, 8, 1), Through::Now(id));
    e.unsent(id, 8);
    assert_eq!(
        through(&mut e, 1, 1),
        Through::Queued,
        "behind what the transport holds"
    );
    assert!(!e.needs_drain());
    assert_eq!(through(&mut e, 8, 1), Through::Queued);
    assert!(e.needs_drain());
    drain(&mut e);
    e.handle(Input::Sent { id, len: 17 });
    assert_eq!(drain_events(&mut e), [Event::Drain]);
    assert_eq!(e.buffered_amount(), 0);
}

#[test]
fn unsent_bytes_are_flushed_by_close() {
    let (mut e, id) = connected_engine();
    assert_eq!(through(&mut e, 6, 1), Through::Now(id));
    e.unsent(id, 6);
    e.close();
    assert_eq!(e.status(), Status::Closing, "waits for the transport");
    assert_eq!(drain_actions(&mut e), [Action::Shutdown { id }]);
    e.handle(Input::Sent { id, len: 6 });
    assert_eq!(e.status(), Status::Unconnected);
    assert_eq!(
        drain_events(&mut e).last(),
        Some(&Event::Disconnected(String::new()))
    );
}

#[test]
fn refused_where_write_held_takes_nothing() {
    let mut fresh = Engine::new();
    assert_eq!(through(&mut fresh, 3, 1), Through::Refused);
    assert!(!fresh.last_error().is_empty(), "says why, as write does");
    let (mut e, id) = connected_engine();
    assert_eq!(through(&mut e, 0, 1), Through::Refused);
    e.end().unwrap();
    assert_eq!(through(&mut e, 3, 1), Through::Refused, "after end()");
    let (mut closing, _) = closing_engine(b"x");
    assert_eq!(through(&mut closing, 3, 1), Through::Refused);
    let (mut udp, _) = connected_udp_engine();
    assert_eq!(
        through(&mut udp, 3, 1),
        Through::Refused,
        "datagrams are written with their bytes"
    );
    let (mut gone, _) = connected_engine();
    gone.destroy();
    assert_eq!(through(&mut gone, 3, 1), Through::Refused);
    assert_eq!(
        drain_actions(&mut e),
        [Action::EndOutput { id }],
        "end()'s own, nothing to send"
    );
}

#[test]
fn unsent_for_another_transport_or_an_ended_connection_changes_nothing() {
    let (mut e, id) = connected_engine();
    e.unsent(id + 1000, 5);
    assert_eq!(e.buffered_amount(), 0);
    e.handle(Input::PeerClosed { id });
    e.unsent(id, 5);
    assert_eq!(e.buffered_amount(), 0);
    assert_eq!(e.status(), Status::Unconnected);
}

/// A transport as a host sees it: bytes handed to it wait until the network takes them.
#[derive(Default)]
struct Transport {
    held: usize,
    /// The length of each write handed over, in order.
    handed: Vec<usize>,
}

impl Transport {
    /// Performs the engine's `SendHeld` actions (the others change nothing here).
    fn perform(&mut self, e: &mut Engine) {
        for (_, len) in held_sends(&drain_actions(e)) {
            self.handed.push(len);
            self.held += len;
        }
    }

    /// The network takes up to `room` held bytes: reported `Sent`.
    fn flush(&mut self, e: &mut Engine, room: usize) {
        let n = room.min(self.held);
        self.held -= n;
        if let (Some(id), true) = (e.current_id(), n > 0) {
            e.handle(Input::Sent { id, len: n });
        }
    }
}

#[derive(Debug, Clone)]
enum Step {
    /// A write of this many bytes; the network then takes up to `room` held bytes at once.
    Write {
        len: usize,
        room: usize,
    },
    /// The network takes up to this many held bytes later.
    Flush(usize),
    Mark(usize),
    Close,
    PeerClosed,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (1usize..40, 0usize..48).prop_map(|(len, room)| Step::Write { len, room }),
        2 => (0usize..48).prop_map(Step::Flush),
        1 => (1usize..64).prop_map(Step::Mark),
        1 => Just(Step::Close),
        1 => Just(Step::PeerClosed),
    ]
}

proptest! {
    /// One script against an engine whose writes are all queued (`write_held`, a host that
    /// performs `SendHeld`) and one whose writes go through when they may: the same writes
    /// reach the transport in the same order, and status, bufferedAmount, needsDrain and every
    /// event agree.
    #[test]
    fn through_and_queued_writes_look_the_same(steps in prop::collection::vec(step(), 1..40)) {
        let (mut q, qid) = connected_engine();
        let (mut w, wid) = connected_engine();
        let (mut qt, mut wt) = (Transport::default(), Transport::default());
        for step in steps {
            match step {
                Step::Write { len, room } => {
                    let taken = q.write_held(held(len));
                    qt.perform(&mut q);
                    qt.flush(&mut q, room);
                    match through(&mut w, len, 1) {
                        Through::Now(id) => {
                            prop_assert_eq!(taken, len);
                            prop_assert_eq!(id, wid);
                            // Handed over within the call; the engine counted it as gone, so
                            // what the transport holds beyond what it held before is unsent
                            // (or, when it took more than this write, earlier bytes were sent).
                            let before = wt.held;
                            wt.handed.push(len);
                            wt.held = before + len - room.min(before + len);
                            if wt.held > before {
                                w.unsent(id, wt.held - before);
                            } else if before > wt.held {
                                w.handle(Input::Sent { id, len: before - wt.held });
                            }
                        }
                        through => {
                            let expected = if taken > 0 { Through::Queued } else { Through::Refused };
                            prop_assert_eq!(through, expected);
                            wt.perform(&mut w);
                            wt.flush(&mut w, room);
                        }
                    }
                }
                Step::Flush(room) => {
                    qt.flush(&mut q, room);
                    wt.flush(&mut w, room);
                }
                Step::Mark(mark) => {
                    q.set_high_water_mark(mark as f64).unwrap();
                    w.set_high_water_mark(mark as f64).unwrap();
                }
                Step::Close => {
                    q.close();
                    w.close();
                    qt.perform(&mut q);
                    wt.perform(&mut w);
                }
                Step::PeerClosed => {
                    q.handle(Input::PeerClosed { id: qid });
                    w.handle(Input::PeerClosed { id: wid });
                }
            }
            prop_assert_eq!(w.status(), q.status());
            prop_assert_eq!(w.buffered_amount(), q.buffered_amount());
            prop_assert_eq!(w.needs_drain(), q.needs_drain());
            prop_assert_eq!(drain_events(&mut w), drain_events(&mut q));
        }
        prop_assert_eq!(wt.handed, qt.handed);
    }
}
