//! Every command in every status: what docs/spec.md allows, and what it refuses without side effects.

mod common;

use common::*;
use kvsocket::engine::state::is_legal_transition;
use kvsocket::engine::*;

fn wrong_status(command: &'static str, status: Status) -> Result<(), CommandError> {
    Err(CommandError::WrongStatus {
        command,
        status: status.name(),
    })
}

/// Runs `command` on an engine in `status` and checks that, when refused, nothing changed.
fn check(status: Status, name: &str, command: impl Fn(&mut Engine) -> Result<(), CommandError>) {
    let mut e = engine_in(status);
    let id = e.current_id();
    if let Err(error) = command(&mut e) {
        assert_eq!(e.status(), status, "{name} in {status:?}");
        assert_eq!(e.current_id(), id, "{name} in {status:?}");
        assert_eq!(drain_events(&mut e), [], "{name} in {status:?}");
        assert_eq!(drain_actions(&mut e), [], "{name} in {status:?}");
        assert_eq!(e.last_error(), error.to_string());
    }
}

#[test]
fn connect_listen_and_set_protocol_need_unconnected() {
    for status in Status::ALL {
        let expect = |cmd| {
            if status == Status::Unconnected {
                Ok(())
            } else {
                wrong_status(cmd, status)
            }
        };
        check(status, "connect", |e| {
            let r = e.connect(Some("127.0.0.1"), &port(6667), 0);
            assert_eq!(r, expect("connect"), "{status:?}");
            r
        });
        check(status, "connect by name", |e| {
            let r = e.connect(Some("irc.example.org"), &port(6667), 0);
            assert_eq!(r, expect("connect"), "{status:?}");
            r
        });
        check(status, "listen", |e| {
            let r = e.listen(&port(0), Some(""), false);
            assert_eq!(r, expect("listen"), "{status:?}");
            r
        });
        check(status, "setProtocol", |e| {
            let r = e.set_protocol("tcp");
            assert_eq!(r, expect("setProtocol"), "{status:?}");
            r
        });
    }
}

#[test]
fn the_status_is_checked_before_the_arguments() {
    let mut e = engine_in(Status::Listening);
    assert_eq!(
        e.connect(Some(""), &PortArg::Other, 0),
        wrong_status("connect", Status::Listening)
    );
    assert_eq!(
        e.listen(&PortArg::Other, None, false),
        wrong_status("listen", Status::Listening)
    );
}

#[test]
fn write_is_taken_only_while_host_lookup_connecting_connected_or_bound_with_a_sender() {
    for status in Status::ALL {
        let mut e = engine_in(status);
        let n = e.write(b"abc".to_vec());
        let expected = match status {
            Status::HostLookUp | Status::Connecting | Status::Connected => 3,
            // Bound answers the last sender, and none was read yet.
            Status::Unconnected | Status::Bound | Status::Closing | Status::Listening => 0,
        };
        assert_eq!(n, expected, "{status:?}");
        assert_eq!(e.status(), status);
        assert_eq!(drain_events(&mut e), [], "{status:?}");
    }
}

#[test]
fn close_in_each_status_goes_where_spec_says() {
    for status in Status::ALL {
        let mut e = engine_in(status);
        e.close();
        let expected = match status {
            Status::Closing => Status::Closing,
            _ => Status::Unconnected,
        };
        assert_eq!(e.status(), expected, "{status:?}");
        let events = drain_events(&mut e);
        if status == expected {
            assert_eq!(events, [], "{status:?}");
        } else {
            assert_eq!(events[0], Event::StateChanged(expected), "{status:?}");
            assert!(is_legal_transition(status, expected));
        }
    }
}

#[test]
fn the_transition_table_has_specs_edges_only() {
    use Status::*;
    let legal = [
        (Unconnected, HostLookUp),
        (Unconnected, Connecting),
        (Unconnected, Connected),
        (Unconnected, Listening),
        (Unconnected, Bound),
        (HostLookUp, Connecting),
        (HostLookUp, Unconnected),
        (Connecting, Connected),
        (Connecting, Unconnected),
        (Connected, Closing),
        (Connected, Unconnected),
        (Closing, Unconnected),
        (Listening, Unconnected),
        (Bound, Unconnected),
    ];
    for from in Status::ALL {
        for to in Status::ALL {
            assert_eq!(
                is_legal_transition(from, to),
                legal.contains(&(from, to)),
                "{from:?} -> {to:?}"
            );
        }
    }
}

#[test]
fn reads_in_any_status_without_data_are_empty_and_change_nothing() {
    for status in Status::ALL {
        let mut e = engine_in(status);
        assert_eq!(e.read_text(None), "");
        assert_eq!(e.read_bytes(Some(4)), b"");
        assert_eq!(e.read_hex(None), "");
        assert_eq!(e.bytes_available(), 0);
        assert_eq!(e.status(), status);
        assert_eq!(drain_events(&mut e), []);
        assert_eq!(drain_actions(&mut e), []);
    }
}

#[test]
fn addresses_are_reported_only_where_meaningful() {
    for status in Status::ALL {
        let e = engine_in(status);
        let (local, remote) = (e.local().is_some(), e.remote().is_some());
        let expected = match status {
            Status::Unconnected | Status::HostLookUp => (false, false),
            Status::Connecting => (false, true),
            Status::Connected | Status::Closing => (true, true),
            Status::Listening | Status::Bound => (true, false),
        };
        assert_eq!((local, remote), expected, "{status:?}");
    }
}

#[test]
fn a_fresh_engine_is_unconnected_tcp_with_specs_defaults() {
    let e = Engine::new();
    assert_eq!(e.status(), Status::Unconnected);
    assert_eq!(e.protocol(), Protocol::Tcp);
    assert_eq!(e.connect_timeout(), 60_000);
    assert_eq!(e.last_error(), "");
    assert_eq!(e.bytes_available(), 0);
    assert_eq!(e.buffered_amount(), 0);
    assert!(!e.is_destroyed());
    assert_eq!(e.poll_timeout(), None);
    let mut d = Engine::default();
    assert_eq!(drain_events(&mut d), []);
    assert_eq!(drain_actions(&mut d), []);
}

#[test]
fn set_last_error_is_what_last_error_tells() {
    let mut e = Engine::new();
    e.set_last_error("write: not a byte");
    assert_eq!(e.last_error(), "write: not a byte");
}

#[test]
fn a_host_refusal_comes_after_the_commands_own_status_rule() {
    // Unconnected: the host's reason.
    let mut e = Engine::new();
    assert!(e.refuse(false, "no proxy URL").is_err());
    assert_eq!(e.last_error(), "no proxy URL");
    assert_eq!(e.status(), Status::Unconnected);
    assert_eq!(drain_events(&mut e), []);
    assert_eq!(drain_actions(&mut e), []);
    // Another status: the refusal the command itself gives there, not the host's.
    let (mut e, _) = connected_engine();
    let own = e
        .connect(Some("127.0.0.1"), &port(7), 0)
        .unwrap_err()
        .message();
    assert!(e.refuse(false, "no proxy URL").is_err());
    assert_eq!(e.last_error(), own);
    assert_eq!(e.status(), Status::Connected);
    let (mut e, _) = listening_engine();
    let own = e.listen(&port(0), Some(""), false).unwrap_err().message();
    assert!(e.refuse(true, "cannot listen here").is_err());
    assert_eq!(e.last_error(), own);
    // Destroyed: its own.
    let mut e = Engine::new();
    e.destroy();
    let own = e.last_error().to_string();
    assert!(e.refuse(true, "cannot listen here").is_err());
    assert_eq!(e.last_error(), own);
}
