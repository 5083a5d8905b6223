//! UDP rules fixed alongside the Node UDP suite (tests/node/udp.test.js): a datagram the system
//! refuses as too large fails that write only, not the socket.

use std::net::SocketAddr;

use kvsocket::engine::*;

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn events(e: &mut Engine) -> Vec<Event> {
    std::iter::from_fn(|| e.poll_event()).collect()
}

fn actions(e: &mut Engine) -> Vec<Action> {
    std::iter::from_fn(|| e.poll_action()).collect()
}

fn too_large() -> Event {
    Event::Error {
        code: ErrorCode::DatagramTooLarge,
        message: "Datagram too large".into(),
    }
}

/// A UDP engine Connected to 127.0.0.1:9000; returns it and the transport id.
fn connected_udp() -> (Engine, ConnId) {
    let mut e = Engine::new();
    e.set_protocol("udp").unwrap();
    e.connect(Some("127.0.0.1"), &PortArg::Number(9000.0), 0)
        .unwrap();
    let id = e.current_id().unwrap();
    e.handle(Input::Connected {
        id,
        local: addr("127.0.0.1:5000"),
        remote: addr("127.0.0.1:9000"),
    });
    events(&mut e);
    actions(&mut e);
    (e, id)
}

#[test]
fn connected_udp_survives_a_datagram_too_large() {
    let (mut e, id) = connected_udp();
    assert_eq!(e.write(vec![0; 70_000]), 70_000);
    assert!(matches!(actions(&mut e)[..], [Action::Send { .. }]));
    e.handle(Input::Failed {
        id,
        error: "EMSGSIZE".into(),
    });
    e.handle(Input::Sent { id, len: 70_000 });
    assert_eq!(events(&mut e), [too_large()]);
    assert_eq!(e.status(), Status::Connected);
    assert_eq!(e.last_error(), "Datagram too large");
    assert_eq!(e.buffered_amount(), 0);
    assert!(actions(&mut e).is_empty(), "no Abort: the socket stays");
    assert_eq!(e.write(b"small".to_vec()), 5);
    assert_eq!(
        actions(&mut e),
        [Action::Send {
            id,
            data: b"small".to_vec(),
            to: None
        }]
    );
}

#[test]
fn bound_udp_survives_a_datagram_too_large() {
    let mut e = Engine::new();
    e.set_protocol("udp").unwrap();
    e.listen(&PortArg::Number(0.0), Some("127.0.0.1"), false)
        .unwrap();
    let id = e.current_id().unwrap();
    e.handle(Input::Listening {
        id,
        local: addr("127.0.0.1:4000"),
    });
    e.handle(Input::Received {
        id,
        data: b"hi".to_vec(),
        from: Some(addr("127.0.0.1:7777")),
    });
    e.read_bytes(None);
    events(&mut e);
    actions(&mut e);
    assert_eq!(e.write(vec![0; 70_000]), 70_000);
    e.handle(Input::Failed {
        id,
        error: "EMSGSIZE".into(),
    });
    e.handle(Input::Sent { id, len: 70_000 });
    assert_eq!(events(&mut e), [too_large()]);
    assert_eq!(e.status(), Status::Bound);
    assert_eq!(e.buffered_amount(), 0);
    assert_eq!(e.remote(), Some(addr("127.0.0.1:7777")));
}

#[test]
fn other_udp_failures_still_end_the_socket() {
    let (mut e, id) = connected_udp();
    e.handle(Input::Failed {
        id,
        error: "ECONNREFUSED".into(),
    });
    assert_eq!(e.status(), Status::Unconnected);
    assert_eq!(
        events(&mut e),
        [
            Event::Error {
                code: ErrorCode::ConnectionRefused,
                message: "Connection refused".into()
            },
            Event::StateChanged(Status::Unconnected),
            Event::Disconnected("Connection refused".into()),
        ]
    );
}

#[test]
fn tcp_keeps_treating_emsgsize_as_a_broken_connection() {
    let mut e = Engine::new();
    e.connect(Some("127.0.0.1"), &PortArg::Number(9000.0), 0)
        .unwrap();
    let id = e.current_id().unwrap();
    e.handle(Input::Connected {
        id,
        local: addr("127.0.0.1:5000"),
        remote: addr("127.0.0.1:9000"),
    });
    events(&mut e);
    e.handle(Input::Failed {
        id,
        error: "EMSGSIZE".into(),
    });
    assert_eq!(e.status(), Status::Unconnected);
}
