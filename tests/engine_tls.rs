//! The TLS phase (src/engine/socket/tls.rs, docs/spec.md TLS): with the `tls` option a connected
//! transport is not Connected until the host's handshake is `Secure`; a failed handshake is
//! connectFailed with the TLS error; `start_tls` upgrades a Connected socket.

mod common;

use common::*;
use kvsocket::engine::tls_options::{TlsHandshake, TlsOptions};
use kvsocket::engine::*;

/// The options of a handshake with every default: `servername` as given.
fn handshake(servername: &str) -> Box<TlsHandshake> {
    Box::new(TlsHandshake {
        servername: servername.into(),
        ca: vec![],
        reject_unauthorized: true,
        alpn: vec![],
    })
}

/// The options of the `StartTls` action among `actions`.
fn start_tls_options(actions: &[Action]) -> TlsHandshake {
    match actions
        .iter()
        .find(|a| matches!(a, Action::StartTls { .. }))
    {
        Some(Action::StartTls { tls, .. }) => (**tls).clone(),
        _ => panic!("no StartTls in {actions:?}"),
    }
}

/// `connect(host, 6697)` with the `tls` option `options`; a name resolves to `addrs`. Status
/// Connecting, queues drained; returns the attempt's id.
fn tls_connecting_with(options: TlsOptions, host: &str, addrs: &[&str]) -> (Engine, ConnId) {
    let mut e = Engine::new();
    e.set_tls(options);
    e.connect(Some(host), &port(6697), 0).unwrap();
    if !addrs.is_empty() {
        let lookup = e.current_id().unwrap();
        e.handle(Input::Resolved {
            id: lookup,
            addrs: addrs.iter().map(|a| ip(a)).collect(),
        });
    }
    let id = e.current_id().unwrap();
    drain(&mut e);
    (e, id)
}

fn tls_connecting() -> (Engine, ConnId) {
    tls_connecting_with(TlsOptions::on(true), "127.0.0.1", &[])
}

#[test]
fn tls_connect_stays_connecting_until_secure() {
    let (mut e, id) = tls_connecting();
    e.write(b"NICK kv\r\n".to_vec());
    connected(&mut e, id);
    assert_eq!(e.status(), Status::Connecting);
    assert_eq!(drain_events(&mut e), vec![]);
    // The host is asked to handshake; nothing written is sent before it is done.
    assert_eq!(
        drain_actions(&mut e),
        vec![Action::StartTls {
            id,
            tls: handshake("127.0.0.1")
        }]
    );
    assert!(!e.is_secure());

    e.handle(Input::Secure { id });
    assert_eq!(e.status(), Status::Connected);
    assert!(e.is_secure());
    assert_eq!(
        drain_events(&mut e),
        vec![Event::StateChanged(Status::Connected), Event::Connected]
    );
    assert_eq!(sent_bytes(&drain_actions(&mut e)), b"NICK kv\r\n");
    assert_eq!(e.remote(), Some(addr(REMOTE)));
}

#[test]
fn a_refused_certificate_is_connect_failed_with_its_name_and_no_next_address() {
    let (mut e, id) = tls_connecting_with(
        TlsOptions::on(true),
        "irc.example.org",
        &["127.0.0.1", "127.0.0.2"],
    );
    connected(&mut e, id);
    drain(&mut e);
    e.handle(Input::Failed {
        id,
        error: "TlsCertificateUnknownIssuer".into(),
    });
    assert_eq!(
        drain_events(&mut e),
        connect_failed(ErrorCode::TlsCertificateUnknownIssuer)
    );
    assert_eq!(drain_actions(&mut e), vec![Action::Abort { id }]);
    assert_eq!(e.status(), Status::Unconnected);
}

#[test]
fn node_tls_codes_are_classified_by_the_same_table() {
    for (host, code) in [
        (
            "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
            ErrorCode::TlsCertificateUnknownIssuer,
        ),
        (
            "ERR_TLS_CERT_ALTNAME_INVALID",
            ErrorCode::TlsCertificateNameMismatch,
        ),
        ("CERT_HAS_EXPIRED", ErrorCode::TlsCertificateExpired),
        ("ERR_SSL_WRONG_VERSION_NUMBER", ErrorCode::TlsProtocolError),
        (
            "ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE",
            ErrorCode::TlsHandshakeFailed,
        ),
        ("TlsCertificateExpired", ErrorCode::TlsCertificateExpired),
        // The page's TLS layer passes its module's errors as they are.
        ("TlsInvalidOptions", ErrorCode::TlsHandshakeFailed),
        ("TlsModuleUnavailable", ErrorCode::TlsHandshakeFailed),
    ] {
        assert_eq!(ErrorCode::from_host(host), code, "{host}");
    }
}

#[test]
fn a_transport_that_ends_mid_handshake_is_a_failed_handshake() {
    let (mut e, id) = tls_connecting();
    connected(&mut e, id);
    drain(&mut e);
    e.handle(Input::PeerClosed { id });
    assert_eq!(
        drain_events(&mut e),
        connect_failed(ErrorCode::TlsHandshakeFailed)
    );

    let (mut e, id) = tls_connecting();
    connected(&mut e, id);
    drain(&mut e);
    e.handle(Input::Failed {
        id,
        error: "ECONNRESET".into(),
    });
    assert_eq!(
        drain_events(&mut e),
        connect_failed(ErrorCode::TlsHandshakeFailed)
    );
}

#[test]
fn the_connect_timeout_covers_the_handshake() {
    let (mut e, id) = tls_connecting();
    connected(&mut e, id);
    drain(&mut e);
    e.handle_timeout(60_000);
    assert_eq!(
        drain_events(&mut e),
        connect_failed(ErrorCode::SocketTimeout)
    );
}

#[test]
fn start_tls_upgrades_a_connected_socket() {
    let (mut e, id) = connected_engine();
    received(&mut e, id, b"220 ready\r\n");
    drain(&mut e);
    assert_eq!(e.start_tls(&TlsOptions::default()), Ok(()));
    assert_eq!(
        drain_actions(&mut e),
        vec![Action::StartTls {
            id,
            tls: handshake("127.0.0.1")
        }]
    );
    // Twice is refused while the first runs, and once secure.
    assert!(e.start_tls(&TlsOptions::default()).is_err());
    assert_eq!(e.status(), Status::Connected);
    e.handle(Input::Secure { id });
    assert_eq!(drain_events(&mut e), vec![Event::Secure]);
    assert!(e.is_secure());
    assert!(e.start_tls(&TlsOptions::default()).is_err());
    // What arrived before stays readable as it was.
    assert_eq!(e.read_bytes(None), b"220 ready\r\n");
    // A failure after the upgrade is a broken connection named by the TLS error.
    e.handle(Input::Failed {
        id,
        error: "TlsError".into(),
    });
    let events = drain_events(&mut e);
    assert!(events.contains(&error(ErrorCode::TlsError)), "{events:?}");
    assert_eq!(e.status(), Status::Unconnected);
    assert!(!e.is_secure());
}

#[test]
fn start_tls_is_refused_unless_connected_tcp() {
    let mut e = Engine::new();
    let err = e.start_tls(&TlsOptions::default()).unwrap_err();
    assert_eq!(
        err.message(),
        "startTls needs status Connected, the socket is Unconnected"
    );
    let (mut e, _) = connected_udp_engine();
    assert!(e.start_tls(&TlsOptions::default()).is_err());
    let (mut e, _) = connecting_engine();
    assert!(e.start_tls(&TlsOptions::default()).is_err());
}

#[test]
fn without_tls_a_connect_is_connected_at_once() {
    let (mut e, id) = connecting_engine();
    connected(&mut e, id);
    assert_eq!(e.status(), Status::Connected);
    e.handle(Input::Secure { id }); // stale: no TLS asked for
    assert!(!e.is_secure());
}

#[test]
fn a_connection_that_breaks_during_start_tls_is_a_failed_handshake() {
    let (mut e, id) = connected_engine();
    e.start_tls(&TlsOptions::default()).unwrap();
    drain(&mut e);
    e.handle(Input::Failed {
        id,
        error: "ECONNRESET".into(),
    });
    let events = drain_events(&mut e);
    assert!(
        events.contains(&error(ErrorCode::TlsHandshakeFailed)),
        "{events:?}"
    );
    // Once secure, a broken connection is what it is.
    let (mut e, id) = connected_engine();
    e.start_tls(&TlsOptions::default()).unwrap();
    e.handle(Input::Secure { id });
    drain(&mut e);
    e.handle(Input::Failed {
        id,
        error: "ECONNRESET".into(),
    });
    assert!(drain_events(&mut e).contains(&error(ErrorCode::RemoteHostClosed)));
}

#[test]
fn the_tls_option_with_udp_is_refused() {
    let mut e = Engine::new();
    let options = Options {
        protocol: Some("udp".into()),
        tls: Some(kvsocket::engine::tls_options::TlsOptions {
            enabled: true,
            reject_unauthorized: true,
            ..Default::default()
        }),
        ..Options::default()
    };
    let err = e.configure(&options, 0).unwrap_err();
    assert_eq!(
        err.message(),
        "tls needs protocol tcp (DTLS is not supported)"
    );
}

#[test]
fn writes_during_start_tls_wait_in_the_engine_until_secure() {
    let (mut e, id) = connected_engine();
    e.start_tls(&TlsOptions::default()).unwrap();
    drain(&mut e);
    assert_eq!(e.write(b"EHLO x\r\n".to_vec()), 8);
    assert_eq!(e.write_held(held(4)), 4);
    assert_eq!(
        through(&mut e, 3, 1),
        Through::Queued,
        "not let through either"
    );
    assert_eq!(
        drain_actions(&mut e),
        [],
        "nothing goes before the handshake"
    );
    assert_eq!(e.buffered_amount(), 15);
    e.handle(Input::Secure { id });
    let actions = drain_actions(&mut e);
    assert_eq!(sent_bytes(&actions), b"EHLO x\r\n");
    assert_eq!(held_sends(&actions), [(id, 4), (id, 3)]);
    // close() during the handshake waits for it, then flushes and shuts down.
    let (mut e, id) = connected_engine();
    e.start_tls(&TlsOptions::default()).unwrap();
    e.write(b"QUIT\r\n".to_vec());
    e.close();
    drain(&mut e);
    assert_eq!(e.status(), Status::Closing);
    e.handle(Input::Secure { id });
    let actions = drain_actions(&mut e);
    assert_eq!(sent_bytes(&actions), b"QUIT\r\n");
    assert_eq!(actions.last(), Some(&Action::Shutdown { id }));
    assert!(
        !drain_events(&mut e).contains(&Event::Secure),
        "Closing: no secure event"
    );
}

#[test]
fn bytes_that_reach_the_engine_during_a_handshake_are_not_tls() {
    // startTls: the connection fails with TlsProtocolError, the bytes are not readable.
    let (mut e, id) = connected_engine();
    e.start_tls(&TlsOptions::default()).unwrap();
    drain(&mut e);
    assert!(e.received_held(id, held(5), b"hello"));
    let events = drain_events(&mut e);
    assert!(
        events.contains(&error(ErrorCode::TlsProtocolError)),
        "{events:?}"
    );
    assert_eq!(e.status(), Status::Unconnected);
    assert_eq!(e.bytes_available(), 0);
    // The tls option: a failed connect with the same code.
    let (mut e, id) = tls_connecting();
    connected(&mut e, id);
    drain(&mut e);
    received(&mut e, id, b"HTTP/1.1 400\r\n");
    assert_eq!(
        drain_events(&mut e),
        connect_failed(ErrorCode::TlsProtocolError)
    );
}

#[test]
fn the_servername_defaults_to_the_name_connected_to_else_the_remote_ip() {
    // A name: the name (as connect() was given it, less a trailing dot), whichever address
    // answered.
    let (mut e, id) = tls_connecting_with(TlsOptions::on(true), "irc.example.org.", &["127.0.0.1"]);
    connected(&mut e, id);
    assert_eq!(
        start_tls_options(&drain_actions(&mut e)),
        *handshake("irc.example.org")
    );

    // An accepted connection (no name): the peer's IP address as the host reported it, not
    // the name an earlier connect() of the accepting socket had.
    let (mut server, sid) = listening_engine();
    let mut child = server
        .handle_incoming(sid, addr("127.0.0.1:4000"), addr("[::1]:50000"))
        .unwrap();
    server.offer_open();
    let other_args = AcceptArgs {
        same: false,
        offered_destroyed: false,
        other_destroyed: false,
    };
    assert_eq!(server.accept(other_args), Ok(AcceptAs::Other));
    let (mut other, _) = lookup_engine(); // connect("irc.example.org", …)
    other.close();
    drain(&mut other);
    other.adopt(&mut child).unwrap();
    drain(&mut other);
    other.start_tls(&TlsOptions::default()).unwrap();
    assert_eq!(
        start_tls_options(&drain_actions(&mut other)),
        *handshake("::1")
    );
}

#[test]
fn the_handshake_carries_the_options_given() {
    // The tls option's object form, as the engine read it: each key as given.
    let options = TlsOptions {
        enabled: true,
        servername: Some("irc.example.org".into()),
        ca: vec!["PEM".into()],
        reject_unauthorized: false,
        alpn: vec!["irc".into()],
    };
    let (mut e, id) = tls_connecting_with(options.clone(), "127.0.0.1", &[]);
    connected(&mut e, id);
    let expected = TlsHandshake {
        servername: "irc.example.org".into(),
        ca: vec!["PEM".into()],
        reject_unauthorized: false,
        alpn: vec!["irc".into()],
    };
    assert_eq!(start_tls_options(&drain_actions(&mut e)), expected);

    // startTls(options): these options for this handshake, not the tls option's.
    let (mut e, _) = connected_engine();
    e.start_tls(&options).unwrap();
    assert_eq!(start_tls_options(&drain_actions(&mut e)), expected);

    // tls: false is no handshake.
    let (mut e, id) = tls_connecting_with(TlsOptions::on(false), "127.0.0.1", &[]);
    connected(&mut e, id);
    assert_eq!(e.status(), Status::Connected);
    assert!(!drain_actions(&mut e)
        .iter()
        .any(|a| matches!(a, Action::StartTls { .. })));
}

#[test]
fn a_tls_failure_the_host_does_not_name_is_classified_by_the_phase() {
    // The page's TLS layer reports a failed handshake without a name when its module gave
    // none: the engine names it by where the connection is, with the events and lastError()
    // that the name TlsHandshakeFailed gives.
    let outcome = |start: fn() -> (Engine, ConnId), name: &str| {
        let (mut e, id) = start();
        e.handle(Input::Failed {
            id,
            error: name.into(),
        });
        (drain_events(&mut e), e.last_error().to_string(), e.status())
    };
    let with_tls = || {
        let (mut e, id) = tls_connecting();
        connected(&mut e, id);
        drain(&mut e);
        (e, id)
    };
    let upgrading = || {
        let (mut e, id) = connected_engine();
        e.start_tls(&TlsOptions::default()).unwrap();
        drain(&mut e);
        (e, id)
    };
    let (events, last_error, status) = outcome(with_tls, "");
    assert_eq!(events, connect_failed(ErrorCode::TlsHandshakeFailed));
    assert_eq!(last_error, ErrorCode::TlsHandshakeFailed.message());
    assert_eq!(status, Status::Unconnected);
    assert_eq!(
        (events, last_error, status),
        outcome(with_tls, "TlsHandshakeFailed")
    );

    let (events, last_error, status) = outcome(upgrading, "");
    assert!(
        events.contains(&error(ErrorCode::TlsHandshakeFailed)),
        "{events:?}"
    );
    assert_eq!(last_error, ErrorCode::TlsHandshakeFailed.message());
    assert_eq!(status, Status::Unconnected);
    assert_eq!(
        (events, last_error, status),
        outcome(upgrading, "TlsHandshakeFailed")
    );
}
