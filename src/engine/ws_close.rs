//! The close of a WebSocket that carries a transport (a browser's tunnel or session to a proxy):
//! what its code and reason mean (docs/browser-host.md). The host reports them as the browser
//! gave them (`Input::WsClosed`); the engine picks the outcome by its own state.

use super::error::ErrorCode;
use crate::tunnel::codes::close;

/// A clean end of the connection: 1000 (normal closure), or 1005 (a close frame without a code).
pub fn is_clean(code: u16) -> bool {
    code == close::NORMAL || code == close::NO_STATUS
}

/// What ended a WebSocket before its connection was up (the proxy could not connect, refused
/// the session, or is not there): kvsocket-proxy's 1011 carries the error name (`ECONNREFUSED`,
/// `ENOTFOUND`, `ETIMEDOUT`, `TargetDenied`), so the page gets the error Node gives; anything
/// else is the proxy refusing.
pub fn connect_error(code: u16, reason: &str) -> ErrorCode {
    match named(code, reason) {
        Some(code) => code,
        None => ErrorCode::ProxyConnectionRefused,
    }
}

/// What ended an open WebSocket other than a clean end: kvsocket-proxy's 1011 with the error
/// name of the TCP connection (`ECONNRESET`); the codes that say one side did not speak the
/// protocol (1002 protocol error, 1003 unsupported data, 1007 invalid payload, 1009 message too
/// big, 1010 missing extension); anything else the proxy closing (a session of a listener or a
/// UDP socket has no peer that ends it: even 1000 is this).
pub fn close_error(code: u16, reason: &str) -> ErrorCode {
    if let Some(code) = named(code, reason) {
        return code;
    }
    match code {
        close::PROTOCOL_ERROR
        | close::UNSUPPORTED_DATA
        | close::INVALID_PAYLOAD
        | close::TOO_BIG
        | close::MISSING_EXTENSION => ErrorCode::ProxyProtocol,
        _ => ErrorCode::ProxyConnectionClosed,
    }
}

/// 1011 with a bare error name as its reason (`ECONNRESET`, `RemoteHostClosed`: letters,
/// digits and `_`, not a sentence), classified as a host's error name.
fn named(code: u16, reason: &str) -> Option<ErrorCode> {
    let bare = !reason.is_empty()
        && reason
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_');
    (code == close::ERROR && bare).then(|| ErrorCode::from_host(reason))
}
