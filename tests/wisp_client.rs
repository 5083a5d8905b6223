//! The Wisp codec and the client multiplexer (src/wisp/), by example: byte layouts, the v1 and
//! v2 handshakes, credit, closes and their error codes, and malformed input.

use kvsocket::engine::ErrorCode;
use kvsocket::wisp::client::{Client, Config, Event, Transmit, MAX_DATA};
use kvsocket::wisp::packet::{bytes_needed, ext, Extension, Header, Packet, PacketError};
use kvsocket::wisp::reason::close;
use kvsocket::wisp::{Counted, PacketType, StreamType};

fn transmitted(c: &mut Client) -> Vec<Packet> {
    std::iter::from_fn(|| c.poll_transmit().map(Transmit::into_bytes))
        .map(|bytes| Packet::decode(&bytes).expect("the client sends valid packets"))
        .collect()
}

fn events(c: &mut Client) -> Vec<Event> {
    std::iter::from_fn(|| c.poll_event()).collect()
}

fn feed(c: &mut Client, packet: Packet) -> Option<u32> {
    c.receive(&packet.encode())
}

fn v1(credit: u32) -> Client {
    let mut c = Client::<Vec<u8>>::new(Config::default());
    feed(&mut c, Packet::Continue { stream: 0, credit });
    assert_eq!(events(&mut c), [Event::Ready { version: 1 }]);
    c
}

fn info(extensions: Vec<Extension>) -> Packet {
    Packet::Info {
        stream: 0,
        major: 2,
        minor: 0,
        extensions,
    }
}

fn extension(id: u8, payload: &[u8]) -> Extension {
    Extension {
        id,
        payload: payload.to_vec(),
    }
}

fn data(stream: u32, payload: &[u8]) -> Packet {
    Packet::Data {
        stream,
        payload: payload.to_vec(),
    }
}

#[test]
fn packets_are_little_endian_type_then_stream_id() {
    let connect = Packet::Connect {
        stream: 0x0403_0201,
        kind: StreamType::Udp,
        port: 0x1f90,
        host: "é.x".into(),
    };
    let bytes = connect.encode();
    assert_eq!(
        bytes,
        [1, 1, 2, 3, 4, 2, 0x90, 0x1f, 0xc3, 0xa9, b'.', b'x']
    );
    assert_eq!(Packet::decode(&bytes), Ok(connect));
    let cont = Packet::Continue {
        stream: 7,
        credit: 0x0102_0304,
    };
    assert_eq!(cont.encode(), [3, 7, 0, 0, 0, 4, 3, 2, 1]);
    let close = Packet::Close {
        stream: 1,
        reason: 0x44,
    };
    assert_eq!(close.encode(), [4, 1, 0, 0, 0, 0x44]);
    let info = info(vec![extension(ext::PASSWORD, &[1])]);
    assert_eq!(info.encode(), [5, 0, 0, 0, 0, 2, 0, 2, 1, 0, 0, 0, 1]);
    assert_eq!(Packet::decode(&info.encode()), Ok(info));
}

#[test]
fn truncated_and_unknown_packets_are_errors_that_say_what() {
    assert_eq!(
        Packet::decode(&[3, 0, 0]),
        Err(PacketError::Truncated {
            what: "packet header",
            need: 5,
            got: 3
        })
    );
    assert_eq!(
        Packet::decode(&[3, 0, 0, 0, 0, 1]).unwrap_err().to_string(),
        "truncated Wisp CONTINUE: needs 9 bytes, got 6"
    );
    assert_eq!(
        Packet::decode(&[9, 0, 0, 0, 0]),
        Err(PacketError::UnknownType(9))
    );
    assert_eq!(
        Packet::decode(&[1, 1, 0, 0, 0, 3, 80, 0]),
        Err(PacketError::UnknownStreamType(3))
    );
    assert_eq!(
        Packet::decode(&[1, 1, 0, 0, 0, 1, 80, 0, 0xff]),
        Err(PacketError::HostNotUtf8)
    );
    // An extension record whose length runs past the packet.
    assert_eq!(
        Packet::decode(&[5, 0, 0, 0, 0, 2, 0, 1, 9, 0, 0, 0]),
        Err(PacketError::ExtensionTruncated { need: 14, got: 5 })
    );
    assert_eq!(
        Header::decode(&[2, 9, 0, 0, 0]).unwrap().kind,
        PacketType::Data
    );
    assert_eq!(bytes_needed(2, 70_000), 5);
    assert_eq!(bytes_needed(3, 9), 9);
}

#[test]
fn v1_handshake_opens_streams_asked_for_before_it() {
    let mut c = Client::<Vec<u8>>::new(Config::default());
    let a = c.open(StreamType::Tcp, "example.test", 80);
    assert!(
        transmitted(&mut c).is_empty(),
        "nothing before the server's hello"
    );
    feed(
        &mut c,
        Packet::Continue {
            stream: 0,
            credit: 32,
        },
    );
    assert_eq!(
        transmitted(&mut c),
        [Packet::Connect {
            stream: a,
            kind: StreamType::Tcp,
            port: 80,
            host: "example.test".into()
        }]
    );
    assert_eq!(
        events(&mut c),
        [Event::Ready { version: 1 }, Event::Opened { stream: a }]
    );
    assert!(c.server().udp, "protocol 1.2 servers carry UDP");
}

#[test]
fn v2_handshake_answers_info_and_waits_for_confirmation() {
    let mut c = Client::<Vec<u8>>::new(Config::default());
    feed(
        &mut c,
        info(vec![
            extension(ext::UDP, &[]),
            extension(ext::MOTD, b"hello"),
            extension(ext::STREAM_CONFIRMATION, &[]),
            extension(0x77, b"unknown ones are skipped"),
        ]),
    );
    assert_eq!(
        transmitted(&mut c),
        [info(vec![
            extension(ext::UDP, &[]),
            extension(ext::STREAM_CONFIRMATION, &[])
        ])]
    );
    let s = c.open(StreamType::Tcp, "127.0.0.1", 7);
    assert!(
        transmitted(&mut c).is_empty(),
        "waits for the CONTINUE on stream 0"
    );
    feed(
        &mut c,
        Packet::Continue {
            stream: 0,
            credit: 4,
        },
    );
    assert_eq!(transmitted(&mut c).len(), 1);
    assert_eq!(events(&mut c), [Event::Ready { version: 2 }]);
    assert_eq!(c.server().motd.as_deref(), Some("hello"));
    // Data may go before the confirmation; Opened waits for it.
    c.send(s, b"early".to_vec());
    assert_eq!(transmitted(&mut c), [data(s, b"early")]);
    assert_eq!(events(&mut c), [Event::Sent { stream: s, len: 5 }]);
    feed(
        &mut c,
        Packet::Continue {
            stream: s,
            credit: 4,
        },
    );
    assert_eq!(events(&mut c), [Event::Opened { stream: s }]);
    assert_eq!(feed(&mut c, data(s, b"reply")), Some(s));
    assert_eq!(
        c.receive(&data(s, b"reply").encode()[..5]),
        Some(s),
        "the header alone routes"
    );
    assert_eq!(
        c.route_data(s),
        Some(s),
        "so does the stream id (a JS host reads the header)"
    );
    assert_eq!(c.route_data(s + 1), None, "no stream: dropped");
}

#[test]
fn counted_payloads_are_cut_into_packets_by_length_only() {
    // A JS host keeps the bytes and the client counts them (Counted): the same cuts as bytes.
    let mut c = Client::<Counted>::new(Config::default());
    c.receive(
        &Packet::Continue {
            stream: 0,
            credit: 2,
        }
        .encode(),
    );
    let s = c.open(StreamType::Tcp, "h", 1);
    c.send(s, Counted(2 * MAX_DATA + 10));
    let lens: Vec<usize> = std::iter::from_fn(|| c.poll_transmit())
        .filter_map(|t| match t {
            Transmit::Data { payload, .. } => Some(payload.0),
            Transmit::Packet(_) => None,
        })
        .collect();
    assert_eq!(lens, [MAX_DATA, MAX_DATA], "two packets: the credit");
    c.receive(
        &Packet::Continue {
            stream: s,
            credit: 1,
        }
        .encode(),
    );
    assert!(matches!(
        c.poll_transmit(),
        Some(Transmit::Data {
            payload: Counted(10),
            ..
        })
    ));
}

#[test]
fn password_goes_in_our_info_when_the_server_asks() {
    let creds = Some(("ann".to_string(), "s3cret".to_string()));
    let mut c = Client::<Vec<u8>>::new(Config { credentials: creds });
    feed(&mut c, info(vec![extension(ext::PASSWORD, &[1])]));
    let sent = transmitted(&mut c);
    let Packet::Info { extensions, .. } = &sent[0] else {
        panic!("expected INFO, got {sent:?}")
    };
    let pw = extensions.iter().find(|e| e.id == ext::PASSWORD).unwrap();
    assert_eq!(pw.payload, b"\x03\x06\x00anns3cret");
    feed(
        &mut c,
        Packet::Close {
            stream: 0,
            reason: close::AUTH_BAD_PASSWORD,
        },
    );
    assert_eq!(
        events(&mut c),
        [Event::Failed {
            error: ErrorCode::ProxyConnectionRefused,
            detail: "the Wisp server rejected the username or password".into()
        }]
    );
}

#[test]
fn a_required_password_without_credentials_fails_every_stream() {
    let mut c = Client::<Vec<u8>>::new(Config::default());
    let s = c.open(StreamType::Tcp, "h", 1);
    feed(&mut c, info(vec![extension(ext::PASSWORD, &[1])]));
    assert_eq!(
        transmitted(&mut c),
        [Packet::Close {
            stream: 0,
            reason: close::AUTH_MISSING
        }]
    );
    let ev = events(&mut c);
    assert!(
        matches!(&ev[..], [Event::Closed { stream, error: Some(ErrorCode::ProxyConnectionRefused), detail }, Event::Failed { .. }]
            if *stream == s && detail.contains("requires a password")),
        "{ev:?}"
    );
    // Later streams fail at once.
    let t = c.open(StreamType::Tcp, "h", 1);
    assert!(matches!(&events(&mut c)[..], [Event::Closed { stream, .. }] if *stream == t));
}

#[test]
fn credit_bounds_the_packets_in_flight_and_the_sent_reports() {
    let mut c = v1(2);
    let s = c.open(StreamType::Tcp, "h", 1);
    transmitted(&mut c);
    events(&mut c);
    let bytes = vec![7u8; 3 * MAX_DATA + 10];
    c.send(s, bytes.clone());
    assert_eq!(transmitted(&mut c).len(), 2);
    assert_eq!(
        events(&mut c),
        [Event::Sent {
            stream: s,
            len: 2 * MAX_DATA
        }]
    );
    c.close(s);
    assert!(
        transmitted(&mut c).is_empty(),
        "the close waits behind the data"
    );
    feed(
        &mut c,
        Packet::Continue {
            stream: s,
            credit: 8,
        },
    );
    let out = transmitted(&mut c);
    assert_eq!(out.len(), 3);
    assert!(matches!(&out[1], Packet::Data { payload, .. } if payload.len() == 10));
    assert_eq!(
        out[2],
        Packet::Close {
            stream: s,
            reason: close::VOLUNTARY
        }
    );
    assert_eq!(
        events(&mut c),
        [
            Event::Sent {
                stream: s,
                len: MAX_DATA + 10
            },
            Event::Closed {
                stream: s,
                error: None,
                detail: String::new()
            }
        ]
    );
}

#[test]
fn udp_datagrams_are_one_packet_each_without_credit() {
    let mut c = v1(0);
    let s = c.open(StreamType::Udp, "h", 53);
    transmitted(&mut c);
    let big = vec![1u8; MAX_DATA + 1];
    c.send(s, big.clone());
    c.send(s, b"".to_vec());
    assert_eq!(transmitted(&mut c), [data(s, &big), data(s, b"")]);
}

#[test]
fn udp_is_refused_by_a_v2_server_without_the_extension() {
    let mut c = Client::<Vec<u8>>::new(Config::default());
    feed(&mut c, info(vec![]));
    feed(
        &mut c,
        Packet::Continue {
            stream: 0,
            credit: 1,
        },
    );
    let s = c.open(StreamType::Udp, "h", 53);
    assert_eq!(
        events(&mut c)[1..],
        [Event::Closed {
            stream: s,
            error: Some(ErrorCode::UnsupportedSocketOperation),
            detail: "the Wisp server does not carry UDP".into()
        }]
    );
}

#[test]
fn close_reasons_become_the_engine_error_codes() {
    let cases = [
        (close::VOLUNTARY, None),
        (close::UNREACHABLE, Some(ErrorCode::HostNotFound)),
        (close::REFUSED, Some(ErrorCode::ConnectionRefused)),
        (close::CONNECT_TIMEOUT, Some(ErrorCode::SocketTimeout)),
        (close::BLOCKED, Some(ErrorCode::ProxyDenied)),
        (close::THROTTLED, Some(ErrorCode::ProxyConnectionRefused)),
        (close::INVALID_INFO, Some(ErrorCode::ProxyConnectionRefused)),
        (close::NETWORK_ERROR, Some(ErrorCode::RemoteHostClosed)),
        (close::UNKNOWN, Some(ErrorCode::UnknownSocket)),
        (0x99, Some(ErrorCode::UnknownSocket)),
    ];
    for (reason, code) in cases {
        let mut c = v1(1);
        let s = c.open(StreamType::Tcp, "h", 1);
        events(&mut c);
        feed(&mut c, Packet::Close { stream: s, reason });
        let ev = events(&mut c);
        assert!(
            matches!(&ev[..], [Event::Closed { stream, error, .. }] if *stream == s && *error == code),
            "reason {reason:#x}: {ev:?}"
        );
        assert_eq!(c.stream_count(), 0);
        assert_eq!(
            feed(&mut c, data(s, b"late")),
            None,
            "data after the close is dropped"
        );
    }
}

#[test]
fn a_malformed_packet_fails_the_connection_and_every_stream() {
    let mut c = v1(1);
    let a = c.open(StreamType::Tcp, "h", 1);
    let b = c.open(StreamType::Udp, "h", 2);
    events(&mut c);
    assert_eq!(c.receive(&[3, 1, 0, 0, 0, 9]), None);
    let ev = events(&mut c);
    let closed: Vec<u32> = ev
        .iter()
        .filter_map(|e| match e {
            Event::Closed {
                stream,
                error: Some(ErrorCode::ProxyProtocol),
                ..
            } => Some(*stream),
            _ => None,
        })
        .collect();
    assert_eq!(closed, [a, b]);
    assert!(
        matches!(ev.last(), Some(Event::Failed { error: ErrorCode::ProxyProtocol, detail })
        if detail == "the Wisp server sent a malformed packet: truncated Wisp CONTINUE: needs 9 bytes, got 6")
    );
    assert!(c.is_failed());
}

#[test]
fn packets_before_the_handshake_are_a_protocol_error() {
    let mut c = Client::<Vec<u8>>::new(Config::default());
    feed(&mut c, data(1, b"x"));
    assert_eq!(c.receive(&data(1, b"x").encode()), None);
    feed(
        &mut c,
        Packet::Close {
            stream: 3,
            reason: 2,
        },
    );
    assert!(c.is_failed());
}

#[test]
fn a_lost_websocket_fails_every_stream_with_the_hosts_code() {
    let mut c = v1(1);
    let a = c.open(StreamType::Tcp, "h", 1);
    c.send(a, b"unsent?".to_vec());
    events(&mut c);
    c.connection_lost(
        ErrorCode::ProxyConnectionClosed,
        "the WebSocket closed (1006)",
    );
    assert_eq!(
        events(&mut c),
        [
            Event::Closed {
                stream: a,
                error: Some(ErrorCode::ProxyConnectionClosed),
                detail: "the WebSocket closed (1006)".into()
            },
            Event::Failed {
                error: ErrorCode::ProxyConnectionClosed,
                detail: "the WebSocket closed (1006)".into()
            }
        ]
    );
    assert_eq!(c.poll_transmit(), None::<Transmit<Vec<u8>>>);
}

#[test]
fn abort_tells_the_server_and_forgets_the_stream() {
    let mut c = v1(0);
    let s = c.open(StreamType::Tcp, "h", 1);
    c.send(s, b"never".to_vec());
    transmitted(&mut c);
    c.abort(s);
    assert_eq!(
        transmitted(&mut c),
        [Packet::Close {
            stream: s,
            reason: close::VOLUNTARY
        }]
    );
    events(&mut c);
    feed(
        &mut c,
        Packet::Continue {
            stream: s,
            credit: 9,
        },
    );
    assert!(transmitted(&mut c).is_empty());
    assert!(events(&mut c).is_empty());
}

#[test]
fn the_hosts_room_bounds_data_and_streams_take_turns() {
    let mut c = v1(100);
    let a = c.open(StreamType::Tcp, "h", 1);
    let b = c.open(StreamType::Tcp, "h", 2);
    transmitted(&mut c);
    events(&mut c);
    c.set_room(MAX_DATA);
    c.send(a, vec![1; 3 * MAX_DATA]);
    c.send(b, vec![2; MAX_DATA]);
    let streams = |ps: Vec<Packet>| ps.iter().map(Packet::stream).collect::<Vec<_>>();
    assert_eq!(streams(transmitted(&mut c)), [a], "one packet of room");
    assert!(c.wants_room());
    assert_eq!(
        events(&mut c),
        [Event::Sent {
            stream: a,
            len: MAX_DATA
        }]
    );
    c.set_room(3 * MAX_DATA);
    assert_eq!(streams(transmitted(&mut c)), [a, b, a], "in turn");
    assert!(!c.wants_room());
    // Control packets never wait for room.
    c.set_room(0);
    c.close(b);
    assert_eq!(
        transmitted(&mut c),
        [Packet::Close {
            stream: b,
            reason: close::VOLUNTARY
        }]
    );
    assert!(!c.wants_room(), "nothing waits");
}

// ----- the v2 offer and its fallback (the rule js/wisp/session.js kept before, issue 19) -------

#[test]
fn a_websocket_closed_before_open_is_opened_again_once_without_the_v2_offer() {
    use kvsocket::wisp::client::SUBPROTOCOL;
    let mut c = Client::<Vec<u8>>::new(Config::default());
    assert_eq!(c.subprotocol(), SUBPROTOCOL);
    assert_eq!(SUBPROTOCOL, "wisp-v2");
    // The first WebSocket did not open while offering v2: try once more without the offer.
    assert!(c.retry_without_v2(false));
    assert_eq!(c.subprotocol(), "");
    // The second did not open either: no more tries (the host fails the streams).
    assert!(!c.retry_without_v2(false));
    // A v1 server on the second WebSocket: the handshake goes on as usual.
    feed(
        &mut c,
        Packet::Continue {
            stream: 0,
            credit: 8,
        },
    );
    assert_eq!(events(&mut c), [Event::Ready { version: 1 }]);
}

#[test]
fn a_websocket_that_had_opened_is_not_retried() {
    let mut c = Client::<Vec<u8>>::new(Config::default());
    assert!(!c.retry_without_v2(true));
    assert_eq!(c.subprotocol(), "wisp-v2", "the offer stands");
    // Nor one whose connection already went on (a server that spoke first).
    let mut c = v1(8);
    assert!(!c.retry_without_v2(false));
}

#[test]
fn a_connection_is_idle_when_no_stream_is_left() {
    // The rule js/wisp/session.js applied to its own map of streams before (issue 19): the host
    // closes an idle connection's WebSocket.
    let mut c = v1(8);
    assert!(c.idle(), "no stream yet");
    let a = c.open(StreamType::Tcp, "h", 1);
    let b = c.open(StreamType::Tcp, "h", 2);
    assert!(!c.idle());
    c.abort(a);
    assert!(!c.idle(), "b is still open");
    // The server ends b: no stream left.
    feed(
        &mut c,
        Packet::Close {
            stream: b,
            reason: close::VOLUNTARY,
        },
    );
    assert!(matches!(&events(&mut c)[..], [.., Event::Closed { stream, .. }] if *stream == b));
    assert!(c.idle());
}

/// A v2 connection whose server offered `extensions`, with TCP stream 1 open (confirmed).
fn v2_open(extensions: Vec<Extension>) -> (Client, Vec<Packet>) {
    let mut c = Client::<Vec<u8>>::new(Config::default());
    feed(&mut c, info(extensions));
    let ours = transmitted(&mut c);
    feed(
        &mut c,
        Packet::Continue {
            stream: 0,
            credit: 8,
        },
    );
    let stream = c.open(StreamType::Tcp, "127.0.0.1", 7000);
    feed(&mut c, Packet::Continue { stream, credit: 8 });
    transmitted(&mut c);
    events(&mut c);
    (c, ours)
}

#[test]
fn receive_pause_is_agreed_when_offered_and_sent_as_pause_packets() {
    let offered = vec![
        extension(ext::STREAM_CONFIRMATION, &[]),
        extension(ext::RECEIVE_PAUSE, &[]),
    ];
    let (mut c, ours) = v2_open(offered);
    let Packet::Info { extensions, .. } = &ours[0] else {
        panic!("expected INFO, got {ours:?}")
    };
    assert!(extensions.iter().any(|e| e.id == ext::RECEIVE_PAUSE));
    c.pause(1, true);
    c.pause(1, false);
    let sent = transmitted(&mut c);
    assert_eq!(
        sent,
        [
            Packet::Pause {
                stream: 1,
                paused: true
            },
            Packet::Pause {
                stream: 1,
                paused: false
            }
        ]
    );
    assert_eq!(sent[0].encode(), [0x70, 1, 0, 0, 0, 1]);
    assert_eq!(PacketType::from_byte(0x70), Ok(PacketType::Pause));
}

#[test]
fn without_the_offer_a_pause_sends_nothing_and_our_info_does_not_list_it() {
    let (mut c, ours) = v2_open(vec![extension(ext::STREAM_CONFIRMATION, &[])]);
    let Packet::Info { extensions, .. } = &ours[0] else {
        panic!("expected INFO, got {ours:?}")
    };
    assert!(!extensions.iter().any(|e| e.id == ext::RECEIVE_PAUSE));
    c.pause(1, true);
    assert_eq!(transmitted(&mut c), []);
}
