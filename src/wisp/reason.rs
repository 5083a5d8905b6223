//! CLOSE reasons (protocol 1.2 and the v2 draft) and what each means to a socket.

use crate::engine::ErrorCode;

/// Reason bytes of a CLOSE packet.
pub mod close {
    /// Reason unspecified or unknown.
    pub const UNKNOWN: u8 = 0x01;
    /// Voluntary closure: the normal end of a stream, from either side.
    pub const VOLUNTARY: u8 = 0x02;
    /// Unexpected closure: a network error.
    pub const NETWORK_ERROR: u8 = 0x03;
    /// v2: the extensions of the two sides are incompatible (stream 0, handshake).
    pub const INCOMPATIBLE_EXTENSIONS: u8 = 0x04;
    /// Stream creation failed: invalid information (a reserved address, a bad port).
    pub const INVALID_INFO: u8 = 0x41;
    /// Stream creation failed: the destination host is unreachable (a name that does not
    /// resolve).
    pub const UNREACHABLE: u8 = 0x42;
    /// Stream creation timed out: the destination did not respond.
    pub const CONNECT_TIMEOUT: u8 = 0x43;
    /// Stream creation failed: the destination refused the connection.
    pub const REFUSED: u8 = 0x44;
    /// TCP data transfer timed out.
    pub const TRANSFER_TIMEOUT: u8 = 0x47;
    /// The destination is blocked by the server.
    pub const BLOCKED: u8 = 0x48;
    /// The connection is throttled by the server.
    pub const THROTTLED: u8 = 0x49;
    /// Client: an unexpected error; it cannot receive any more data.
    pub const CLIENT_ERROR: u8 = 0x81;
    /// v2 password extension: wrong username or password.
    pub const AUTH_BAD_PASSWORD: u8 = 0xc0;
    /// v2 key extension: bad signature.
    pub const AUTH_BAD_SIGNATURE: u8 = 0xc1;
    /// v2: the server requires credentials and the client gave none.
    pub const AUTH_MISSING: u8 = 0xc2;
}

/// The error a socket reports for a server's CLOSE with this reason; `None` for a voluntary
/// close, which is the clean end of a stream (the peer closed).
pub fn error_code(reason: u8) -> Option<ErrorCode> {
    Some(match reason {
        close::VOLUNTARY => return None,
        close::UNREACHABLE => ErrorCode::HostNotFound,
        close::REFUSED => ErrorCode::ConnectionRefused,
        close::CONNECT_TIMEOUT | close::TRANSFER_TIMEOUT => ErrorCode::SocketTimeout,
        // The server's rules block the destination: fixed by a rule, not at the target.
        close::BLOCKED => ErrorCode::ProxyDenied,
        // The server decided not to carry this stream: its policy, not the target's answer.
        close::INVALID_INFO
        | close::THROTTLED
        | close::AUTH_BAD_PASSWORD
        | close::AUTH_BAD_SIGNATURE
        | close::AUTH_MISSING => ErrorCode::ProxyConnectionRefused,
        close::NETWORK_ERROR => ErrorCode::RemoteHostClosed,
        close::INCOMPATIBLE_EXTENSIONS => ErrorCode::ProxyProtocol,
        _ => ErrorCode::UnknownSocket,
    })
}

/// A sentence for a reason, for `lastError()`-style detail and logs.
pub fn describe(reason: u8) -> &'static str {
    match reason {
        close::UNKNOWN => "closed by the Wisp server (reason unspecified)",
        close::VOLUNTARY => "closed",
        close::NETWORK_ERROR => "closed by the Wisp server after a network error",
        close::INCOMPATIBLE_EXTENSIONS => "the Wisp server found our extensions incompatible",
        close::INVALID_INFO => "the Wisp server refused the destination as invalid",
        close::UNREACHABLE => "the Wisp server could not reach the destination host",
        close::CONNECT_TIMEOUT => "the destination did not answer the Wisp server in time",
        close::REFUSED => "the destination refused the Wisp server's connection",
        close::TRANSFER_TIMEOUT => "the Wisp server timed out the data transfer",
        close::BLOCKED => "the destination is blocked by the Wisp server",
        close::THROTTLED => "the Wisp server throttled the connection",
        close::AUTH_BAD_PASSWORD => "the Wisp server rejected the username or password",
        close::AUTH_BAD_SIGNATURE => "the Wisp server rejected the key signature",
        close::AUTH_MISSING => "the Wisp server requires credentials",
        _ => "closed by the Wisp server with an unknown reason",
    }
}
