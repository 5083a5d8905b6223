//! docs/spec.md's `connect`: by IP literal and by name, several addresses, the event orders, the
//! connect timeout, stale inputs, and the validation of host and port.

mod common;

use common::*;
use kvsocket::engine::*;

// ----- by IP literal ---------------------------------------------------------------------------

#[test]
fn given_unconnected_when_connect_by_ipv4_literal_then_connecting_and_one_connect_action() {
    let mut e = Engine::new();
    assert_eq!(e.connect(Some("127.0.0.1"), &port(6667), 0), Ok(()));
    assert_eq!(e.status(), Status::Connecting);
    assert_eq!(
        drain_events(&mut e),
        [Event::StateChanged(Status::Connecting)]
    );
    let id = e.current_id().unwrap();
    assert_eq!(
        drain_actions(&mut e),
        [Action::Connect {
            id,
            addr: addr("127.0.0.1:6667"),
            protocol: Protocol::Tcp
        }]
    );
    assert_eq!(e.remote(), Some(addr("127.0.0.1:6667")));
    assert_eq!(
        e.local(),
        None,
        "no local address before the connection is up"
    );
}

#[test]
fn connect_by_ipv6_literal_bare_or_in_brackets_skips_the_lookup() {
    for host in ["::1", "[::1]"] {
        let mut e = Engine::new();
        e.connect(Some(host), &port(80), 0).unwrap();
        assert_eq!(e.status(), Status::Connecting, "{host}");
        let id = e.current_id().unwrap();
        assert_eq!(
            drain_actions(&mut e),
            [Action::Connect {
                id,
                addr: addr("[::1]:80"),
                protocol: Protocol::Tcp
            }],
            "{host}"
        );
    }
}

#[test]
fn connect_takes_a_numeric_string_port() {
    let mut e = Engine::new();
    e.connect(Some("10.0.0.1"), &PortArg::Text("6697".into()), 0)
        .unwrap();
    assert_eq!(e.remote(), Some(addr("10.0.0.1:6697")));
}

#[test]
fn given_connecting_when_connected_then_state_changed_then_connected_and_addresses_set() {
    let (mut e, id) = connecting_engine();
    e.handle(Input::Connected {
        id,
        local: addr(LOCAL),
        remote: addr(REMOTE),
    });
    assert_eq!(
        drain_events(&mut e),
        [Event::StateChanged(Status::Connected), Event::Connected]
    );
    assert_eq!(drain_actions(&mut e), []);
    assert_eq!(e.status(), Status::Connected);
    assert_eq!(e.local(), Some(addr(LOCAL)));
    assert_eq!(e.remote(), Some(addr(REMOTE)));
    assert_eq!(e.poll_timeout(), None, "no deadline once connected");
}

#[test]
fn given_connecting_when_connect_failed_refused_then_connect_failed_error_unconnected() {
    let (mut e, id) = connecting_engine();
    e.handle(Input::Failed {
        id,
        error: "ECONNREFUSED".into(),
    });
    assert_eq!(
        drain_events(&mut e),
        connect_failed(ErrorCode::ConnectionRefused)
    );
    assert_eq!(drain_actions(&mut e), [Action::Abort { id }]);
    assert_eq!(e.status(), Status::Unconnected);
    assert_eq!(e.last_error(), "Connection refused");
    assert_eq!(e.poll_timeout(), None);
    assert_eq!(e.remote(), None);
}

#[test]
fn a_failed_transport_while_connecting_is_a_connect_failure() {
    let (mut e, id) = connecting_engine();
    e.handle(Input::Failed {
        id,
        error: "ENETUNREACH".into(),
    });
    assert_eq!(drain_events(&mut e), connect_failed(ErrorCode::Network));
}

#[test]
fn after_a_connect_failure_the_socket_can_connect_again() {
    let (mut e, id) = connecting_engine();
    e.handle(Input::Failed {
        id,
        error: "ECONNREFUSED".into(),
    });
    drain(&mut e);
    assert_eq!(e.connect(Some("127.0.0.1"), &port(6667), 10), Ok(()));
    let new_id = e.current_id().unwrap();
    assert_ne!(new_id, id, "each attempt has its own id");
    assert_eq!(
        drain_events(&mut e),
        [Event::StateChanged(Status::Connecting)]
    );
}

// ----- by name ---------------------------------------------------------------------------------

#[test]
fn given_unconnected_when_connect_by_name_then_host_lookup_and_resolve_action() {
    let mut e = Engine::new();
    assert_eq!(e.connect(Some("irc.example.org"), &port(6667), 0), Ok(()));
    assert_eq!(e.status(), Status::HostLookUp);
    assert_eq!(
        drain_events(&mut e),
        [Event::StateChanged(Status::HostLookUp)]
    );
    let id = e.current_id().unwrap();
    assert_eq!(
        drain_actions(&mut e),
        [Action::Resolve {
            id,
            host: "irc.example.org".into()
        }]
    );
    assert_eq!(
        e.remote(),
        None,
        "no remote address before the name resolves"
    );
}

#[test]
fn a_trailing_dot_is_dropped_from_the_name_to_resolve() {
    let mut e = Engine::new();
    e.connect(Some("irc.example.org."), &port(6667), 0).unwrap();
    let id = e.current_id().unwrap();
    assert_eq!(
        drain_actions(&mut e),
        [Action::Resolve {
            id,
            host: "irc.example.org".into()
        }]
    );
}

#[test]
fn given_host_lookup_when_resolved_then_host_found_connecting_and_connect_to_the_first_address() {
    let (mut e, resolve_id) = lookup_engine();
    e.handle(Input::Resolved {
        id: resolve_id,
        addrs: vec![ip("192.0.2.1"), ip("2001:db8::1")],
    });
    assert_eq!(
        drain_events(&mut e),
        [Event::HostFound, Event::StateChanged(Status::Connecting)]
    );
    let attempt = e.current_id().unwrap();
    assert_eq!(
        drain_actions(&mut e),
        [Action::Connect {
            id: attempt,
            addr: addr("192.0.2.1:6667"),
            protocol: Protocol::Tcp
        }]
    );
    assert_eq!(e.remote(), Some(addr("192.0.2.1:6667")));
}

#[test]
fn connect_by_name_success_events_follow_specs_order() {
    let mut e = Engine::new();
    e.connect(Some("irc.example.org"), &port(6667), 0).unwrap();
    let resolve_id = e.current_id().unwrap();
    e.handle(Input::Resolved {
        id: resolve_id,
        addrs: vec![ip("192.0.2.1")],
    });
    let attempt = e.current_id().unwrap();
    e.handle(Input::Connected {
        id: attempt,
        local: addr(LOCAL),
        remote: addr("192.0.2.1:6667"),
    });
    assert_eq!(
        drain_events(&mut e),
        [
            Event::StateChanged(Status::HostLookUp),
            Event::HostFound,
            Event::StateChanged(Status::Connecting),
            Event::StateChanged(Status::Connected),
            Event::Connected,
        ]
    );
    assert_eq!(e.remote(), Some(addr("192.0.2.1:6667")));
}

#[test]
fn several_addresses_are_tried_in_order_and_connect_failed_reports_the_last_failure() {
    let (mut e, resolve_id) = lookup_engine();
    e.handle(Input::Resolved {
        id: resolve_id,
        addrs: vec![ip("192.0.2.1"), ip("2001:db8::1"), ip("192.0.2.3")],
    });
    drain_events(&mut e);
    let tried: Vec<_> = ["ECONNREFUSED", "ENETUNREACH", "ETIMEDOUT"]
        .iter()
        .map(|error| {
            let actions = drain_actions(&mut e);
            let [Action::Connect { id, addr, .. }] = actions.as_slice() else {
                panic!("one Connect action expected, got {actions:?}");
            };
            let id = *id;
            assert_eq!(e.current_id(), Some(id));
            e.handle(Input::Failed {
                id,
                error: error.to_string(),
            });
            *addr
        })
        .collect();
    assert_eq!(
        tried,
        [
            addr("192.0.2.1:6667"),
            addr("[2001:db8::1]:6667"),
            addr("192.0.2.3:6667")
        ]
    );
    assert_eq!(
        drain_events(&mut e),
        connect_failed(ErrorCode::SocketTimeout),
        "only the last failure is reported, with its code"
    );
    assert_eq!(e.status(), Status::Unconnected);
}

#[test]
fn when_the_first_address_fails_and_the_second_connects_then_connected_without_connect_failed() {
    let (mut e, resolve_id) = lookup_engine();
    e.handle(Input::Resolved {
        id: resolve_id,
        addrs: vec![ip("192.0.2.1"), ip("192.0.2.2")],
    });
    let first = e.current_id().unwrap();
    drain(&mut e);
    e.handle(Input::Failed {
        id: first,
        error: "ECONNREFUSED".into(),
    });
    assert_eq!(drain_events(&mut e), [], "no event between addresses");
    let second = e.current_id().unwrap();
    assert_ne!(second, first);
    assert_eq!(e.status(), Status::Connecting);
    assert_eq!(e.remote(), Some(addr("192.0.2.2:6667")));
    // A late answer for the first attempt is stale.
    e.handle(Input::Connected {
        id: first,
        local: addr(LOCAL),
        remote: addr("192.0.2.1:6667"),
    });
    assert_eq!(e.status(), Status::Connecting);
    assert_eq!(drain_events(&mut e), []);
    e.handle(Input::Connected {
        id: second,
        local: addr(LOCAL),
        remote: addr("192.0.2.2:6667"),
    });
    assert_eq!(
        drain_events(&mut e),
        [Event::StateChanged(Status::Connected), Event::Connected]
    );
}

#[test]
fn given_host_lookup_when_resolved_with_no_address_then_host_not_found() {
    let (mut e, id) = lookup_engine();
    e.handle(Input::Resolved { id, addrs: vec![] });
    assert_eq!(
        drain_events(&mut e),
        connect_failed(ErrorCode::HostNotFound)
    );
    assert_eq!(e.status(), Status::Unconnected);
    assert_eq!(e.last_error(), "Host not found");
}

#[test]
fn given_host_lookup_when_the_resolver_fails_then_host_not_found_unless_the_code_says_more() {
    for (error, code) in [
        ("ENOTFOUND", ErrorCode::HostNotFound),
        ("EAI_AGAIN", ErrorCode::HostNotFound),
        ("something odd", ErrorCode::HostNotFound),
        ("EACCES", ErrorCode::SocketAccess),
    ] {
        let (mut e, id) = lookup_engine();
        e.handle(Input::Failed {
            id,
            error: error.into(),
        });
        assert_eq!(drain_events(&mut e), connect_failed(code), "{error}");
    }
}

// ----- the connect timeout ---------------------------------------------------------------------

#[test]
fn the_connect_timeout_defaults_to_60_s_and_is_the_deadline_from_connect_time() {
    let mut e = Engine::new();
    assert_eq!(e.connect_timeout(), 60_000);
    assert_eq!(e.poll_timeout(), None, "no deadline while Unconnected");
    e.connect(Some("127.0.0.1"), &port(6667), 1_000).unwrap();
    assert_eq!(e.poll_timeout(), Some(61_000));
}

#[test]
fn given_connecting_when_the_deadline_passes_then_socket_timeout_and_abort() {
    let mut e = Engine::new();
    e.set_connect_timeout(5_000.0).unwrap();
    e.connect(Some("127.0.0.1"), &port(6667), 100).unwrap();
    let id = e.current_id().unwrap();
    drain(&mut e);
    assert_eq!(e.poll_timeout(), Some(5_100));

    e.handle_timeout(5_099);
    assert_eq!(drain_events(&mut e), [], "nothing before the deadline");
    assert_eq!(drain_actions(&mut e), []);
    assert_eq!(e.status(), Status::Connecting);

    e.handle_timeout(5_100);
    assert_eq!(
        drain_events(&mut e),
        connect_failed(ErrorCode::SocketTimeout)
    );
    assert_eq!(
        drain_actions(&mut e),
        [Action::Abort { id }],
        "exactly one Abort"
    );
    assert_eq!(e.poll_timeout(), None);
    // A late Connected for the abandoned attempt is stale.
    e.handle(Input::Connected {
        id,
        local: addr(LOCAL),
        remote: addr(REMOTE),
    });
    assert_eq!(e.status(), Status::Unconnected);
    assert_eq!(drain_events(&mut e), []);
}

#[test]
fn given_host_lookup_when_the_deadline_passes_then_socket_timeout_and_abort_of_the_lookup() {
    let mut e = Engine::new();
    e.set_connect_timeout(2_000.0).unwrap();
    e.connect(Some("slow.example"), &port(6667), 0).unwrap();
    let id = e.current_id().unwrap();
    drain(&mut e);
    e.handle_timeout(2_500);
    assert_eq!(
        drain_events(&mut e),
        connect_failed(ErrorCode::SocketTimeout)
    );
    assert_eq!(drain_actions(&mut e), [Action::Abort { id }]);
    e.handle(Input::Resolved {
        id,
        addrs: vec![ip("192.0.2.1")],
    });
    assert_eq!(drain_events(&mut e), [], "the late answer is stale");
    assert_eq!(drain_actions(&mut e), []);
}

#[test]
fn one_deadline_covers_the_lookup_and_every_address() {
    let mut e = Engine::new();
    e.set_connect_timeout(5_000.0).unwrap();
    e.connect(Some("irc.example.org"), &port(6667), 1_000)
        .unwrap();
    let resolve_id = e.current_id().unwrap();
    e.handle(Input::Resolved {
        id: resolve_id,
        addrs: vec![ip("192.0.2.1"), ip("192.0.2.2")],
    });
    assert_eq!(e.poll_timeout(), Some(6_000));
    let first = e.current_id().unwrap();
    e.handle_timeout(4_000);
    e.handle(Input::Failed {
        id: first,
        error: "ECONNREFUSED".into(),
    });
    assert_eq!(e.status(), Status::Connecting);
    assert_eq!(
        e.poll_timeout(),
        Some(6_000),
        "the next address gets what is left, not a new timeout"
    );
    drain(&mut e);
    let second = e.current_id().unwrap();
    e.handle_timeout(6_000);
    assert_eq!(
        drain_events(&mut e),
        connect_failed(ErrorCode::SocketTimeout)
    );
    assert_eq!(drain_actions(&mut e), [Action::Abort { id: second }]);
}

#[test]
fn handle_timeout_does_nothing_without_a_running_deadline() {
    for status in Status::ALL {
        if matches!(status, Status::HostLookUp | Status::Connecting) {
            continue;
        }
        let mut e = engine_in(status);
        e.handle_timeout(u64::MAX);
        assert_eq!(e.status(), status);
        assert_eq!(drain_events(&mut e), [], "{status:?}");
        assert_eq!(drain_actions(&mut e), [], "{status:?}");
    }
}

#[test]
fn set_connect_timeout_takes_positive_integers_only() {
    let mut e = Engine::new();
    for bad in [0.0, -1.0, 1.5, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        assert_eq!(
            e.set_connect_timeout(bad),
            Err(CommandError::NotPositive("connect timeout")),
            "{bad}"
        );
        assert_eq!(e.connect_timeout(), 60_000);
    }
    assert_eq!(
        e.last_error(),
        CommandError::NotPositive("connect timeout").to_string()
    );
    assert_eq!(e.set_connect_timeout(1.0), Ok(()));
    assert_eq!(e.connect_timeout(), 1);
}

#[test]
fn a_deadline_near_the_end_of_time_saturates() {
    let mut e = Engine::new();
    e.connect(Some("127.0.0.1"), &port(6667), u64::MAX - 5)
        .unwrap();
    assert_eq!(e.poll_timeout(), Some(u64::MAX));
}

// ----- stale inputs ----------------------------------------------------------------------------

#[test]
fn inputs_for_an_attempt_abandoned_by_close_are_ignored() {
    let (mut e, id) = connecting_engine();
    e.close();
    drain(&mut e);
    for input in [
        Input::Connected {
            id,
            local: addr(LOCAL),
            remote: addr(REMOTE),
        },
        Input::Failed {
            id,
            error: "ECONNREFUSED".into(),
        },
        Input::Received {
            id,
            data: b"late".to_vec(),
            from: None,
        },
        Input::Failed {
            id,
            error: "ECONNRESET".into(),
        },
        Input::PeerClosed { id },
        Input::Closed { id },
        Input::Sent { id, len: 4 },
    ] {
        e.handle(input.clone());
        assert_eq!(e.status(), Status::Unconnected, "{input:?}");
        assert_eq!(drain_events(&mut e), [], "{input:?}");
        assert_eq!(drain_actions(&mut e), [], "{input:?}");
        assert_eq!(e.bytes_available(), 0);
    }
}

#[test]
fn inputs_for_the_previous_connection_are_ignored_after_a_reconnect() {
    let (mut e, old) = connected_engine();
    e.close();
    e.connect(Some("127.0.0.1"), &port(6667), 0).unwrap();
    let new = e.current_id().unwrap();
    assert_ne!(new, old);
    drain(&mut e);
    received(&mut e, old, b"old");
    e.handle(Input::Failed {
        id: old,
        error: "ECONNRESET".into(),
    });
    e.handle(Input::Failed {
        id: old,
        error: "ECONNREFUSED".into(),
    });
    e.handle(Input::Connected {
        id: old,
        local: addr(LOCAL),
        remote: addr(REMOTE),
    });
    assert_eq!(e.status(), Status::Connecting);
    assert_eq!(drain_events(&mut e), []);
    assert_eq!(drain_actions(&mut e), []);
    assert_eq!(e.bytes_available(), 0);
    e.handle(Input::Connected {
        id: new,
        local: addr(LOCAL),
        remote: addr(REMOTE),
    });
    assert_eq!(e.status(), Status::Connected);
}

#[test]
fn given_a_new_connection_then_every_input_for_the_previous_one_is_ignored() {
    let (mut e, old) = connected_engine();
    e.close();
    e.connect(Some("127.0.0.1"), &port(6667), 0).unwrap();
    let new = e.current_id().unwrap();
    e.handle(Input::Connected {
        id: new,
        local: addr(LOCAL),
        remote: addr(REMOTE),
    });
    e.write(b"abc".to_vec());
    drain(&mut e);
    for input in [
        Input::Sent { id: old, len: 3 },
        Input::Received {
            id: old,
            data: b"old".to_vec(),
            from: None,
        },
        Input::PeerClosed { id: old },
        Input::Closed { id: old },
        Input::Failed {
            id: old,
            error: "ECONNRESET".into(),
        },
        Input::Failed {
            id: old,
            error: "EADDRINUSE".into(),
        },
    ] {
        e.handle(input.clone());
        assert_eq!(e.status(), Status::Connected, "{input:?}");
        assert_eq!(e.buffered_amount(), 3, "{input:?}");
        assert_eq!(e.bytes_available(), 0, "{input:?}");
        assert_eq!(drain_events(&mut e), [], "{input:?}");
        assert_eq!(drain_actions(&mut e), [], "{input:?}");
    }
}

#[test]
fn a_resolved_answer_for_a_connection_id_is_ignored() {
    let (mut e, id) = connected_engine();
    e.handle(Input::Resolved {
        id,
        addrs: vec![ip("192.0.2.1")],
    });
    assert_eq!(e.status(), Status::Connected);
    assert_eq!(drain_events(&mut e), []);
    assert_eq!(drain_actions(&mut e), []);
}

#[test]
fn the_resolve_id_is_stale_once_the_attempt_has_its_own_id() {
    let (mut e, resolve_id) = lookup_engine();
    e.handle(Input::Resolved {
        id: resolve_id,
        addrs: vec![ip("192.0.2.1")],
    });
    drain(&mut e);
    e.handle(Input::Failed {
        id: resolve_id,
        error: "ENOTFOUND".into(),
    });
    assert_eq!(e.status(), Status::Connecting);
    assert_eq!(drain_events(&mut e), []);
}

// ----- validation ------------------------------------------------------------------------------

fn assert_refused_cleanly(
    e: &mut Engine,
    result: Result<(), CommandError>,
    expected: CommandError,
) {
    assert_eq!(result, Err(expected.clone()));
    assert_eq!(e.last_error(), expected.to_string());
    assert_eq!(e.status(), Status::Unconnected);
    assert_eq!(e.current_id(), None);
    assert_eq!(e.poll_timeout(), None);
    assert_eq!(drain_events(e), [], "nothing queued");
    assert_eq!(drain_actions(e), [], "nothing queued");
}

#[test]
fn connect_refuses_a_port_outside_1_to_65535_or_not_an_integer() {
    let bad_ports = [
        PortArg::Number(0.0),
        PortArg::Number(65536.0),
        PortArg::Number(-1.0),
        PortArg::Number(1.5),
        PortArg::Number(f64::NAN),
        PortArg::Number(f64::INFINITY),
        PortArg::Text("".into()),
        PortArg::Text("0".into()),
        PortArg::Text("abc".into()),
        PortArg::Text("80a".into()),
        PortArg::Text(" 80".into()),
        PortArg::Text("65536".into()),
        PortArg::Other,
    ];
    for p in bad_ports {
        let mut e = Engine::new();
        let result = e.connect(Some("127.0.0.1"), &p, 0);
        assert_refused_cleanly(&mut e, result, CommandError::InvalidPort { min: 1 });
    }
    for ok in [
        PortArg::Number(1.0),
        PortArg::Number(65535.0),
        PortArg::Text("65535".into()),
    ] {
        let mut e = Engine::new();
        assert_eq!(e.connect(Some("127.0.0.1"), &ok, 0), Ok(()), "{ok:?}");
    }
}

#[test]
fn connect_refuses_a_host_that_is_not_an_ip_literal_or_an_rfc_1123_name() {
    let bad_hosts = [
        "",
        ".",
        "a..b",
        "-lead.example",
        "trail-.example",
        "under_score.example",
        "host name",
        "1.2.3.4.5",
        "256.1.1.1",
        "[::1",
        "::1]",
        "[127.0.0.1]",
        "123",
    ];
    for host in bad_hosts {
        let mut e = Engine::new();
        let result = e.connect(Some(host), &port(6667), 0);
        assert_refused_cleanly(&mut e, result, CommandError::InvalidHost(host.into()));
    }
    let mut e = Engine::new();
    let result = e.connect(None, &port(6667), 0);
    assert!(matches!(result, Err(CommandError::InvalidHost(_))));
    assert_refused_cleanly(&mut e, result.clone(), result.unwrap_err());
}

#[test]
fn a_host_of_64_character_label_or_over_253_characters_is_refused() {
    let long_label = format!("{}.example", "a".repeat(64));
    let long_name = format!("{}com", "a.".repeat(127));
    for host in [long_label, long_name] {
        let mut e = Engine::new();
        assert!(matches!(
            e.connect(Some(&host), &port(6667), 0),
            Err(CommandError::InvalidHost(_))
        ));
        assert_eq!(e.status(), Status::Unconnected);
    }
}

#[test]
fn a_refused_connect_leaves_an_earlier_connection_alone() {
    let (mut e, id) = connected_engine();
    let result = e.connect(Some("bad host"), &port(0), 0);
    assert_eq!(
        result,
        Err(CommandError::WrongStatus {
            command: "connect",
            status: "Connected"
        }),
        "the status is checked first"
    );
    assert_eq!(e.status(), Status::Connected);
    assert_eq!(e.current_id(), Some(id));
    assert_eq!(drain_events(&mut e), []);
    assert_eq!(drain_actions(&mut e), []);
}
