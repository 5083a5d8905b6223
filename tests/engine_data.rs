//! docs/spec.md's `write` and `read`: queueing while connecting, the statuses that take no writes,
//! the length rule, text decoding, bytes kept after the peer's close, and both high-water marks.

mod common;

use common::*;
use kvsocket::engine::*;

const MIB: usize = 1024 * 1024;

// ----- write -----------------------------------------------------------------------------------

#[test]
fn given_connected_when_write_then_one_send_action_with_those_bytes() {
    let (mut e, id) = connected_engine();
    assert_eq!(e.write(b"PRIVMSG #a :hi\r\n".to_vec()), 16);
    assert_eq!(
        drain_actions(&mut e),
        [Action::Send {
            id,
            data: b"PRIVMSG #a :hi\r\n".to_vec(),
            to: None
        }]
    );
    assert_eq!(e.buffered_amount(), 16, "counted until the host says Sent");
    e.handle(Input::Sent { id, len: 16 });
    assert_eq!(e.buffered_amount(), 0);
    assert_eq!(drain_events(&mut e), []);
}

#[test]
fn given_connecting_when_write_then_queued_and_sent_in_order_once_connected() {
    let (mut e, id) = connecting_engine();
    assert_eq!(e.write(b"NICK a\r\n".to_vec()), 8);
    assert_eq!(e.write(b"USER a 0 * :a\r\n".to_vec()), 15);
    assert_eq!(
        drain_actions(&mut e),
        [],
        "nothing is sent while connecting"
    );
    assert_eq!(e.buffered_amount(), 23);
    connected(&mut e, id);
    assert_eq!(e.write(b"JOIN #a\r\n".to_vec()), 9);
    assert_eq!(
        drain_actions(&mut e),
        [
            Action::Send {
                id,
                data: b"NICK a\r\n".to_vec(),
                to: None
            },
            Action::Send {
                id,
                data: b"USER a 0 * :a\r\n".to_vec(),
                to: None
            },
            Action::Send {
                id,
                data: b"JOIN #a\r\n".to_vec(),
                to: None
            },
        ]
    );
    assert_eq!(e.buffered_amount(), 32);
}

#[test]
fn given_host_lookup_when_write_then_sent_on_the_attempt_that_connects() {
    let (mut e, resolve_id) = lookup_engine();
    assert_eq!(e.write(b"hello".to_vec()), 5);
    e.handle(Input::Resolved {
        id: resolve_id,
        addrs: vec![ip("192.0.2.1"), ip("192.0.2.2")],
    });
    let first = e.current_id().unwrap();
    e.handle(Input::Failed {
        id: first,
        error: "ECONNREFUSED".into(),
    });
    let second = e.current_id().unwrap();
    drain_actions(&mut e);
    e.handle(Input::Connected {
        id: second,
        local: addr(LOCAL),
        remote: addr("192.0.2.2:6667"),
    });
    assert_eq!(
        drain_actions(&mut e),
        [Action::Send {
            id: second,
            data: b"hello".to_vec(),
            to: None
        }]
    );
}

#[test]
fn writes_queued_while_connecting_are_dropped_when_the_attempt_fails() {
    let (mut e, id) = connecting_engine();
    e.write(b"lost".to_vec());
    e.handle(Input::Failed {
        id,
        error: "ECONNREFUSED".into(),
    });
    assert_eq!(e.buffered_amount(), 0);
    e.connect(Some("127.0.0.1"), &port(6667), 0).unwrap();
    let id = e.current_id().unwrap();
    connected(&mut e, id);
    assert_eq!(sent_bytes(&drain_actions(&mut e)), b"");
}

#[test]
fn write_returns_0_and_queues_nothing_while_unconnected_listening_or_closing() {
    for status in [Status::Unconnected, Status::Listening, Status::Closing] {
        let mut e = engine_in(status);
        let before = e.buffered_amount();
        assert_eq!(e.write(b"data".to_vec()), 0, "{status:?}");
        assert_eq!(drain_actions(&mut e), [], "{status:?}");
        assert_eq!(drain_events(&mut e), [], "{status:?}");
        assert_eq!(e.buffered_amount(), before, "{status:?}");
        assert!(
            e.last_error().contains(status.name()),
            "lastError names the status: {:?}",
            e.last_error()
        );
    }
}

#[test]
fn write_returns_0_after_destroy() {
    let (mut e, _) = connected_engine();
    e.destroy();
    drain_actions(&mut e);
    assert_eq!(e.write(b"data".to_vec()), 0);
    assert_eq!(drain_actions(&mut e), []);
    assert_eq!(e.last_error(), CommandError::Destroyed.to_string());
}

#[test]
fn an_empty_write_queues_nothing() {
    let (mut e, _) = connected_engine();
    assert_eq!(e.write(Vec::new()), 0);
    assert_eq!(drain_actions(&mut e), []);
}

// ----- read: the length rule and decoding ------------------------------------------------------

#[test]
fn read_takes_at_most_length_bytes_and_none_or_too_many_means_everything() {
    let (mut e, id) = connected_engine();
    received(&mut e, id, b"hello world");
    assert_eq!(e.bytes_available(), 11);
    assert_eq!(e.read_text(Some(5)), "hello");
    assert_eq!(e.bytes_available(), 6);
    assert_eq!(e.read_text(Some(100)), " world");
    assert_eq!(e.bytes_available(), 0);
    received(&mut e, id, b"again");
    assert_eq!(e.read_text(None), "again");
    assert_eq!(e.read_text(None), "", "an empty buffer reads as ''");
}

#[test]
fn read_bytes_and_read_hex_follow_the_same_length_rule() {
    let (mut e, id) = connected_engine();
    received(&mut e, id, &[0x00, 0xab, 0xff, 0x10, 0x20]);
    assert_eq!(e.read_bytes(Some(2)), [0x00, 0xab]);
    assert_eq!(e.read_hex(Some(1)), "ff");
    assert_eq!(e.read_hex(None), "1020");
    received(&mut e, id, b"xyz");
    assert_eq!(e.read_bytes(Some(10)), b"xyz");
    assert_eq!(e.read_bytes(None), b"");
    assert_eq!(e.read_hex(None), "");
}

#[test]
fn read_maps_nul_to_u00ff_and_invalid_utf8_to_ufffd() {
    let (mut e, id) = connected_engine();
    received(&mut e, id, b"a\0b\xffc");
    assert_eq!(e.read_text(None), "a\u{ff}b\u{fffd}c");
    received(&mut e, id, "ÿ€😀".as_bytes());
    assert_eq!(e.read_text(None), "ÿ€😀");
}

#[test]
fn read_bytes_hands_out_bytes_exactly_as_they_came() {
    let (mut e, id) = connected_engine();
    let all: Vec<u8> = (0..=255).collect();
    received(&mut e, id, &all[..100]);
    received(&mut e, id, &all[100..]);
    assert_eq!(e.read_bytes(None), all);
}

#[test]
fn a_read_of_everything_while_connected_keeps_an_incomplete_utf8_character() {
    let (mut e, id) = connected_engine();
    let euro = "€".as_bytes(); // e2 82 ac
    received(&mut e, id, b"ab");
    received(&mut e, id, &euro[..2]);
    assert_eq!(e.read_text(None), "ab");
    assert_eq!(e.bytes_available(), 2, "the partial character stays");
    received(&mut e, id, &euro[2..]);
    assert_eq!(e.read_text(None), "€");
    // Four-byte characters too, split after each byte.
    let smile = "😀".as_bytes();
    for k in 1..4 {
        received(&mut e, id, &smile[..k]);
        assert_eq!(e.read_text(None), "", "{k} bytes of 4");
        assert_eq!(e.read_bytes(None), &smile[..k]);
    }
}

#[test]
fn a_read_of_everything_while_closing_hands_out_an_incomplete_character() {
    // Input is discarded while Closing, so nothing can complete it any more.
    let (mut e, id) = connected_engine();
    received(&mut e, id, &"€".as_bytes()[..1]);
    e.write(b"bye".to_vec());
    e.close();
    assert_eq!(e.status(), Status::Closing);
    assert_eq!(e.read_text(None), "\u{fffd}");
    assert_eq!(e.bytes_available(), 0);
}

#[test]
fn an_incomplete_character_is_handed_out_after_the_connection_ends() {
    let (mut e, id) = connected_engine();
    received(&mut e, id, &[b'x', 0xe2, 0x82]);
    assert_eq!(e.read_text(None), "x");
    e.handle(Input::PeerClosed { id });
    assert_eq!(
        e.read_text(None),
        "\u{fffd}",
        "nothing more can complete it"
    );
    assert_eq!(e.bytes_available(), 0);
}

#[test]
fn read_bytes_and_read_hex_do_not_hold_back_a_partial_character() {
    let (mut e, id) = connected_engine();
    received(&mut e, id, &[b'a', 0xe2]);
    assert_eq!(e.read_hex(None), "61e2");
}

#[test]
fn read_while_unconnected_with_nothing_buffered_is_empty() {
    let mut e = Engine::new();
    assert_eq!(e.read_text(None), "");
    assert_eq!(e.read_bytes(Some(3)), b"");
    assert_eq!(e.read_hex(None), "");
    assert_eq!(drain_actions(&mut e), []);
}

// ----- received data and the peer's close ------------------------------------------------------

#[test]
fn data_available_tells_how_many_bytes_are_now_buffered() {
    let (mut e, id) = connected_engine();
    received(&mut e, id, b"abc");
    received(&mut e, id, b"de");
    assert_eq!(
        drain_events(&mut e),
        [Event::DataAvailable(3), Event::DataAvailable(5)]
    );
    e.read_bytes(Some(4));
    received(&mut e, id, b"f");
    assert_eq!(drain_events(&mut e), [Event::DataAvailable(2)]);
}

#[test]
fn an_empty_received_is_ignored() {
    let (mut e, id) = connected_engine();
    received(&mut e, id, b"");
    assert_eq!(drain_events(&mut e), []);
}

#[test]
fn given_connected_when_peer_closed_with_3_bytes_pending_then_data_available_unconnected_disconnected(
) {
    let (mut e, id) = connected_engine();
    received(&mut e, id, b"bye");
    e.handle(Input::PeerClosed { id });
    assert_eq!(
        drain_events(&mut e),
        [
            Event::DataAvailable(3),
            Event::StateChanged(Status::Unconnected),
            Event::Disconnected(String::new()),
        ]
    );
    assert_eq!(drain_actions(&mut e), [Action::Shutdown { id }]);
    assert_eq!(e.status(), Status::Unconnected);
    assert_eq!(
        e.bytes_available(),
        3,
        "bytes that arrived before the end stay"
    );
    assert_eq!(e.read_text(None), "bye");
    assert_eq!(e.last_error(), "", "a clean end is no error");
}

#[test]
fn a_transport_closed_while_connected_is_a_clean_end() {
    let (mut e, id) = connected_engine();
    e.handle(Input::Closed { id });
    assert_eq!(
        drain_events(&mut e),
        [
            Event::StateChanged(Status::Unconnected),
            Event::Disconnected(String::new()),
        ]
    );
}

// ----- the send high-water mark ----------------------------------------------------------------

#[test]
fn drain_fires_exactly_once_when_sent_brings_buffered_amount_below_the_mark() {
    let (mut e, id) = connected_engine();
    e.set_high_water_mark(10.0).unwrap();
    assert_eq!(e.write(vec![1; 8]), 8);
    assert_eq!(e.write(vec![2; 5]), 5, "write queues all it accepts");
    assert_eq!(e.buffered_amount(), 13);
    e.handle(Input::Sent { id, len: 2 });
    assert_eq!(e.buffered_amount(), 11);
    assert_eq!(drain_events(&mut e), []);
    e.handle(Input::Sent { id, len: 1 });
    assert_eq!(e.buffered_amount(), 10);
    assert_eq!(drain_events(&mut e), [], "at the mark is not below it");
    e.handle(Input::Sent { id, len: 1 });
    assert_eq!(drain_events(&mut e), [Event::Drain]);
    e.handle(Input::Sent { id, len: 9 });
    assert_eq!(e.buffered_amount(), 0);
    assert_eq!(drain_events(&mut e), [], "only once per crossing");
}

#[test]
fn needs_drain_holds_from_the_write_over_the_mark_until_the_drain() {
    let (mut e, id) = connected_engine();
    e.set_high_water_mark(4.0).unwrap();
    e.write(vec![0; 4]);
    assert!(!e.needs_drain(), "at the mark is not over it");
    e.write(vec![0; 1]);
    assert!(e.needs_drain());
    e.handle(Input::Sent { id, len: 1 });
    assert!(
        e.needs_drain(),
        "at the mark again: the drain is still owed"
    );
    e.handle(Input::Sent { id, len: 1 });
    assert!(!e.needs_drain());
    assert_eq!(drain_events(&mut e), [Event::Drain]);
}

#[test]
fn needs_drain_clears_when_the_connection_ends() {
    let (mut e, id) = connected_engine();
    e.set_high_water_mark(4.0).unwrap();
    e.write(vec![0; 8]);
    assert!(e.needs_drain());
    e.handle(Input::Failed {
        id,
        error: "ECONNRESET".into(),
    });
    assert!(!e.needs_drain(), "no drain follows an end, so none is owed");
}

#[test]
fn each_crossing_of_the_mark_gets_its_own_drain() {
    let (mut e, id) = connected_engine();
    e.set_high_water_mark(4.0).unwrap();
    for _ in 0..3 {
        e.write(vec![0; 5]);
        e.handle(Input::Sent { id, len: 5 });
        assert_eq!(drain_events(&mut e), [Event::Drain]);
    }
}

#[test]
fn no_drain_when_the_mark_was_never_exceeded() {
    let (mut e, id) = connected_engine();
    e.write(vec![0; MIB]);
    e.handle(Input::Sent { id, len: MIB });
    assert_eq!(
        drain_events(&mut e),
        [],
        "1 MiB is not over the default mark"
    );
    e.write(vec![0; MIB + 1]);
    e.handle(Input::Sent { id, len: MIB + 1 });
    assert_eq!(drain_events(&mut e), [Event::Drain]);
}

#[test]
fn writes_queued_while_connecting_count_toward_the_mark() {
    let (mut e, id) = connecting_engine();
    e.set_high_water_mark(3.0).unwrap();
    e.write(b"abcd".to_vec());
    connected(&mut e, id);
    drain_events(&mut e);
    e.handle(Input::Sent { id, len: 4 });
    assert_eq!(drain_events(&mut e), [Event::Drain]);
}

#[test]
fn sent_beyond_what_is_buffered_does_not_underflow() {
    let (mut e, id) = connected_engine();
    e.write(b"ab".to_vec());
    e.handle(Input::Sent { id, len: 100 });
    assert_eq!(e.buffered_amount(), 0);
}

#[test]
fn set_high_water_mark_takes_positive_integers_only() {
    let mut e = Engine::new();
    for bad in [0.0, -5.0, 0.5, f64::NAN, f64::INFINITY] {
        assert_eq!(
            e.set_high_water_mark(bad),
            Err(CommandError::NotPositive("high-water mark"))
        );
        assert_eq!(
            e.set_receive_high_water_mark(bad),
            Err(CommandError::NotPositive("receive high-water mark"))
        );
    }
    assert_eq!(e.set_high_water_mark(1.0), Ok(()));
    assert_eq!(e.set_receive_high_water_mark(1.0), Ok(()));
}

// ----- the receive high-water mark -------------------------------------------------------------

#[test]
fn pause_reading_when_more_than_4_mib_is_buffered_and_resume_after_a_read_brings_it_down() {
    let (mut e, id) = connected_engine();
    received(&mut e, id, &vec![b'x'; 4 * MIB]);
    assert_eq!(drain_actions(&mut e), [], "4 MiB is not over the mark");
    received(&mut e, id, b"y");
    assert_eq!(drain_actions(&mut e), [Action::PauseReading { id }]);
    received(&mut e, id, b"z");
    assert_eq!(drain_actions(&mut e), [], "paused once");
    e.read_bytes(Some(1));
    assert_eq!(drain_actions(&mut e), [], "still over the mark");
    e.read_bytes(Some(1));
    assert_eq!(drain_actions(&mut e), [Action::ResumeReading { id }]);
    e.read_bytes(None);
    assert_eq!(drain_actions(&mut e), [], "resumed once");
}

#[test]
fn a_lower_receive_mark_pauses_sooner() {
    let (mut e, id) = connected_engine();
    e.set_receive_high_water_mark(10.0).unwrap();
    received(&mut e, id, &[0; 10]);
    assert_eq!(drain_actions(&mut e), []);
    received(&mut e, id, &[0; 2]);
    assert_eq!(drain_actions(&mut e), [Action::PauseReading { id }]);
    assert_eq!(e.read_text(Some(5)), "ÿÿÿÿÿ", "each NUL reads as U+00FF");
    assert_eq!(drain_actions(&mut e), [Action::ResumeReading { id }]);
}

#[test]
fn read_hex_and_read_text_also_resume_reading() {
    for read in [
        (|e: &mut Engine| drop(e.read_hex(None))) as fn(&mut Engine),
        |e: &mut Engine| drop(e.read_text(None)),
    ] {
        let (mut e, id) = connected_engine();
        e.set_receive_high_water_mark(2.0).unwrap();
        received(&mut e, id, b"abc");
        assert_eq!(drain_actions(&mut e), [Action::PauseReading { id }]);
        read(&mut e);
        assert_eq!(drain_actions(&mut e), [Action::ResumeReading { id }]);
    }
}

#[test]
fn a_paused_connection_that_ends_does_not_resume() {
    let (mut e, id) = connected_engine();
    e.set_receive_high_water_mark(2.0).unwrap();
    received(&mut e, id, b"abc");
    e.handle(Input::PeerClosed { id });
    drain_actions(&mut e);
    assert_eq!(e.read_text(None), "abc");
    assert_eq!(drain_actions(&mut e), []);
}

// ----- reserved writes (a Blob whose bytes come later) -----------------------------------------

#[test]
fn a_reservation_holds_its_place_and_later_writes_wait_behind_it() {
    let (mut e, id) = connected_engine();
    e.write(b"a".to_vec());
    let slot = e.reserve(3).expect("Connected takes a reservation");
    assert_eq!(e.write(b"c".to_vec()), 1);
    assert_eq!(e.buffered_amount(), 5, "the reserved length counts at once");
    assert_eq!(sent_bytes(&drain_actions(&mut e)), b"a");
    e.fill(slot, b"bbb".to_vec());
    assert_eq!(
        drain_actions(&mut e),
        [
            Action::Send {
                id,
                data: b"bbb".to_vec(),
                to: None
            },
            Action::Send {
                id,
                data: b"c".to_vec(),
                to: None
            },
        ]
    );
}

#[test]
fn a_short_fill_leaves_buffered_amount_and_an_unknown_slot_is_ignored() {
    let (mut e, _) = connected_engine();
    let slot = e.reserve(10).unwrap();
    e.fill(slot, b"abcd".to_vec());
    assert_eq!(
        e.buffered_amount(),
        4,
        "the 6 bytes never produced are not pending"
    );
    e.fill(slot, b"again".to_vec());
    e.fill(slot.wrapping_add(1000), b"stray".to_vec());
    assert_eq!(sent_bytes(&drain_actions(&mut e)), b"abcd");
    assert_eq!(e.buffered_amount(), 4);
}

#[test]
fn reservations_larger_than_memory_do_not_overflow_the_buffered_count() {
    let (mut e, _) = connected_engine();
    assert!(e.reserve(usize::MAX).is_some());
    assert!(e.reserve(usize::MAX).is_some());
    assert_eq!(e.write(b"x".to_vec()), 1);
    assert_eq!(e.buffered_amount(), usize::MAX);
}

#[test]
fn reserve_is_refused_where_write_is() {
    for status in [Status::Unconnected, Status::Listening, Status::Closing] {
        let mut e = engine_in(status);
        assert_eq!(e.reserve(4), None, "{status:?}");
        assert_eq!(drain_actions(&mut e), []);
    }
    let (mut e, _) = bound_udp_engine();
    assert_eq!(e.reserve(4), None, "no datagram read yet");
    let (mut e, _) = connected_engine();
    assert_eq!(e.reserve(0), None, "nothing to reserve");
    e.destroy();
    assert_eq!(e.reserve(4), None);
}

#[test]
fn a_reservation_made_while_connecting_is_sent_in_order_once_connected_and_filled() {
    let (mut e, id) = connecting_engine();
    let slot = e.reserve(2).unwrap();
    e.write(b"!".to_vec());
    connected(&mut e, id);
    assert_eq!(sent_bytes(&drain_actions(&mut e)), b"");
    e.fill(slot, b"hi".to_vec());
    assert_eq!(sent_bytes(&drain_actions(&mut e)), b"hi!");
}

#[test]
fn close_waits_for_a_reservation_then_flushes_it() {
    let (mut e, id) = connected_engine();
    let slot = e.reserve(4).unwrap();
    e.close();
    assert_eq!(e.status(), Status::Closing);
    assert_eq!(
        drain_actions(&mut e),
        [],
        "no Shutdown while bytes are still coming"
    );
    e.fill(slot, b"page".to_vec());
    assert_eq!(
        drain_actions(&mut e),
        [
            Action::Send {
                id,
                data: b"page".to_vec(),
                to: None
            },
            Action::Shutdown { id },
        ]
    );
    drain_events(&mut e);
    e.handle(Input::Sent { id, len: 4 });
    assert_eq!(
        drain_events(&mut e),
        [
            Event::StateChanged(Status::Unconnected),
            Event::Disconnected(String::new())
        ]
    );
}

#[test]
fn given_closing_on_a_reservation_when_it_is_filled_with_nothing_then_the_close_completes() {
    let (mut e, id) = connected_engine();
    let slot = e.reserve(4).unwrap();
    e.close();
    drain(&mut e);
    e.fill(slot, Vec::new()); // reading the Blob failed
    assert_eq!(drain_actions(&mut e), [Action::Shutdown { id }]);
    assert_eq!(
        drain_events(&mut e),
        [
            Event::StateChanged(Status::Unconnected),
            Event::Disconnected(String::new())
        ],
        "nothing is pending, so Closing is over"
    );
    assert_eq!(e.buffered_amount(), 0);
}

#[test]
fn a_reservation_that_cannot_be_filled_ends_the_connection_and_nothing_behind_it_goes_out() {
    let (mut e, id) = connected_engine();
    let slot = e.reserve(4).unwrap();
    e.write(b"after".to_vec());
    drain_actions(&mut e);
    drain_events(&mut e);
    e.fill_failed(slot, "NotReadableError");
    let message = "write: the bytes of an earlier write could not be read: NotReadableError";
    assert_eq!(drain_actions(&mut e), [Action::Abort { id }]);
    assert_eq!(
        drain_events(&mut e),
        [
            Event::Error {
                code: ErrorCode::UnknownSocket,
                message: message.into(),
                fatal: true
            },
            Event::StateChanged(Status::Unconnected),
            Event::Disconnected(message.into()),
        ]
    );
    assert_eq!(e.last_error(), message);
    assert_eq!(e.buffered_amount(), 0);
    // The slot is gone with the connection: a late fill or failure changes nothing.
    e.fill(slot, b"late".to_vec());
    e.fill_failed(slot, "again");
    assert_eq!(drain_actions(&mut e), []);
    assert_eq!(drain_events(&mut e), []);
}

#[test]
fn a_reservation_that_cannot_be_filled_while_connecting_ends_the_attempt() {
    let (mut e, id) = connecting_engine();
    let slot = e.reserve(2).unwrap();
    e.fill_failed(slot, "gone");
    assert_eq!(drain_actions(&mut e), [Action::Abort { id }]);
    let events = drain_events(&mut e);
    assert!(
        matches!(&events[..], [Event::ConnectFailed { code: ErrorCode::UnknownSocket, reason }, ..] if reason.ends_with("gone")),
        "{events:?}"
    );
    assert_eq!(e.status(), Status::Unconnected);
}

#[test]
fn a_datagram_that_cannot_be_filled_is_lost_alone() {
    let (mut e, _) = connected_udp_engine();
    let slot = e.reserve(3).unwrap();
    e.write(b"next".to_vec());
    drain_actions(&mut e);
    drain_events(&mut e);
    e.fill_failed(slot, "gone");
    assert_eq!(sent_bytes(&drain_actions(&mut e)), b"next");
    let events = drain_events(&mut e);
    assert!(
        matches!(
            &events[..],
            [Event::Error {
                code: ErrorCode::UnknownSocket,
                ..
            }]
        ),
        "{events:?}"
    );
    assert_eq!(e.status(), Status::Connected);
}
