//! UDP rules fixed alongside the Node UDP suite (tests/node/udp.test.js): a datagram the system
//! refuses as too large fails that write only, not the socket.

mod common;

use common::*;
use kvsocket::engine::*;

fn too_large() -> Event {
    Event::Error {
        code: ErrorCode::DatagramTooLarge,
        message: "Datagram too large".into(),
        fatal: false,
    }
}

#[test]
fn connected_udp_survives_a_datagram_too_large() {
    let (mut e, id) = connected_udp_engine();
    assert_eq!(e.write(vec![0; 70_000]), 70_000);
    assert!(matches!(drain_actions(&mut e)[..], [Action::Send { .. }]));
    e.handle(Input::Failed {
        id,
        error: "EMSGSIZE".into(),
    });
    e.handle(Input::Sent { id, len: 70_000 });
    assert_eq!(drain_events(&mut e), [too_large()]);
    assert_eq!(e.status(), Status::Connected);
    assert_eq!(e.last_error(), "Datagram too large");
    assert_eq!(e.buffered_amount(), 0);
    assert!(
        drain_actions(&mut e).is_empty(),
        "no Abort: the socket stays"
    );
    assert_eq!(e.write(b"small".to_vec()), 5);
    assert_eq!(
        drain_actions(&mut e),
        [Action::Send {
            id,
            data: b"small".to_vec(),
            to: None
        }]
    );
}

#[test]
fn bound_udp_survives_a_datagram_too_large() {
    let (mut e, id) = bound_udp_engine();
    e.handle(Input::Received {
        id,
        data: b"hi".to_vec(),
        from: Some(addr("127.0.0.1:7777")),
    });
    e.read_bytes(None);
    drain_events(&mut e);
    drain_actions(&mut e);
    assert_eq!(e.write(vec![0; 70_000]), 70_000);
    e.handle(Input::Failed {
        id,
        error: "EMSGSIZE".into(),
    });
    e.handle(Input::Sent { id, len: 70_000 });
    assert_eq!(drain_events(&mut e), [too_large()]);
    assert_eq!(e.status(), Status::Bound);
    assert_eq!(e.buffered_amount(), 0);
    assert_eq!(e.remote(), Some(addr("127.0.0.1:7777")));
}

#[test]
fn other_udp_failures_still_end_the_socket() {
    let (mut e, id) = connected_udp_engine();
    e.handle(Input::Failed {
        id,
        error: "ECONNREFUSED".into(),
    });
    assert_eq!(e.status(), Status::Unconnected);
    assert_eq!(
        drain_events(&mut e),
        [
            Event::Error {
                code: ErrorCode::ConnectionRefused,
                message: "Connection refused".into(),
                fatal: true,
            },
            Event::StateChanged(Status::Unconnected),
            Event::Disconnected("Connection refused".into()),
        ]
    );
}

#[test]
fn tcp_keeps_treating_emsgsize_as_a_broken_connection() {
    let (mut e, id) = connected_engine();
    e.handle(Input::Failed {
        id,
        error: "EMSGSIZE".into(),
    });
    assert_eq!(e.status(), Status::Unconnected);
}
