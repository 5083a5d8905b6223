//! The Wisp numbers JavaScript reads (src/wisp/codes.rs, `wispCodes()`): every packet
//! type, stream type and CLOSE reason the codec knows is listed, under its group, with the codec's value, and
//! no name is listed twice; the values are the protocol's (its document's numbers, typed here as
//! the test's own oracle).

use std::collections::HashSet;

use kvsocket::wisp::codes::{push_text, CODES};
use kvsocket::wisp::reason::describe;
use kvsocket::wisp::{PacketType, StreamType, HEADER_LEN, MAX_DATA};

/// Every code as JS names it: `group.NAME`, or `NAME` for a size.
fn all() -> Vec<(String, u32)> {
    let mut text = String::new();
    push_text(&mut text, CODES);
    let words: Vec<&str> = text.split(' ').collect();
    assert_eq!(words.len() % 2, 0, "name value pairs: {text}");
    words
        .chunks(2)
        .map(|pair| (pair[0].to_string(), pair[1].parse().unwrap()))
        .collect()
}

fn value(name: &str) -> Option<u32> {
    all().into_iter().find(|(n, _)| n == name).map(|(_, v)| v)
}

fn count(prefix: &str) -> usize {
    all().iter().filter(|(n, _)| n.starts_with(prefix)).count()
}

#[test]
fn names_and_values_pair_up() {
    for (group, names, values) in CODES {
        assert_eq!(names.split(' ').count(), values.len(), "group {group:?}");
        assert!(names.split(' ').all(|n| !n.is_empty()), "group {group:?}");
    }
}

#[test]
fn names_are_unique_and_grouped() {
    let mut seen = HashSet::new();
    for (name, _) in all() {
        let group = name.split_once('.').map(|(g, _)| g);
        assert!(
            matches!(group, None | Some("type" | "stream" | "ext" | "close")),
            "{name}: unknown group"
        );
        assert!(seen.insert(name.clone()), "{name} listed twice");
    }
}

#[test]
fn every_packet_type_is_listed() {
    let mut n = 0;
    for byte in 0..=255u8 {
        if let Ok(kind) = PacketType::from_byte(byte) {
            n += 1;
            let name = ["type.", kind.name()].concat();
            assert_eq!(value(&name), Some(u32::from(byte)), "{name}");
        }
    }
    assert_eq!(count("type."), n, "a type the codec does not decode");
}

#[test]
fn every_stream_type_is_listed() {
    let mut n = 0;
    for byte in 0..=255u8 {
        if let Ok(kind) = StreamType::from_byte(byte) {
            n += 1;
            let name = if kind == StreamType::Tcp {
                "stream.TCP"
            } else {
                "stream.UDP"
            };
            assert_eq!(value(name), Some(u32::from(byte)), "{name}");
        }
    }
    assert_eq!(count("stream."), n);
}

#[test]
fn every_close_reason_is_listed() {
    let unknown = describe(0xff);
    let known: HashSet<u32> = (0..=255u8)
        .filter(|&r| describe(r) != unknown)
        .map(u32::from)
        .collect();
    // 0x81 (a client's own error) is never a server's: describe() has no sentence for it.
    let listed: HashSet<u32> = all()
        .into_iter()
        .filter(|(n, _)| n.starts_with("close.") && n != "close.CLIENT_ERROR")
        .map(|(_, v)| v)
        .collect();
    assert_eq!(listed, known);
}

#[test]
fn values_are_the_protocols() {
    let expect = [
        ("HEADER_LEN", HEADER_LEN as u32),
        ("HEADER_LEN", 5),
        ("MAX_DATA", MAX_DATA as u32),
        ("MAX_DATA", 65_536),
        ("type.CONNECT", 0x01),
        ("type.DATA", 0x02),
        ("type.CONTINUE", 0x03),
        ("type.CLOSE", 0x04),
        ("type.INFO", 0x05),
        ("type.PAUSE", 0x70),
        ("stream.TCP", 0x01),
        ("stream.UDP", 0x02),
        ("ext.UDP", 0x01),
        ("ext.PASSWORD", 0x02),
        ("ext.KEY", 0x03),
        ("ext.MOTD", 0x04),
        ("ext.STREAM_CONFIRMATION", 0x05),
        ("ext.RECEIVE_PAUSE", 0x70),
        ("close.UNKNOWN", 0x01),
        ("close.VOLUNTARY", 0x02),
        ("close.NETWORK_ERROR", 0x03),
        ("close.INCOMPATIBLE_EXTENSIONS", 0x04),
        ("close.INVALID_INFO", 0x41),
        ("close.UNREACHABLE", 0x42),
        ("close.CONNECT_TIMEOUT", 0x43),
        ("close.REFUSED", 0x44),
        ("close.TRANSFER_TIMEOUT", 0x47),
        ("close.BLOCKED", 0x48),
        ("close.THROTTLED", 0x49),
        ("close.CLIENT_ERROR", 0x81),
        ("close.AUTH_BAD_PASSWORD", 0xc0),
        ("close.AUTH_BAD_SIGNATURE", 0xc1),
        ("close.AUTH_MISSING", 0xc2),
    ];
    for (name, v) in expect {
        assert_eq!(value(name), Some(v), "{name}");
    }
    let names: HashSet<&str> = expect.iter().map(|(n, _)| *n).collect();
    assert_eq!(names.len(), all().len(), "a code without a checked value");
}
