//! docs/spec.md's `listen` for TCP, the bind failure known later, incoming connections, and
//! `accept(other)` (the engine's `adopt`).

mod common;

use common::*;
use kvsocket::engine::*;

// ----- listen ----------------------------------------------------------------------------------

#[test]
fn given_unconnected_when_listen_then_listening_and_one_listen_action() {
    let mut e = Engine::new();
    assert_eq!(e.listen(&port(0), Some(""), false), Ok(()));
    assert_eq!(e.status(), Status::Listening);
    assert_eq!(
        drain_events(&mut e),
        [Event::StateChanged(Status::Listening)]
    );
    let id = e.current_id().unwrap();
    assert_eq!(
        drain_actions(&mut e),
        [Action::Listen {
            id,
            addr: addr("0.0.0.0:0"),
            ipv6_only: false,
            protocol: Protocol::Tcp
        }]
    );
    assert_eq!(e.local(), None, "unknown until the host says Listening");
    assert_eq!(e.remote(), None);
    assert_eq!(e.poll_timeout(), None, "listening has no deadline");
}

#[test]
fn the_listening_input_sets_the_local_address() {
    let mut e = Engine::new();
    e.listen(&port(0), Some(""), false).unwrap();
    let id = e.current_id().unwrap();
    e.handle(Input::Listening {
        id: id + 100,
        local: addr("0.0.0.0:1"),
    });
    assert_eq!(e.local(), None, "a stale Listening is ignored");
    e.handle(Input::Listening {
        id,
        local: addr("0.0.0.0:43210"),
    });
    assert_eq!(e.local(), Some(addr("0.0.0.0:43210")));
    assert_eq!(e.status(), Status::Listening);
    assert_eq!(
        drain_events(&mut e),
        [
            Event::StateChanged(Status::Listening),
            Event::Listening {
                local: addr("0.0.0.0:43210")
            }
        ]
    );
    e.handle(Input::Listening {
        id,
        local: addr("0.0.0.0:43210"),
    });
    assert_eq!(
        drain_events(&mut e),
        [],
        "the same bind reported twice is told once"
    );
}

#[test]
fn listen_on_ipv6_interfaces() {
    for (port_, iface, force, expected, ipv6_only) in [
        (0, "", true, "[::]:0", true),
        // An IPv6 interface listens in IPv6 mode only, forceIpv6 or not ('::' as Qt's AnyIPv6).
        (6667, "::1", false, "[::1]:6667", true),
        (6667, "[::1]", false, "[::1]:6667", true),
        (6667, "::", false, "[::]:6667", true),
        (6667, "::", true, "[::]:6667", true),
        (7000, "127.0.0.1", false, "127.0.0.1:7000", false),
    ] {
        let mut e = Engine::new();
        e.listen(&port(port_), Some(iface), force).unwrap();
        let id = e.current_id().unwrap();
        assert_eq!(
            drain_actions(&mut e),
            [Action::Listen {
                id,
                addr: addr(expected),
                ipv6_only,
                protocol: Protocol::Tcp
            }],
            "{iface:?} force_ipv6={force}"
        );
    }
}

#[test]
fn listen_refuses_a_bad_port_or_interface_and_queues_nothing() {
    let cases = [
        (PortArg::Number(65536.0), Some(""), false, "port"),
        (PortArg::Number(-1.0), Some(""), false, "port"),
        (PortArg::Number(1.5), Some(""), false, "port"),
        (PortArg::Text("x".into()), Some(""), false, "port"),
        (PortArg::Other, Some(""), false, "port"),
        (port(0), Some("localhost"), false, "iface"),
        (port(0), Some("0.0.0.0.0"), false, "iface"),
        (port(0), None, false, "iface"),
        (port(0), Some("127.0.0.1"), true, "not ipv6"),
    ];
    for (p, iface, force, what) in cases {
        let mut e = Engine::new();
        let result = e.listen(&p, iface, force);
        match (what, &result) {
            ("port", Err(CommandError::InvalidPort { min: 0 })) => {}
            ("iface", Err(CommandError::InvalidInterface(_))) => {}
            ("not ipv6", Err(CommandError::NotIpv6Interface(i))) if i == "127.0.0.1" => {}
            _ => panic!("{p:?} {iface:?} {force}: {result:?}"),
        }
        assert_eq!(e.last_error(), result.unwrap_err().to_string());
        assert_eq!(e.status(), Status::Unconnected);
        assert_eq!(drain_events(&mut e), []);
        assert_eq!(drain_actions(&mut e), []);
    }
}

#[test]
fn listen_accepts_port_0_and_65535_and_numeric_strings() {
    for p in [
        port(0),
        port(65535),
        PortArg::Text("0".into()),
        PortArg::Text("8080".into()),
    ] {
        let mut e = Engine::new();
        assert_eq!(e.listen(&p, Some(""), false), Ok(()), "{p:?}");
    }
}

#[test]
fn given_listening_when_listen_failed_address_in_use_then_error_and_unconnected() {
    let mut e = Engine::new();
    e.listen(&port(6667), Some(""), false).unwrap();
    let id = e.current_id().unwrap();
    drain(&mut e);
    e.handle(Input::Failed {
        id,
        error: "EADDRINUSE".into(),
    });
    assert_eq!(
        drain_events(&mut e),
        [
            Event::Error {
                code: ErrorCode::AddressInUse,
                message: "Address already in use".into(),
                fatal: true,
            },
            Event::StateChanged(Status::Unconnected),
        ]
    );
    assert_eq!(drain_actions(&mut e), [Action::Abort { id }]);
    assert_eq!(e.status(), Status::Unconnected);
    assert_eq!(e.last_error(), "Address already in use");
    assert_eq!(e.listen(&port(6668), Some(""), false), Ok(()), "may retry");
}

#[test]
fn a_stale_listen_failed_is_ignored() {
    let (mut e, id) = listening_engine();
    e.handle(Input::Failed {
        id: id + 1,
        error: "EADDRINUSE".into(),
    });
    assert_eq!(e.status(), Status::Listening);
    assert_eq!(drain_events(&mut e), []);
}

#[test]
fn a_listening_server_that_fails_later_reports_the_error_and_stops() {
    let (mut e, id) = listening_engine();
    e.handle(Input::Failed {
        id,
        error: "EMFILE".into(),
    });
    assert_eq!(
        drain_events(&mut e),
        [
            Event::Error {
                code: ErrorCode::SocketResource,
                message: "Out of socket resources".into(),
                fatal: true,
            },
            Event::StateChanged(Status::Unconnected),
        ]
    );
}

// ----- incoming connections --------------------------------------------------------------------

#[test]
fn given_listening_when_handle_incoming_then_a_connected_child_and_incoming_connection() {
    let (mut server, id) = listening_engine();
    let mut child = server
        .handle_incoming(id, addr("127.0.0.1:4000"), addr("127.0.0.1:55555"))
        .expect("a child while listening on that id");
    assert_eq!(drain_events(&mut server), [Event::IncomingConnection]);
    assert_eq!(drain_actions(&mut server), []);
    assert_eq!(
        server.status(),
        Status::Listening,
        "the server keeps listening"
    );

    assert_eq!(child.status(), Status::Connected);
    assert_eq!(child.local(), Some(addr("127.0.0.1:4000")));
    assert_eq!(child.remote(), Some(addr("127.0.0.1:55555")));
    assert_eq!(
        drain_events(&mut child),
        [],
        "born connected: no stateChanged"
    );
    assert_eq!(drain_actions(&mut child), []);

    let child_id = child.current_id().unwrap();
    assert_eq!(child.write(b"HTTP/1.0 200 OK\r\n".to_vec()), 17);
    assert_eq!(
        drain_actions(&mut child),
        [Action::Send {
            id: child_id,
            data: b"HTTP/1.0 200 OK\r\n".to_vec(),
            to: None
        }]
    );
}

#[test]
fn the_child_inherits_the_servers_marks_and_timeout() {
    let (mut server, id) = listening_engine();
    server.set_high_water_mark(4.0).unwrap();
    server.set_receive_high_water_mark(2.0).unwrap();
    server.set_connect_timeout(1234.0).unwrap();
    let mut child = server
        .handle_incoming(id, addr(LOCAL), addr(REMOTE))
        .unwrap();
    let cid = child.current_id().unwrap();
    assert_eq!(child.connect_timeout(), 1234);
    received(&mut child, cid, b"abc");
    assert_eq!(
        drain_actions(&mut child),
        [Action::PauseReading { id: cid }]
    );
    child.write(vec![0; 5]);
    child.handle(Input::Sent { id: cid, len: 5 });
    assert!(drain_events(&mut child).contains(&Event::Drain));
}

#[test]
fn handle_incoming_for_another_id_or_when_not_listening_gives_nothing() {
    let (mut server, id) = listening_engine();
    assert!(server
        .handle_incoming(id + 1, addr(LOCAL), addr(REMOTE))
        .is_none());
    assert_eq!(drain_events(&mut server), []);
    for status in Status::ALL {
        if status == Status::Listening {
            continue;
        }
        let mut e = engine_in(status);
        let any_id = e.current_id().unwrap_or(1);
        assert!(
            e.handle_incoming(any_id, addr(LOCAL), addr(REMOTE))
                .is_none(),
            "{status:?}"
        );
        assert_eq!(drain_events(&mut e), [], "{status:?}");
    }
}

#[test]
fn a_child_not_accepted_is_closed_gracefully_after_its_output_is_flushed() {
    let (mut server, id) = listening_engine();
    let mut child = server
        .handle_incoming(id, addr(LOCAL), addr(REMOTE))
        .unwrap();
    let cid = child.current_id().unwrap();
    child.write(b"page".to_vec());
    child.close();
    assert_eq!(child.status(), Status::Closing);
    assert_eq!(
        drain_actions(&mut child),
        [
            Action::Send {
                id: cid,
                data: b"page".to_vec(),
                to: None
            },
            Action::Shutdown { id: cid },
        ]
    );
    child.handle(Input::Sent { id: cid, len: 4 });
    assert_eq!(
        drain_events(&mut child),
        [
            Event::StateChanged(Status::Closing),
            Event::StateChanged(Status::Unconnected),
            Event::Disconnected(String::new()),
        ]
    );
}

// ----- adopt (accept with another socket) ------------------------------------------------------

fn incoming_child() -> (Engine, ConnId) {
    let (mut server, id) = listening_engine();
    let child = server
        .handle_incoming(id, addr(LOCAL), addr(REMOTE))
        .unwrap();
    let cid = child.current_id().unwrap();
    (child, cid)
}

#[test]
fn adopt_moves_the_connection_its_bytes_and_its_actions() {
    let (mut child, cid) = incoming_child();
    received(&mut child, cid, b"GET / HTTP/1.0\r\n");
    child.write(b"early".to_vec());

    let mut adopter = Engine::new();
    assert_eq!(adopter.adopt(&mut child), Ok(()));
    assert_eq!(adopter.status(), Status::Connected);
    assert_eq!(
        adopter.current_id(),
        Some(cid),
        "the host keeps its transport"
    );
    assert_eq!(adopter.local(), Some(addr(LOCAL)));
    assert_eq!(adopter.remote(), Some(addr(REMOTE)));
    assert_eq!(adopter.bytes_available(), 16);
    assert_eq!(adopter.buffered_amount(), 5);
    assert_eq!(
        drain_actions(&mut adopter),
        [Action::Send {
            id: cid,
            data: b"early".to_vec(),
            to: None
        }]
    );
    assert_eq!(
        drain_events(&mut adopter),
        [Event::DataAvailable(16)],
        "the child's events move; no stateChanged for a socket born connected"
    );
    assert_eq!(adopter.read_text(None), "GET / HTTP/1.0\r\n");

    assert!(child.is_destroyed());
    assert_eq!(child.status(), Status::Unconnected);
    assert_eq!(child.current_id(), None);
    assert_eq!(child.write(b"x".to_vec()), 0);
    assert_eq!(drain_actions(&mut child), []);
    assert_eq!(drain_events(&mut child), []);

    // The adopter now owns the connection: inputs for it reach the adopter.
    adopter.handle(Input::Sent { id: cid, len: 5 });
    assert_eq!(adopter.buffered_amount(), 0);
    adopter.handle(Input::PeerClosed { id: cid });
    assert_eq!(
        drain_events(&mut adopter),
        [
            Event::StateChanged(Status::Unconnected),
            Event::Disconnected(String::new()),
        ]
    );
}

#[test]
fn an_adopter_that_reconnects_later_does_not_reuse_the_adopted_id() {
    let (mut child, cid) = incoming_child();
    let mut adopter = Engine::new();
    adopter.adopt(&mut child).unwrap();
    adopter.close();
    adopter.connect(Some("127.0.0.1"), &port(6667), 0).unwrap();
    assert_ne!(adopter.current_id(), Some(cid));
}

#[test]
fn adopt_refuses_when_the_adopter_is_not_unconnected() {
    for status in Status::ALL {
        if status == Status::Unconnected {
            continue;
        }
        let mut adopter = engine_in(status);
        let (mut child, _) = incoming_child();
        let result = adopter.adopt(&mut child);
        assert_eq!(
            result,
            Err(CommandError::WrongStatus {
                command: "accept",
                status: status.name()
            })
        );
        assert_eq!(adopter.status(), status);
        assert_eq!(adopter.last_error(), result.unwrap_err().to_string());
        assert_eq!(child.status(), Status::Connected, "the child is untouched");
        assert!(!child.is_destroyed());
    }
}

#[test]
fn adopt_refuses_when_the_adopter_is_udp() {
    let mut adopter = Engine::new();
    adopter.set_protocol("udp").unwrap();
    let (mut child, _) = incoming_child();
    assert!(matches!(
        adopter.adopt(&mut child),
        Err(CommandError::CannotAccept(_))
    ));
    assert_eq!(adopter.status(), Status::Unconnected);
    assert_eq!(child.status(), Status::Connected);
}

#[test]
fn adopt_refuses_a_connection_that_is_no_longer_open() {
    let (mut child, cid) = incoming_child();
    child.handle(Input::PeerClosed { id: cid });
    let mut adopter = Engine::new();
    assert!(matches!(
        adopter.adopt(&mut child),
        Err(CommandError::CannotAccept(_))
    ));
    let (mut child, _) = incoming_child();
    let mut first = Engine::new();
    first.adopt(&mut child).unwrap();
    assert!(matches!(
        adopter.adopt(&mut child),
        Err(CommandError::CannotAccept(_))
    ));
    assert_eq!(adopter.status(), Status::Unconnected);
}

#[test]
fn an_adopter_takes_a_paused_connection_and_can_resume_it() {
    let (mut server, id) = listening_engine();
    server.set_receive_high_water_mark(2.0).unwrap();
    let mut child = server
        .handle_incoming(id, addr(LOCAL), addr(REMOTE))
        .unwrap();
    let cid = child.current_id().unwrap();
    received(&mut child, cid, b"abc");
    let mut adopter = Engine::new();
    adopter.set_receive_high_water_mark(2.0).unwrap();
    adopter.adopt(&mut child).unwrap();
    assert_eq!(
        drain_actions(&mut adopter),
        [Action::PauseReading { id: cid }]
    );
    adopter.read_bytes(None);
    assert_eq!(
        drain_actions(&mut adopter),
        [Action::ResumeReading { id: cid }]
    );
}

#[test]
fn an_adopted_connection_never_has_an_id_the_adopter_used_before() {
    // The adopter had a connection of its own; its transport may still report after close().
    let (mut adopter, old) = connected_engine();
    adopter.close();
    drain(&mut adopter);
    let (mut child, cid) = incoming_child();
    adopter.adopt(&mut child).unwrap();
    assert_ne!(cid, old, "ids are unique across engines");
    adopter.handle(Input::Closed { id: old });
    assert_eq!(
        adopter.status(),
        Status::Connected,
        "a late input of the old transport does not end the adopted connection"
    );

    // Nor does the first of two connections adopted in turn.
    adopter.destroy();
    let mut adopter = Engine::new();
    let (mut first, first_id) = incoming_child();
    adopter.adopt(&mut first).unwrap();
    adopter.close();
    let (mut second, second_id) = incoming_child();
    adopter.adopt(&mut second).unwrap();
    assert_ne!(first_id, second_id);
    drain(&mut adopter);
    adopter.handle(Input::Closed { id: first_id });
    assert_eq!(adopter.status(), Status::Connected);
    assert_eq!(drain_events(&mut adopter), []);
}
