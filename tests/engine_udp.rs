//! docs/spec.md's UDP: `setProtocol`, connect, one write one datagram, reads that take from the
//! oldest datagram only, and a bound socket answering the sender of the datagram last read.

mod common;

use common::*;
use kvsocket::engine::*;

fn datagram(e: &mut Engine, id: ConnId, data: &[u8], from: &str) {
    e.handle(Input::Received {
        id,
        data: data.to_vec(),
        from: Some(addr(from)),
    });
}

// ----- setProtocol -----------------------------------------------------------------------------

#[test]
fn set_protocol_takes_tcp_or_udp_in_any_case() {
    let mut e = Engine::new();
    assert_eq!(e.protocol(), Protocol::Tcp, "TCP by default");
    for (name, expected) in [
        ("udp", Protocol::Udp),
        ("TCP", Protocol::Tcp),
        ("Udp", Protocol::Udp),
        ("tcp", Protocol::Tcp),
    ] {
        assert_eq!(e.set_protocol(name), Ok(()), "{name}");
        assert_eq!(e.protocol(), expected);
    }
    assert_eq!(Protocol::Udp.name(), "udp");
    assert_eq!(Protocol::Tcp.name(), "tcp");
}

#[test]
fn set_protocol_refuses_other_names() {
    let mut e = Engine::new();
    for name in ["sctp", "", "udp ", "tcp6"] {
        assert_eq!(
            e.set_protocol(name),
            Err(CommandError::UnknownProtocol(name.into()))
        );
        assert_eq!(e.protocol(), Protocol::Tcp);
    }
    assert!(e.last_error().contains("tcp6"));
}

#[test]
fn set_protocol_only_while_unconnected() {
    for status in Status::ALL {
        if status == Status::Unconnected {
            continue;
        }
        let mut e = engine_in(status);
        let before = e.protocol();
        let other = if before == Protocol::Tcp {
            "udp"
        } else {
            "tcp"
        };
        assert_eq!(
            e.set_protocol(other),
            Err(CommandError::WrongStatus {
                command: "setProtocol",
                status: status.name()
            })
        );
        assert_eq!(e.protocol(), before, "{status:?}");
        assert_eq!(drain_events(&mut e), []);
        assert_eq!(drain_actions(&mut e), []);
    }
}

// ----- connected UDP ---------------------------------------------------------------------------

#[test]
fn given_udp_when_connect_then_connect_action_for_udp_and_connected_on_the_input() {
    let mut e = Engine::new();
    e.set_protocol("udp").unwrap();
    e.connect(Some("127.0.0.1"), &port(5353), 0).unwrap();
    let id = e.current_id().unwrap();
    assert_eq!(
        drain_actions(&mut e),
        [Action::Connect {
            id,
            addr: addr("127.0.0.1:5353"),
            protocol: Protocol::Udp
        }]
    );
    e.handle(Input::Connected {
        id,
        local: addr(LOCAL),
        remote: addr("127.0.0.1:5353"),
    });
    assert_eq!(
        drain_events(&mut e),
        [
            Event::StateChanged(Status::Connecting),
            Event::StateChanged(Status::Connected),
            Event::Connected
        ]
    );
    assert_eq!(e.status(), Status::Connected);
    assert_eq!(e.remote(), Some(addr("127.0.0.1:5353")));
}

#[test]
fn given_udp_when_connect_by_name_then_resolve_then_a_udp_connect() {
    let mut e = Engine::new();
    e.set_protocol("udp").unwrap();
    e.connect(Some("ntp.example"), &port(123), 0).unwrap();
    let id = e.current_id().unwrap();
    assert_eq!(
        drain_actions(&mut e),
        [Action::Resolve {
            id,
            host: "ntp.example".into()
        }]
    );
    e.handle(Input::Resolved {
        id,
        addrs: vec![ip("192.0.2.9")],
    });
    let attempt = e.current_id().unwrap();
    assert_eq!(
        drain_actions(&mut e),
        [Action::Connect {
            id: attempt,
            addr: addr("192.0.2.9:123"),
            protocol: Protocol::Udp
        }]
    );
}

#[test]
fn one_write_is_one_send_action_is_one_datagram() {
    let (mut e, id) = connected_udp_engine();
    assert_eq!(e.write(b"first".to_vec()), 5);
    assert_eq!(e.write(b"second".to_vec()), 6);
    assert_eq!(
        drain_actions(&mut e),
        [
            Action::Send {
                id,
                data: b"first".to_vec(),
                to: None
            },
            Action::Send {
                id,
                data: b"second".to_vec(),
                to: None
            },
        ]
    );
}

#[test]
fn each_received_is_one_datagram_and_a_read_takes_from_the_oldest_only() {
    let (mut e, id) = connected_udp_engine();
    datagram(&mut e, id, b"hello", REMOTE);
    datagram(&mut e, id, b"world!", REMOTE);
    assert_eq!(
        drain_events(&mut e),
        [Event::DataAvailable(5), Event::DataAvailable(11)]
    );
    assert_eq!(e.bytes_available(), 11);
    assert_eq!(e.read_text(Some(3)), "hel", "never mixes two datagrams");
    assert_eq!(
        e.bytes_available(),
        6,
        "what did not fit in length is discarded"
    );
    assert_eq!(e.read_text(None), "world!");
    assert_eq!(e.read_text(None), "", "no datagram left");
}

#[test]
fn a_read_longer_than_the_datagram_takes_only_that_datagram() {
    let (mut e, id) = connected_udp_engine();
    datagram(&mut e, id, b"ab", REMOTE);
    datagram(&mut e, id, b"cd", REMOTE);
    assert_eq!(e.read_bytes(Some(100)), b"ab");
    assert_eq!(e.read_hex(None), "6364");
}

#[test]
fn a_received_without_sender_on_a_connected_socket_is_from_the_peer() {
    let (mut e, id) = connected_udp_engine();
    e.handle(Input::Received {
        id,
        data: b"x".to_vec(),
        from: None,
    });
    assert_eq!(e.read_text(None), "x");
    assert_eq!(e.remote(), Some(addr(REMOTE)));
}

#[test]
fn a_datagram_keeps_its_own_incomplete_utf8_as_u_fffd() {
    let (mut e, id) = connected_udp_engine();
    datagram(&mut e, id, &"€".as_bytes()[..2], REMOTE);
    assert_eq!(
        e.read_text(None),
        "\u{fffd}",
        "a datagram never continues in the next one"
    );
}

#[test]
fn closing_a_connected_udp_socket_ends_at_once() {
    let (mut e, id) = connected_udp_engine();
    e.write(b"unacknowledged".to_vec());
    drain_actions(&mut e);
    e.close();
    assert_eq!(e.status(), Status::Unconnected);
    assert_eq!(
        drain_events(&mut e),
        [
            Event::StateChanged(Status::Unconnected),
            Event::Disconnected(String::new())
        ]
    );
    assert_eq!(drain_actions(&mut e), [Action::Shutdown { id }]);
}

// ----- bound UDP -------------------------------------------------------------------------------

#[test]
fn given_udp_when_listen_then_bound_and_a_udp_listen_action() {
    let mut e = Engine::new();
    e.set_protocol("udp").unwrap();
    e.listen(&port(5000), Some(""), false).unwrap();
    assert_eq!(e.status(), Status::Bound);
    assert_eq!(drain_events(&mut e), [Event::StateChanged(Status::Bound)]);
    let id = e.current_id().unwrap();
    assert_eq!(
        drain_actions(&mut e),
        [Action::Listen {
            id,
            addr: addr("0.0.0.0:5000"),
            ipv6_only: false,
            protocol: Protocol::Udp
        }]
    );
    assert_eq!(e.local(), None);
    e.handle(Input::Listening {
        id,
        local: addr("0.0.0.0:5000"),
    });
    assert_eq!(e.local(), Some(addr("0.0.0.0:5000")));
}

#[test]
fn given_bound_when_write_before_any_datagram_was_read_then_0() {
    let (mut e, id) = bound_udp_engine();
    assert_eq!(e.write(b"to whom?".to_vec()), 0);
    assert!(!e.last_error().is_empty());
    datagram(&mut e, id, b"ping", "192.0.2.7:4444");
    assert_eq!(
        e.write(b"pong".to_vec()),
        0,
        "a datagram received but not read names no sender yet"
    );
    assert_eq!(drain_actions(&mut e), []);
    assert_eq!(e.remote(), None);
}

#[test]
fn given_bound_when_write_after_a_read_then_the_datagram_goes_to_the_last_sender() {
    let (mut e, id) = bound_udp_engine();
    datagram(&mut e, id, b"ping", "192.0.2.7:4444");
    datagram(&mut e, id, b"hi", "[2001:db8::2]:5555");
    assert_eq!(e.read_text(None), "ping");
    assert_eq!(e.remote(), Some(addr("192.0.2.7:4444")));
    assert_eq!(e.write(b"pong".to_vec()), 4);
    assert_eq!(e.read_text(None), "hi");
    assert_eq!(e.remote(), Some(addr("[2001:db8::2]:5555")));
    assert_eq!(e.write(b"hello".to_vec()), 5);
    assert_eq!(
        drain_actions(&mut e),
        [
            Action::Send {
                id,
                data: b"pong".to_vec(),
                to: Some(addr("192.0.2.7:4444"))
            },
            Action::Send {
                id,
                data: b"hello".to_vec(),
                to: Some(addr("[2001:db8::2]:5555"))
            },
        ]
    );
    e.handle(Input::Sent { id, len: 9 });
    assert_eq!(e.buffered_amount(), 0);
}

#[test]
fn given_bound_when_close_then_abort_and_unconnected() {
    let (mut e, id) = bound_udp_engine();
    e.close();
    assert_eq!(
        drain_events(&mut e),
        [Event::StateChanged(Status::Unconnected)]
    );
    assert_eq!(drain_actions(&mut e), [Action::Abort { id }]);
    assert_eq!(e.remote(), None);
    assert_eq!(e.local(), None);
}

#[test]
fn a_bind_failure_of_a_udp_socket_is_address_in_use() {
    let mut e = Engine::new();
    e.set_protocol("udp").unwrap();
    e.listen(&port(53), Some(""), false).unwrap();
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
            Event::StateChanged(Status::Unconnected)
        ]
    );
}

#[test]
fn a_bound_udp_socket_gets_no_incoming_connections() {
    let (mut e, id) = bound_udp_engine();
    assert!(e.handle_incoming(id, addr(LOCAL), addr(REMOTE)).is_none());
}

#[test]
fn stale_datagrams_are_ignored() {
    let (mut e, id) = bound_udp_engine();
    datagram(&mut e, id + 1, b"stale", REMOTE);
    assert_eq!(e.bytes_available(), 0);
    assert_eq!(drain_events(&mut e), []);
}

#[test]
fn given_bound_with_output_unsent_when_the_socket_fails_then_nothing_stays_buffered() {
    let (mut e, id) = bound_udp_engine();
    datagram(&mut e, id, b"ping", "192.0.2.7:4444");
    e.read_text(None);
    e.write(b"pong".to_vec());
    e.handle(Input::Failed {
        id,
        error: "ENETDOWN".into(),
    });
    assert_eq!(e.status(), Status::Unconnected);
    assert_eq!(
        drain_events(&mut e),
        [
            Event::DataAvailable(4),
            Event::Error {
                code: ErrorCode::Network,
                message: "Network unreachable".into(),
                fatal: true,
            },
            Event::StateChanged(Status::Unconnected)
        ]
    );
    assert_eq!(
        e.buffered_amount(),
        0,
        "bufferedAmount is 0 once Unconnected"
    );
}

#[test]
fn write_to_sends_a_datagram_from_a_bound_socket_to_the_address_given() {
    let (mut e, id) = bound_udp_engine();
    assert_eq!(e.write_to(b"hi".to_vec(), Some("127.0.0.1"), &port(9)), 2);
    assert_eq!(
        drain_actions(&mut e),
        [Action::Send {
            id,
            data: b"hi".to_vec(),
            to: Some(addr("127.0.0.1:9"))
        }]
    );
    assert_eq!(e.write_to(b"6".to_vec(), Some("[::1]"), &port(7)), 1);
    assert!(matches!(
        drain_actions(&mut e).as_slice(),
        [Action::Send { to: Some(to), .. }] if *to == addr("[::1]:7")
    ));
}

#[test]
fn write_to_refuses_names_bad_ports_and_sockets_that_are_not_bound() {
    let (mut e, _) = bound_udp_engine();
    assert_eq!(e.write_to(b"x".to_vec(), Some("localhost"), &port(9)), 0);
    assert!(
        e.last_error().contains("not an IP literal"),
        "{}",
        e.last_error()
    );
    assert_eq!(e.write_to(b"x".to_vec(), Some("127.0.0.1"), &port(0)), 0);
    assert!(e.last_error().contains("port"), "{}", e.last_error());
    assert_eq!(e.write_to(b"x".to_vec(), None, &port(9)), 0);
    assert_eq!(e.buffered_amount(), 0);
    assert!(drain_actions(&mut e).is_empty());

    let (mut c, _) = connected_udp_engine();
    assert_eq!(c.write_to(b"x".to_vec(), Some("127.0.0.1"), &port(9)), 0);
    assert!(
        c.last_error().contains("status Bound"),
        "{}",
        c.last_error()
    );
    let (mut t, _) = connected_engine();
    assert_eq!(t.write_to(b"x".to_vec(), Some("127.0.0.1"), &port(9)), 0);
}
