//! The words and numbers of kvsocket-proxy's per-socket protocol, named once: the control
//! messages' types, the proxy's own error codes, the WebSocket close codes, and the error names
//! the proxy gives as a close's reason for a failure of its own. The browser transport and the
//! engine use the constants; kvsocket-proxy reads the same from Node's module once at load
//! (`tunnelCodes()`, js/proxy/tunnel-codes.js) and types none. tests/tunnel_codes.rs checks the
//! values against the protocol's document.

/// The `type` of a control message (a JSON text frame, `{"type":…}`).
pub mod message {
    /// A TCP tunnel's connect (`report=1`), or a UDP session's connected peer.
    pub const CONNECTED: &str = "connected";
    /// A listener's or bound UDP socket's bind.
    pub const LISTENING: &str = "listening";
    /// A listener's incoming connection, with the id that claims it.
    pub const INCOMING: &str = "incoming";
    /// The sender of the datagram that follows (bound UDP, from the proxy).
    pub const FROM: &str = "from";
    /// The destination of the datagrams that follow (bound UDP, from the page).
    pub const TO: &str = "to";
    /// The end exchange (`end=1`): a side's FIN after its last bytes.
    pub const END: &str = "end";
    /// The receive pause (`end=1`): stop reading the target, and read it again.
    pub const PAUSE: &str = "pause";
    pub const RESUME: &str = "resume";
    /// A failure, with a `code` and a `message`.
    pub const ERROR: &str = "error";
}

/// kvsocket-proxy's own error codes, beside Node's errno names (an `error` message's `code`, a
/// 1011's reason). `ErrorCode::from_host` classifies them (UNKNOWN is its own name).
pub mod code {
    /// The `--allow` rules or the address classes deny the target.
    pub const TARGET_DENIED: &str = "TargetDenied";
    /// A datagram before any valid `to`, or after a refused one.
    pub const NO_DESTINATION: &str = "NoDestination";
    /// A datagram before `listening`.
    pub const NOT_BOUND: &str = "NotBound";
    /// A text message that is not what the session takes.
    pub const BAD_MESSAGE: &str = "BadMessage";
    /// A failure without a name of its own (the engine's UnknownSocket).
    pub const UNKNOWN: &str = crate::engine::ErrorCode::UnknownSocket.name();
}

/// The errno names the proxy gives as a 1011's reason for what it decided itself (what a
/// target's failure gives is that failure's own name).
pub mod reason {
    /// A lookup or connect past `--connect-timeout`, idle for `--idle-timeout`, or a target
    /// that never ended after the page's end.
    pub const TIMED_OUT: &str = "ETIMEDOUT";
    /// The target's connection closed before the page's end was answered.
    pub const ABORTED: &str = "ECONNABORTED";
    /// Not an errno name: 1001's reason when the proxy is being stopped (its drain ran out).
    pub const SHUTDOWN: &str = "shutdown";
}

/// WebSocket close codes (RFC 6455, 7.4.1) as the protocol uses them (docs/proxy-protocol.md,
/// "Close codes, all sessions"; what a page makes of them: src/engine/ws_close.rs).
pub mod close {
    /// The target ended (every byte first), or the answer to the page's end.
    pub const NORMAL: u16 = 1000;
    /// The proxy is being stopped (`shutdown`).
    pub const GOING_AWAY: u16 = 1001;
    /// Wisp: a malformed packet, or no client INFO.
    pub const PROTOCOL_ERROR: u16 = 1002;
    /// A text frame where the session takes none (or not that one).
    pub const UNSUPPORTED_DATA: u16 = 1003;
    /// A close frame without a code (as clean as 1000).
    pub const NO_STATUS: u16 = 1005;
    /// No close frame: the connection dropped (never sent; what a browser reports).
    pub const ABNORMAL: u16 = 1006;
    pub const INVALID_PAYLOAD: u16 = 1007;
    /// A message over `--max-frame`.
    pub const TOO_BIG: u16 = 1009;
    pub const MISSING_EXTENSION: u16 = 1010;
    /// A failure, the error's name as the reason.
    pub const ERROR: u16 = 1011;
}

/// The control message with only a type (`{"type":"end"}`, `pause`, `resume`), as sent.
pub fn control(kind: &str) -> String {
    [r#"{"type":""#, kind, r#""}"#].concat()
}

/// The page's end after its `close()`: done reading too, so the proxy answers once its system
/// took every byte and the FIN (docs/proxy-protocol.md, the end exchange).
pub fn end_reading_done() -> String {
    [r#"{"type":""#, message::END, r#"","read":false}"#].concat()
}

/// A group of words (`message` is `TYPE.CONNECTED` in JS), its names (space-separated) and
/// their values in the same order.
pub type Words = (&'static str, &'static str, &'static [&'static str]);

/// Every word, by group. Each value is the constant itself, so the table cannot disagree with
/// what Rust speaks; tests/tunnel_codes.rs checks that names and values pair up.
pub const WORDS: &[Words] = &[
    (
        "type",
        "CONNECTED LISTENING INCOMING FROM TO END PAUSE RESUME ERROR",
        &[
            message::CONNECTED,
            message::LISTENING,
            message::INCOMING,
            message::FROM,
            message::TO,
            message::END,
            message::PAUSE,
            message::RESUME,
            message::ERROR,
        ],
    ),
    (
        "code",
        "TARGET_DENIED NO_DESTINATION NOT_BOUND BAD_MESSAGE UNKNOWN",
        &[
            code::TARGET_DENIED,
            code::NO_DESTINATION,
            code::NOT_BOUND,
            code::BAD_MESSAGE,
            code::UNKNOWN,
        ],
    ),
    (
        "reason",
        "TIMED_OUT ABORTED SHUTDOWN",
        &[reason::TIMED_OUT, reason::ABORTED, reason::SHUTDOWN],
    ),
];

/// The close codes, in the same form (`CLOSE.NORMAL` in JS).
pub const CLOSE: (&str, &str, &[u16]) = (
    "close",
    "NORMAL GOING_AWAY PROTOCOL_ERROR UNSUPPORTED_DATA NO_STATUS ABNORMAL INVALID_PAYLOAD \
     TOO_BIG MISSING_EXTENSION ERROR",
    &[
        close::NORMAL,
        close::GOING_AWAY,
        close::PROTOCOL_ERROR,
        close::UNSUPPORTED_DATA,
        close::NO_STATUS,
        close::ABNORMAL,
        close::INVALID_PAYLOAD,
        close::TOO_BIG,
        close::MISSING_EXTENSION,
        close::ERROR,
    ],
);

/// Everything as text, `group.NAME value` pairs separated by spaces (no word holds a space):
/// what JS reads (js/proxy/tunnel-codes.js).
pub fn text() -> String {
    let mut out = String::new();
    for (group, names, values) in WORDS {
        for (name, value) in names.split(' ').zip(values.iter()) {
            push_name(&mut out, group, name);
            out.push_str(value);
        }
    }
    let (group, names, values) = CLOSE;
    for (name, value) in names.split(' ').zip(values.iter()) {
        push_name(&mut out, group, name);
        crate::engine::text::push_decimal(&mut out, u64::from(*value));
    }
    out
}

/// `group.NAME ` after a space unless first.
fn push_name(out: &mut String, group: &str, name: &str) {
    if !out.is_empty() {
        out.push(' ');
    }
    out.push_str(group);
    out.push('.');
    out.push_str(name);
    out.push(' ');
}
