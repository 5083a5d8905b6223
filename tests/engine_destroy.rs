//! What a script reads after `destroy()` (docs/spec.md, destroy()): decided by the engine, the
//! same from every status, and unchanged by anything called later (the facade shares one
//! destroyed engine among its destroyed sockets and asks it).

mod common;

use common::*;
use kvsocket::engine::*;

fn destroyed_answers(e: &Engine, from: Status) {
    assert!(e.is_destroyed(), "from {from:?}");
    assert_eq!(e.status(), Status::Unconnected, "from {from:?}");
    assert_eq!(e.protocol(), Protocol::Tcp, "from {from:?}");
    assert_eq!(e.last_error(), "the socket was destroyed", "from {from:?}");
    assert_eq!(e.connect_timeout(), 0, "from {from:?}");
    assert_eq!(e.idle_timeout(), 0, "from {from:?}");
    assert_eq!(e.bytes_available(), 0, "from {from:?}");
    assert_eq!(e.buffered_amount(), 0, "from {from:?}");
    assert!(!e.needs_drain(), "from {from:?}");
    assert_eq!(e.remote(), None, "from {from:?}");
    assert_eq!(e.local(), None, "from {from:?}");
    assert_eq!(e.poll_timeout(), None, "from {from:?}");
}

#[test]
fn destroyed_from_every_status_answers_the_same() {
    for status in Status::ALL {
        let mut e = engine_in(status);
        e.set_idle_timeout(5_000.0, 0).unwrap();
        e.destroy();
        drain(&mut e);
        destroyed_answers(&e, status);
    }
}

#[test]
fn a_udp_socket_with_unread_data_reads_as_a_destroyed_tcp_one() {
    let (mut e, id) = bound_udp_engine();
    e.handle(Input::Received {
        id,
        data: b"hi".to_vec(),
        from: Some(addr("127.0.0.1:9")),
    });
    assert_eq!(e.bytes_available(), 2);
    e.destroy();
    assert_eq!(drain_actions(&mut e), [Action::Abort { id }]);
    assert_eq!(drain_events(&mut e), []);
    destroyed_answers(&e, Status::Bound);
}

#[test]
fn nothing_called_after_destroy_changes_what_it_answers() {
    let (mut e, id) = connected_engine();
    e.destroy();
    drain(&mut e);
    assert!(e.connect(Some("127.0.0.1"), &port(1), 0).is_err());
    assert!(e.listen(&port(0), Some("127.0.0.1"), false).is_err());
    assert!(e.set_protocol("udp").is_err());
    e.set_connect_timeout(1_000.0).unwrap();
    e.set_idle_timeout(1_000.0, 0).unwrap();
    e.set_last_error("no proxy");
    e.handle(Input::Received {
        id,
        data: b"late".to_vec(),
        from: None,
    });
    e.handle(Input::Failed {
        id,
        error: "ECONNRESET".into(),
    });
    assert_eq!(drain_actions(&mut e), []);
    assert_eq!(drain_events(&mut e), []);
    destroyed_answers(&e, Status::Connected);
}
