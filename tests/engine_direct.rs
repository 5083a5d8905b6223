//! The Direct Sockets constructors' rules on their options (src/engine/direct.rs): what each
//! refuses, with the words its TypeError says, and the backlog.

use kvsocket::engine::direct::DirectOptions;

#[test]
fn tcp_socket_refuses_a_short_keep_alive_an_unknown_transport_and_zero_buffers() {
    let ok = DirectOptions {
        keep_alive_delay: Some(1000.0),
        secure_transport: Some("starttls".into()),
        send_buffer_size: Some(65536.0),
        ..Default::default()
    };
    assert_eq!(ok.check_tcp(), Ok(()));
    for (options, words) in [
        (
            DirectOptions {
                keep_alive_delay: Some(999.0),
                ..Default::default()
            },
            "keepAliveDelay must be at least 1000 ms",
        ),
        (
            DirectOptions {
                keep_alive_delay: Some(f64::NAN),
                ..Default::default()
            },
            "keepAliveDelay must be at least 1000 ms",
        ),
        (
            DirectOptions {
                secure_transport: Some("yes".into()),
                ..Default::default()
            },
            "secureTransport must be 'off', 'on' or 'starttls', got \"yes\"",
        ),
        (
            DirectOptions {
                receive_buffer_size: Some(0.0),
                ..Default::default()
            },
            "receiveBufferSize must not be 0",
        ),
        (
            DirectOptions {
                dns_query_type: Some("ipv5".into()),
                ..Default::default()
            },
            "dnsQueryType must be 'ipv4' or 'ipv6', got \"ipv5\"",
        ),
    ] {
        assert_eq!(options.check_tcp(), Err(words.to_string()));
    }
}

#[test]
fn udp_socket_takes_one_mode_whole() {
    let given = |names: &'static [&'static str]| move |n: &str| names.contains(&n);
    let o = DirectOptions::default();
    assert_eq!(o.check_udp(given(&["remoteAddress", "remotePort"])), Ok(()));
    assert_eq!(o.check_udp(given(&["localAddress"])), Ok(()));
    assert_eq!(o.check_udp(given(&["localAddress", "localPort"])), Ok(()));
    let neither = "give either remoteAddress and remotePort (connected mode) or localAddress \
                   (bound mode)";
    assert_eq!(o.check_udp(given(&[])), Err(neither.into()));
    assert_eq!(
        o.check_udp(given(&["remoteAddress", "remotePort", "localAddress"])),
        Err(neither.into())
    );
    assert_eq!(
        o.check_udp(given(&["remoteAddress"])),
        Err("connected mode needs both remoteAddress and remotePort".into())
    );
}

#[test]
fn server_socket_backlog_defaults_and_refuses_what_is_not_a_positive_integer() {
    assert_eq!(DirectOptions::default().check_server(false), Ok(128));
    let with = |b: f64| DirectOptions {
        backlog: Some(b),
        ..Default::default()
    };
    assert_eq!(with(5.0).check_server(false), Ok(5));
    for bad in [0.0, -1.0, 1.5, f64::NAN, 1e12] {
        assert_eq!(
            with(bad).check_server(false),
            Err("backlog must be a positive integer".into()),
            "{bad}"
        );
    }
    assert_eq!(
        DirectOptions::default().check_server(true),
        Err("localPort must not be 0 (leave it out for any port)".into())
    );
}

#[test]
fn connect_refuses_half_open_a_bad_transport_and_tls_without_one() {
    let with = |secure: Option<&str>, half: Option<bool>| DirectOptions {
        secure_transport: secure.map(String::from),
        allow_half_open: half,
        ..Default::default()
    };
    assert_eq!(with(None, None).check_connect(false), Ok(()));
    assert_eq!(with(None, Some(false)).check_connect(false), Ok(()));
    assert_eq!(with(Some("on"), None).check_connect(true), Ok(()));
    assert_eq!(with(Some("starttls"), None).check_connect(true), Ok(()));
    for (options, tls, words) in [
        (with(None, Some(true)), false, "allowHalfOpen must be false"),
        (
            with(Some("maybe"), None),
            false,
            "secureTransport must be 'off', 'on' or 'starttls', got \"maybe\"",
        ),
        (
            with(None, None),
            true,
            "the tls option needs secureTransport 'on' or 'starttls'",
        ),
        (
            with(Some("off"), None),
            true,
            "the tls option needs secureTransport 'on' or 'starttls'",
        ),
    ] {
        let error = options.check_connect(tls).unwrap_err();
        assert!(error.starts_with(words), "{error}");
    }
}
