//! docs/spec.md's ends of a connection: `close()` in every status, flush-on-close, a broken
//! connection, a transport gone while Closing, and `destroy()`.

mod common;

use common::*;
use kvsocket::engine::*;

// ----- close() ---------------------------------------------------------------------------------

#[test]
fn given_connected_with_output_pending_when_close_then_closing_and_shutdown() {
    let (mut e, id) = connected_engine();
    e.write(b"QUIT :bye\r\n".to_vec());
    drain_actions(&mut e);
    e.close();
    assert_eq!(e.status(), Status::Closing);
    assert_eq!(drain_events(&mut e), [Event::StateChanged(Status::Closing)]);
    assert_eq!(drain_actions(&mut e), [Action::Shutdown { id }]);
    assert_eq!(
        e.remote(),
        Some(addr(REMOTE)),
        "addresses stay while Closing"
    );
    assert_eq!(e.local(), Some(addr(LOCAL)));
}

#[test]
fn given_closing_then_disconnected_only_after_sent_acks_reach_0() {
    let (mut e, id) = closing_engine(b"0123456789");
    e.handle(Input::Sent { id, len: 4 });
    assert_eq!(e.status(), Status::Closing);
    assert_eq!(drain_events(&mut e), []);
    e.handle(Input::Sent { id, len: 6 });
    assert_eq!(
        drain_events(&mut e),
        [
            Event::StateChanged(Status::Unconnected),
            Event::Disconnected(String::new()),
        ]
    );
    assert_eq!(e.status(), Status::Unconnected);
    assert_eq!(
        drain_actions(&mut e),
        [],
        "the Shutdown already releases it"
    );
}

#[test]
fn given_connected_with_nothing_pending_when_close_then_unconnected_at_once() {
    let (mut e, id) = connected_engine();
    e.write(b"x".to_vec());
    e.handle(Input::Sent { id, len: 1 });
    drain(&mut e);
    e.close();
    assert_eq!(e.status(), Status::Unconnected);
    assert_eq!(
        drain_events(&mut e),
        [
            Event::StateChanged(Status::Unconnected),
            Event::Disconnected(String::new()),
        ]
    );
    assert_eq!(drain_actions(&mut e), [Action::Shutdown { id }]);
}

#[test]
fn given_closing_when_write_then_0() {
    let (mut e, _) = closing_engine(b"x");
    assert_eq!(e.write(b"more".to_vec()), 0);
    assert_eq!(e.buffered_amount(), 1);
    assert_eq!(drain_actions(&mut e), []);
}

#[test]
fn given_closing_when_data_arrives_then_it_is_discarded_without_data_available() {
    let (mut e, id) = connected_engine();
    received(&mut e, id, b"early");
    e.write(b"x".to_vec());
    drain(&mut e);
    e.close();
    drain(&mut e);
    received(&mut e, id, b"late");
    assert_eq!(drain_events(&mut e), [], "the script is done reading");
    assert_eq!(e.bytes_available(), 5);
    e.handle(Input::Sent { id, len: 1 });
    drain_events(&mut e);
    assert_eq!(
        e.read_text(None),
        "early",
        "what arrived before close() stays readable"
    );
}

#[test]
fn given_reading_paused_when_close_with_output_pending_then_reading_resumes() {
    let (mut e, id) = connected_engine();
    e.set_receive_high_water_mark(4.0).unwrap();
    received(&mut e, id, b"12345");
    assert_eq!(drain_actions(&mut e), [Action::PauseReading { id }]);
    e.write(b"x".to_vec());
    drain(&mut e);
    e.close();
    assert_eq!(
        drain_actions(&mut e),
        [Action::ResumeReading { id }, Action::Shutdown { id }],
        "a paused peer would never read our flush"
    );
}

#[test]
fn given_over_the_mark_when_close_then_no_drain_while_closing() {
    let (mut e, id) = connected_engine();
    e.set_high_water_mark(4.0).unwrap();
    e.write(vec![0; 10]);
    drain(&mut e);
    e.close();
    drain(&mut e);
    e.handle(Input::Sent { id, len: 8 });
    assert_eq!(drain_events(&mut e), [], "Closing takes no writes");
    assert!(!e.drain_due());
    e.handle(Input::Sent { id, len: 2 });
    assert_eq!(
        drain_events(&mut e),
        [
            Event::StateChanged(Status::Unconnected),
            Event::Disconnected(String::new()),
        ]
    );
}

#[test]
fn a_drain_not_yet_polled_is_withdrawn_when_the_connection_breaks() {
    let (mut e, id) = connected_engine();
    e.set_high_water_mark(4.0).unwrap();
    e.write(vec![0; 10]);
    drain(&mut e);
    e.handle(Input::Sent { id, len: 8 });
    assert!(e.drain_due());
    e.handle(Input::Failed {
        id,
        error: "ECONNRESET".into(),
    });
    assert_eq!(
        drain_events(&mut e),
        [
            error(ErrorCode::RemoteHostClosed),
            Event::StateChanged(Status::Unconnected),
            Event::Disconnected(ErrorCode::RemoteHostClosed.message().to_string()),
        ],
        "no drain after an error ended the connection"
    );
    assert!(!e.drain_due());
    e.handle(Input::Sent { id, len: 2 });
    assert_eq!(drain_events(&mut e), [], "a late Sent is stale");
}

#[test]
fn given_closing_when_close_again_then_nothing() {
    let (mut e, _) = closing_engine(b"x");
    e.close();
    assert_eq!(e.status(), Status::Closing);
    assert_eq!(drain_events(&mut e), []);
    assert_eq!(drain_actions(&mut e), []);
}

#[test]
fn given_closing_when_the_peer_only_ends_its_side_then_our_bytes_are_still_flushed() {
    let (mut e, id) = closing_engine(b"abc");
    e.handle(Input::PeerClosed { id });
    assert_eq!(e.status(), Status::Closing);
    assert_eq!(drain_events(&mut e), []);
    e.handle(Input::Sent { id, len: 3 });
    assert_eq!(
        drain_events(&mut e),
        [
            Event::StateChanged(Status::Unconnected),
            Event::Disconnected(String::new()),
        ]
    );
}

#[test]
fn given_closing_when_the_transport_is_gone_with_bytes_unsent_then_remote_host_closed() {
    let (mut e, id) = closing_engine(b"abc");
    e.handle(Input::Sent { id, len: 1 });
    e.handle(Input::Closed { id });
    assert_eq!(
        drain_events(&mut e),
        [
            error(ErrorCode::RemoteHostClosed),
            Event::StateChanged(Status::Unconnected),
            Event::Disconnected("Remote host closed the connection".into()),
        ]
    );
    assert_eq!(drain_actions(&mut e), [Action::Abort { id }]);
    assert_eq!(e.last_error(), "Remote host closed the connection");
    assert_eq!(e.buffered_amount(), 0);
}

#[test]
fn given_closing_when_failed_then_error_and_disconnected_with_the_message() {
    let (mut e, id) = closing_engine(b"abc");
    e.handle(Input::Failed {
        id,
        error: "EPIPE".into(),
    });
    assert_eq!(
        drain_events(&mut e),
        [
            error(ErrorCode::RemoteHostClosed),
            Event::StateChanged(Status::Unconnected),
            Event::Disconnected("Remote host closed the connection".into()),
        ]
    );
}

#[test]
fn given_host_lookup_when_close_then_abort_and_only_state_changed() {
    let (mut e, id) = lookup_engine();
    e.write(b"queued".to_vec());
    e.close();
    assert_eq!(e.status(), Status::Unconnected);
    assert_eq!(
        drain_events(&mut e),
        [Event::StateChanged(Status::Unconnected)],
        "no connectFailed, no error"
    );
    assert_eq!(drain_actions(&mut e), [Action::Abort { id }]);
    assert_eq!(e.poll_timeout(), None);
    assert_eq!(e.buffered_amount(), 0, "queued writes are dropped");
    assert_eq!(e.last_error(), "");
}

#[test]
fn given_connecting_when_close_then_abort_and_only_state_changed() {
    let (mut e, id) = connecting_engine();
    e.write(b"queued".to_vec());
    e.close();
    assert_eq!(
        drain_events(&mut e),
        [Event::StateChanged(Status::Unconnected)]
    );
    assert_eq!(drain_actions(&mut e), [Action::Abort { id }]);
    assert_eq!(e.poll_timeout(), None);
    assert_eq!(e.buffered_amount(), 0);
    assert_eq!(e.remote(), None);
    e.handle_timeout(u64::MAX);
    assert_eq!(
        drain_events(&mut e),
        [],
        "no timeout for an abandoned attempt"
    );
}

#[test]
fn given_listening_when_close_then_abort_and_unconnected() {
    let (mut e, id) = listening_engine();
    e.close();
    assert_eq!(
        drain_events(&mut e),
        [Event::StateChanged(Status::Unconnected)]
    );
    assert_eq!(drain_actions(&mut e), [Action::Abort { id }]);
    assert_eq!(e.local(), None);
    assert!(e.handle_incoming(id, addr(LOCAL), addr(REMOTE)).is_none());
}

#[test]
fn given_unconnected_when_close_then_nothing() {
    let mut e = Engine::new();
    e.close();
    assert_eq!(drain_events(&mut e), []);
    assert_eq!(drain_actions(&mut e), []);
    assert_eq!(e.status(), Status::Unconnected);
}

#[test]
fn after_close_the_socket_can_connect_or_listen_again() {
    for status in [
        Status::HostLookUp,
        Status::Connecting,
        Status::Connected,
        Status::Listening,
    ] {
        let mut e = engine_in(status);
        e.close();
        assert_eq!(e.status(), Status::Unconnected, "{status:?}");
        assert_eq!(e.connect(Some("127.0.0.1"), &port(1), 0), Ok(()));
        e.close();
        assert_eq!(e.listen(&port(0), Some(""), false), Ok(()));
    }
}

// ----- a broken connection ---------------------------------------------------------------------

#[test]
fn given_connected_when_failed_then_error_unconnected_disconnected_with_the_message() {
    let (mut e, id) = connected_engine();
    e.handle(Input::Failed {
        id,
        error: "ECONNRESET".into(),
    });
    assert_eq!(
        drain_events(&mut e),
        [
            error(ErrorCode::RemoteHostClosed),
            Event::StateChanged(Status::Unconnected),
            Event::Disconnected("Remote host closed the connection".into()),
        ]
    );
    assert_eq!(drain_actions(&mut e), [Action::Abort { id }]);
    assert_eq!(e.last_error(), "Remote host closed the connection");
}

#[test]
fn an_unknown_failure_is_unknown_socket() {
    let (mut e, id) = connected_engine();
    e.handle(Input::Failed {
        id,
        error: "EWHATEVER".into(),
    });
    assert_eq!(
        drain_events(&mut e),
        [
            error(ErrorCode::UnknownSocket),
            Event::StateChanged(Status::Unconnected),
            Event::Disconnected("Unknown socket error".into()),
        ]
    );
}

#[test]
fn bytes_received_before_a_failure_stay_readable() {
    let (mut e, id) = connected_engine();
    received(&mut e, id, b"last words");
    e.handle(Input::Failed {
        id,
        error: "ECONNRESET".into(),
    });
    assert_eq!(e.read_text(None), "last words");
}

#[test]
fn disconnected_comes_exactly_once_per_connection() {
    let (mut e, id) = connected_engine();
    e.handle(Input::PeerClosed { id });
    e.handle(Input::PeerClosed { id });
    e.handle(Input::Closed { id });
    e.handle(Input::Failed {
        id,
        error: "ECONNRESET".into(),
    });
    e.close();
    let disconnects = drain_events(&mut e)
        .into_iter()
        .filter(|ev| matches!(ev, Event::Disconnected(_)))
        .count();
    assert_eq!(disconnects, 1);
}

#[test]
fn buffered_amount_is_0_after_the_connection_ends() {
    let (mut e, id) = connected_engine();
    e.write(b"unsent".to_vec());
    e.handle(Input::PeerClosed { id });
    assert_eq!(e.buffered_amount(), 0);
}

// ----- destroy() -------------------------------------------------------------------------------

#[test]
fn given_connected_when_destroy_then_abort_and_no_further_event() {
    let (mut e, id) = connected_engine();
    e.write(b"never flushed".to_vec());
    received(&mut e, id, b"unread");
    drain_actions(&mut e);
    e.destroy();
    assert!(e.is_destroyed());
    assert_eq!(drain_actions(&mut e), [Action::Abort { id }]);
    assert_eq!(
        drain_events(&mut e),
        [],
        "events queued before destroy are not delivered either"
    );
    assert_eq!(e.status(), Status::Unconnected);
    assert_eq!(e.bytes_available(), 0);
    assert_eq!(e.buffered_amount(), 0);
    assert_eq!(e.current_id(), None);
    assert_eq!((e.local(), e.remote()), (None, None));

    // Whatever the host still reports is ignored.
    for input in [
        Input::Received {
            id,
            data: b"more".to_vec(),
            from: None,
        },
        Input::Sent { id, len: 13 },
        Input::PeerClosed { id },
        Input::Closed { id },
        Input::Failed {
            id,
            error: "ECONNRESET".into(),
        },
    ] {
        e.handle(input);
    }
    e.handle_timeout(u64::MAX);
    assert_eq!(drain_events(&mut e), []);
    assert_eq!(drain_actions(&mut e), []);
}

#[test]
fn after_destroy_every_command_fails() {
    let (mut e, _) = connected_engine();
    e.destroy();
    drain_actions(&mut e);
    assert_eq!(
        e.connect(Some("127.0.0.1"), &port(6667), 0),
        Err(CommandError::Destroyed)
    );
    assert_eq!(
        e.listen(&port(0), Some(""), false),
        Err(CommandError::Destroyed)
    );
    assert_eq!(e.set_protocol("udp"), Err(CommandError::Destroyed));
    assert_eq!(e.protocol(), Protocol::Tcp);
    assert_eq!(e.write(b"x".to_vec()), 0);
    assert_eq!(e.read_text(None), "");
    assert_eq!(e.read_bytes(None), b"");
    assert_eq!(e.read_hex(None), "");
    let mut other = connected_engine().0;
    assert_eq!(e.adopt(&mut other), Err(CommandError::Destroyed));
    assert_eq!(
        other.status(),
        Status::Connected,
        "a refused adopt moves nothing"
    );
    e.close();
    assert_eq!(e.poll_timeout(), None);
    assert_eq!(e.last_error(), CommandError::Destroyed.to_string());
    assert_eq!(drain_events(&mut e), []);
    assert_eq!(drain_actions(&mut e), []);
}

#[test]
fn destroy_is_idempotent() {
    let (mut e, id) = connecting_engine();
    e.destroy();
    e.destroy();
    assert_eq!(drain_actions(&mut e), [Action::Abort { id }], "one Abort");
    assert_eq!(e.poll_timeout(), None, "no deadline runs after destroy");
}

#[test]
fn destroy_aborts_whatever_transport_the_status_owns() {
    for status in Status::ALL {
        let mut e = engine_in(status);
        let id = e.current_id();
        e.destroy();
        let expected: Vec<Action> = id.map(|id| Action::Abort { id }).into_iter().collect();
        assert_eq!(drain_actions(&mut e), expected, "{status:?}");
        assert_eq!(drain_events(&mut e), [], "{status:?}");
    }
}

#[test]
fn a_destroyed_listener_takes_no_incoming_connection() {
    let (mut e, id) = listening_engine();
    e.destroy();
    assert!(e.handle_incoming(id, addr(LOCAL), addr(REMOTE)).is_none());
    assert_eq!(drain_events(&mut e), []);
}

#[test]
fn after_end_no_drain_is_owed_since_writes_are_refused() {
    let (mut e, id) = connected_engine();
    e.set_high_water_mark(4.0).unwrap();
    e.write(vec![0; 10]);
    drain(&mut e);
    assert!(e.needs_drain());
    e.end().unwrap();
    assert!(!e.needs_drain(), "a writer waiting for drain stops waiting");
    e.handle(Input::Sent { id, len: 10 });
    assert_eq!(drain_events(&mut e), []);
    assert!(!e.drain_due());
    assert_eq!(e.write(b"x".to_vec()), 0);
}

// ----- close() in the turn of a write let through (write_through) --------------------------------
//
// A host that hands a write to its transport within the call (Node) counts it as handed over at
// once, but close() is "a last attempt to flush": bytes written in the same turn of the host's
// event loop as close() keep the socket Closing until the host confirms them (Flushed), as a
// host whose writes stay buffered until Sent (the browser's) does. The same script then sees
// Connected -> Closing -> Unconnected on both.

#[test]
fn given_a_write_let_through_when_close_in_the_same_turn_then_closing_until_flushed() {
    let (mut e, id) = connected_engine();
    assert_eq!(through(&mut e, 1 << 20, 7), Through::Now(id));
    assert_eq!(e.buffered_amount(), 0, "the transport took it all at once");
    drain(&mut e);
    e.close_in_turn(7);
    assert_eq!(e.status(), Status::Closing);
    assert_eq!(drain_events(&mut e), [Event::StateChanged(Status::Closing)]);
    assert_eq!(drain_actions(&mut e), [Action::Shutdown { id }]);
    assert_eq!(e.write(b"late".to_vec()), 0, "Closing takes no writes");
    e.handle(Input::Flushed { id });
    assert_eq!(e.status(), Status::Unconnected);
    assert_eq!(
        drain_events(&mut e),
        [
            Event::StateChanged(Status::Unconnected),
            Event::Disconnected(String::new()),
        ]
    );
    assert_eq!(
        drain_actions(&mut e),
        [],
        "the Shutdown already releases it"
    );
}

#[test]
fn given_a_write_let_through_in_an_earlier_turn_when_close_then_unconnected_at_once() {
    let (mut e, id) = connected_engine();
    assert_eq!(through(&mut e, 100, 7), Through::Now(id));
    drain(&mut e);
    e.close_in_turn(8);
    assert_eq!(e.status(), Status::Unconnected);
    assert_eq!(drain_actions(&mut e), [Action::Shutdown { id }]);
}

#[test]
fn given_a_write_let_through_when_close_without_a_turn_then_unconnected_at_once() {
    // `close()` is for hosts that let nothing through in the caller's turn (the Rust API, the
    // component's hosts that do not name turns).
    let (mut e, id) = connected_engine();
    assert_eq!(through(&mut e, 100, 7), Through::Now(id));
    drain(&mut e);
    e.close();
    assert_eq!(e.status(), Status::Unconnected);
}

#[test]
fn given_a_write_let_through_all_unsent_when_close_in_the_same_turn_then_sent_ends_closing() {
    // A transport that took none of it (the facade's fallback to an ordinary send): the bytes
    // are buffered, and Sent, not Flushed, ends Closing.
    let (mut e, id) = connected_engine();
    assert_eq!(through(&mut e, 10, 3), Through::Now(id));
    e.unsent(id, 10);
    drain(&mut e);
    e.close_in_turn(3);
    assert_eq!(e.status(), Status::Closing);
    drain(&mut e);
    e.handle(Input::Sent { id, len: 10 });
    assert_eq!(e.status(), Status::Unconnected);
}

#[test]
fn given_a_write_partly_unsent_when_close_in_the_same_turn_then_both_sent_and_flushed_are_awaited()
{
    let (mut e, id) = connected_engine();
    assert_eq!(through(&mut e, 10, 3), Through::Now(id));
    e.unsent(id, 4);
    drain(&mut e);
    e.close_in_turn(3);
    assert_eq!(e.status(), Status::Closing);
    e.handle(Input::Sent { id, len: 4 });
    assert_eq!(e.status(), Status::Closing, "6 bytes are not confirmed yet");
    e.handle(Input::Flushed { id });
    assert_eq!(e.status(), Status::Unconnected);
}

#[test]
fn given_closing_on_a_let_through_write_when_the_transport_is_gone_before_flushed_then_error() {
    let (mut e, id) = connected_engine();
    through(&mut e, 10, 3);
    e.close_in_turn(3);
    drain(&mut e);
    e.handle(Input::Closed { id });
    assert_eq!(
        drain_events(&mut e),
        [
            error(ErrorCode::RemoteHostClosed),
            Event::StateChanged(Status::Unconnected),
            Event::Disconnected(ErrorCode::RemoteHostClosed.message().to_string()),
        ]
    );
}

#[test]
fn given_flushed_for_a_stale_transport_or_while_connected_then_nothing_changes() {
    let (mut e, id) = connected_engine();
    through(&mut e, 10, 3);
    e.close_in_turn(3);
    drain(&mut e);
    e.handle(Input::Flushed { id: id + 1000 });
    assert_eq!(e.status(), Status::Closing);
    let (mut c, cid) = connected_engine();
    c.handle(Input::Flushed { id: cid });
    assert_eq!(c.status(), Status::Connected);
    assert_eq!(drain_events(&mut c), []);
}

#[test]
fn given_a_let_through_write_then_a_new_connection_when_close_in_the_same_turn_then_unconnected() {
    // What was let through belongs to the connection that ended: a later one starts clean.
    let (mut e, id) = connected_engine();
    through(&mut e, 10, 3);
    e.handle(Input::PeerClosed { id });
    assert!(e.connect(Some("192.0.2.1"), &port(80), 0).is_ok());
    let next = e.current_id().unwrap();
    connected(&mut e, next);
    drain(&mut e);
    e.close_in_turn(3);
    assert_eq!(e.status(), Status::Unconnected);
}
