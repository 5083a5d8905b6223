//! Property tests of the Wisp codec and client (native only: proptest does not build for wasm).
//! Random packets round-trip; random bytes and every truncation are an error or a packet, never
//! a panic; byte streams split at random into writes and packets, and joined back, are
//! unchanged; the credit is never exceeded.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::HashMap;

use proptest::prelude::*;

use kvsocket::wisp::client::{Client, Config, Event, Transmit, MAX_DATA};
use kvsocket::wisp::packet::{Extension, Packet, HEADER_LEN};
use kvsocket::wisp::{PacketType, StreamType};

fn packet() -> impl Strategy<Value = Packet> {
    let stream = any::<u32>();
    prop_oneof![
        (stream, any::<bool>(), any::<u16>(), "[a-z0-9.é-]{0,20}").prop_map(
            |(stream, udp, port, host)| {
                Packet::Connect {
                    stream,
                    kind: if udp {
                        StreamType::Udp
                    } else {
                        StreamType::Tcp
                    },
                    port,
                    host,
                }
            }
        ),
        (stream, prop::collection::vec(any::<u8>(), 0..64))
            .prop_map(|(stream, payload)| Packet::Data { stream, payload }),
        (stream, any::<u32>()).prop_map(|(stream, credit)| Packet::Continue { stream, credit }),
        (stream, any::<u8>()).prop_map(|(stream, reason)| Packet::Close { stream, reason }),
        (
            stream,
            any::<u8>(),
            any::<u8>(),
            prop::collection::vec(
                (any::<u8>(), prop::collection::vec(any::<u8>(), 0..8)),
                0..4
            )
        )
            .prop_map(|(stream, major, minor, exts)| Packet::Info {
                stream,
                major,
                minor,
                extensions: exts
                    .into_iter()
                    .map(|(id, payload)| Extension { id, payload })
                    .collect(),
            }),
    ]
}

/// A client past a v1 handshake with `credit` per stream.
fn ready(credit: u32) -> Client {
    let mut c = Client::<Vec<u8>>::new(Config::default());
    c.receive(&Packet::Continue { stream: 0, credit }.encode());
    c
}

fn drain(c: &mut Client) -> (Vec<Packet>, Vec<Event>) {
    let packets = std::iter::from_fn(|| c.poll_transmit().map(Transmit::into_bytes))
        .map(|b| Packet::decode(&b).expect("the client sends valid packets"))
        .collect();
    (packets, std::iter::from_fn(|| c.poll_event()).collect())
}

proptest! {
    #[test]
    fn packets_round_trip(p in packet()) {
        prop_assert_eq!(Packet::decode(&p.encode()), Ok(p));
    }

    #[test]
    fn random_bytes_are_a_packet_or_an_error(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        // Bytes past a fixed-size payload are ignored (as the reference servers do): what
        // decodes, re-encodes to a packet that decodes the same.
        if let Ok(p) = Packet::decode(&bytes) {
            prop_assert_eq!(Packet::decode(&p.encode()), Ok(p));
        }
    }

    #[test]
    fn every_truncation_is_a_packet_or_an_error(p in packet(), cut in any::<prop::sample::Index>()) {
        let bytes = p.encode();
        let short = &bytes[..cut.index(bytes.len())];
        let decoded = Packet::decode(short);
        if short.len() < HEADER_LEN {
            prop_assert!(decoded.is_err());
        }
        if matches!(p, Packet::Continue { .. } | Packet::Close { .. }) {
            prop_assert!(decoded.is_err(), "a fixed-size packet cut short: {:?}", decoded);
        }
    }

    /// Random messages at any phase of a client (fresh, v1, v2 mid-handshake) never panic, and
    /// what it sends back is always valid.
    #[test]
    fn a_client_survives_random_messages(
        phase in 0..3u8,
        messages in prop::collection::vec(
            prop_oneof![
                prop::collection::vec(any::<u8>(), 0..24),
                packet().prop_map(|p| p.encode()),
            ],
            0..24,
        ),
    ) {
        let mut c = Client::<Vec<u8>>::new(Config::default());
        match phase {
            1 => { c.receive(&Packet::Continue { stream: 0, credit: 3 }.encode()); }
            2 => { c.receive(&Packet::Info { stream: 0, major: 2, minor: 0, extensions: vec![] }.encode()); }
            _ => {}
        }
        let s = c.open(StreamType::Tcp, "h", 1);
        for m in &messages {
            c.receive(m);
            c.send(s, b"x".to_vec());
        }
        let (_, events) = drain(&mut c);
        // A failed connection says so once, after every stream's Closed.
        let failed = events.iter().filter(|e| matches!(e, Event::Failed { .. })).count();
        prop_assert!(failed <= 1);
    }

    /// Writes of random sizes, CONTINUEs of random credit: the DATA packets on the wire join to
    /// exactly the bytes written, none is larger than MAX_DATA, never more are in flight than
    /// the last credit allowed, and Sent adds up to what left.
    #[test]
    fn writes_split_and_join_unchanged_within_the_credit(
        writes in prop::collection::vec(1..(2 * MAX_DATA + 7), 1..6),
        credits in prop::collection::vec(0..4u32, 1..40),
    ) {
        let mut c = ready(credits[0]);
        let s = c.open(StreamType::Tcp, "h", 1);
        let mut written = Vec::new();
        for (i, n) in writes.iter().enumerate() {
            let chunk: Vec<u8> = (0..*n).map(|j| (i * 31 + j) as u8).collect();
            written.extend_from_slice(&chunk);
            c.send(s, chunk.clone());
        }
        c.close(s);
        let mut wire = Vec::new();
        let mut sent = 0;
        let mut closed = false;
        let mut credit = credits[0];
        for next in credits.iter().skip(1).chain(std::iter::repeat_n(&4, 200)) {
            let (packets, events) = drain(&mut c);
            let data = packets.iter().filter(|p| p.kind() == PacketType::Data).count() as u32;
            prop_assert!(data <= credit, "{} DATA packets on a credit of {}", data, credit);
            for p in packets {
                match p {
                    Packet::Data { payload, .. } => {
                        prop_assert!(payload.len() <= MAX_DATA);
                        wire.extend_from_slice(&payload);
                    }
                    Packet::Close { .. } => closed = true,
                    _ => {}
                }
            }
            for e in events {
                if let Event::Sent { len, .. } = e { sent += len; }
            }
            if closed { break; }
            credit = *next;
            c.receive(&Packet::Continue { stream: s, credit }.encode());
        }
        prop_assert!(closed);
        prop_assert_eq!(sent, written.len());
        prop_assert!(wire == written, "the bytes on the wire differ from those written");
    }

    /// Streams' bytes split at random into DATA packets, interleaved at random: routed by
    /// header, each stream's payloads join to its bytes.
    #[test]
    fn received_packets_route_to_their_streams(
        pieces in prop::collection::vec((0..3usize, prop::collection::vec(any::<u8>(), 0..40)), 0..40),
    ) {
        let mut c = ready(1);
        let ids: Vec<u32> = (0..3).map(|_| c.open(StreamType::Tcp, "h", 1)).collect();
        let mut expected: HashMap<u32, Vec<u8>> = HashMap::new();
        let mut got: HashMap<u32, Vec<u8>> = HashMap::new();
        for (which, bytes) in pieces {
            let stream = ids[which];
            expected.entry(stream).or_default().extend_from_slice(&bytes);
            let message = Packet::Data { stream, payload: bytes }.encode();
            let routed = c.receive(&message);
            prop_assert_eq!(routed, Some(stream));
            got.entry(stream).or_default().extend_from_slice(&message[HEADER_LEN..]);
        }
        prop_assert_eq!(got, expected);
    }
}
