//! kvsocket-proxy's per-socket protocol as JavaScript reads it (src/tunnel/codes.rs,
//! `tunnelCodes()`): names and values pair up, no name is listed twice, the values are the
//! protocol's (docs/proxy-protocol.md's words and numbers, typed here as the test's own oracle),
//! and the engine classifies the proxy's own codes and close codes as that document says.

use std::collections::HashSet;

use kvsocket::engine::ws_close::{close_error, connect_error, is_clean};
use kvsocket::engine::ErrorCode;
use kvsocket::tunnel::codes::{close, code, control, end_reading_done, text, CLOSE, WORDS};

/// Every word as JS names it (`group.NAME`) with its value as text.
fn all() -> Vec<(String, String)> {
    let text = text();
    let words: Vec<&str> = text.split(' ').collect();
    assert_eq!(words.len() % 2, 0, "name value pairs: {text}");
    words
        .chunks(2)
        .map(|pair| (pair[0].to_string(), pair[1].to_string()))
        .collect()
}

#[test]
fn names_and_values_pair_up() {
    for (group, names, values) in WORDS {
        assert_eq!(names.split(' ').count(), values.len(), "group {group:?}");
        assert!(names.split(' ').all(|n| !n.is_empty()), "group {group:?}");
        assert!(values.iter().all(|v| !v.is_empty() && !v.contains(' ')));
    }
    let (_, names, values) = CLOSE;
    assert_eq!(names.split(' ').count(), values.len());
}

#[test]
fn names_are_unique_and_grouped() {
    let mut seen = HashSet::new();
    for (name, _) in all() {
        let group = name.split_once('.').map(|(g, _)| g);
        assert!(
            matches!(group, Some("type" | "code" | "reason" | "close")),
            "{name}: unknown group"
        );
        assert!(seen.insert(name.clone()), "{name} listed twice");
    }
}

#[test]
fn values_are_the_protocols() {
    let expect = [
        ("type.CONNECTED", "connected"),
        ("type.LISTENING", "listening"),
        ("type.INCOMING", "incoming"),
        ("type.FROM", "from"),
        ("type.TO", "to"),
        ("type.END", "end"),
        ("type.PAUSE", "pause"),
        ("type.RESUME", "resume"),
        ("type.ERROR", "error"),
        ("code.TARGET_DENIED", "TargetDenied"),
        ("code.NO_DESTINATION", "NoDestination"),
        ("code.NOT_BOUND", "NotBound"),
        ("code.BAD_MESSAGE", "BadMessage"),
        ("code.UNKNOWN", "UnknownSocket"),
        ("reason.TIMED_OUT", "ETIMEDOUT"),
        ("reason.ABORTED", "ECONNABORTED"),
        ("reason.SHUTDOWN", "shutdown"),
        ("close.NORMAL", "1000"),
        ("close.GOING_AWAY", "1001"),
        ("close.PROTOCOL_ERROR", "1002"),
        ("close.UNSUPPORTED_DATA", "1003"),
        ("close.NO_STATUS", "1005"),
        ("close.ABNORMAL", "1006"),
        ("close.INVALID_PAYLOAD", "1007"),
        ("close.TOO_BIG", "1009"),
        ("close.MISSING_EXTENSION", "1010"),
        ("close.ERROR", "1011"),
    ];
    let all = all();
    for (name, value) in expect {
        let found = all.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
        assert_eq!(found, Some(value), "{name}");
    }
    assert_eq!(expect.len(), all.len(), "a word without a checked value");
}

#[test]
fn the_messages_are_the_protocols() {
    assert_eq!(control("end"), r#"{"type":"end"}"#);
    assert_eq!(control("pause"), r#"{"type":"pause"}"#);
    assert_eq!(end_reading_done(), r#"{"type":"end","read":false}"#);
}

#[test]
fn the_engine_classifies_them_as_documented() {
    assert_eq!(
        ErrorCode::from_host(code::TARGET_DENIED),
        ErrorCode::ProxyDenied
    );
    for c in [code::NO_DESTINATION, code::NOT_BOUND, code::BAD_MESSAGE] {
        assert_eq!(ErrorCode::from_host(c), ErrorCode::ProxyProtocol, "{c}");
    }
    assert_eq!(
        ErrorCode::from_host(code::UNKNOWN),
        ErrorCode::UnknownSocket
    );
    assert!(is_clean(close::NORMAL) && is_clean(close::NO_STATUS));
    assert_eq!(
        connect_error(close::ERROR, code::TARGET_DENIED),
        ErrorCode::ProxyDenied
    );
    assert_eq!(
        close_error(close::ERROR, "ETIMEDOUT"),
        ErrorCode::SocketTimeout
    );
    assert_eq!(
        close_error(close::UNSUPPORTED_DATA, "text frames are not data here"),
        ErrorCode::ProxyProtocol
    );
    assert_eq!(
        close_error(close::GOING_AWAY, "shutdown"),
        ErrorCode::ProxyConnectionClosed
    );
}
