//! Error codes (KVIrc's names, as docs/spec.md lists them) and the errors a command can return.

use std::fmt;

use super::text::{decimal, quoted};

/// KVIrc's socket error names, reported by `errorEvent(code, message)` and `connectFailedEvent`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    ConnectionRefused,
    RemoteHostClosed,
    HostNotFound,
    SocketAccess,
    SocketResource,
    SocketTimeout,
    DatagramTooLarge,
    Network,
    AddressInUse,
    SocketAddressNotAvailable,
    UnsupportedSocketOperation,
    ProxyConnectionRefused,
    ProxyConnectionClosed,
    ProxyConnectionTimeout,
    ProxyNotFound,
    ProxyProtocol,
    UnknownSocket,
}

impl ErrorCode {
    /// Every code, in docs/spec.md's order (the WIT enum and the drift test read this list).
    pub const ALL: [ErrorCode; 17] = [
        ErrorCode::ConnectionRefused,
        ErrorCode::RemoteHostClosed,
        ErrorCode::HostNotFound,
        ErrorCode::SocketAccess,
        ErrorCode::SocketResource,
        ErrorCode::SocketTimeout,
        ErrorCode::DatagramTooLarge,
        ErrorCode::Network,
        ErrorCode::AddressInUse,
        ErrorCode::SocketAddressNotAvailable,
        ErrorCode::UnsupportedSocketOperation,
        ErrorCode::ProxyConnectionRefused,
        ErrorCode::ProxyConnectionClosed,
        ErrorCode::ProxyConnectionTimeout,
        ErrorCode::ProxyNotFound,
        ErrorCode::ProxyProtocol,
        ErrorCode::UnknownSocket,
    ];

    /// The name scripts see, e.g. `"ConnectionRefused"`.
    pub fn name(self) -> &'static str {
        match self {
            ErrorCode::ConnectionRefused => "ConnectionRefused",
            ErrorCode::RemoteHostClosed => "RemoteHostClosed",
            ErrorCode::HostNotFound => "HostNotFound",
            ErrorCode::SocketAccess => "SocketAccess",
            ErrorCode::SocketResource => "SocketResource",
            ErrorCode::SocketTimeout => "SocketTimeout",
            ErrorCode::DatagramTooLarge => "DatagramTooLarge",
            ErrorCode::Network => "Network",
            ErrorCode::AddressInUse => "AddressInUse",
            ErrorCode::SocketAddressNotAvailable => "SocketAddressNotAvailable",
            ErrorCode::UnsupportedSocketOperation => "UnsupportedSocketOperation",
            ErrorCode::ProxyConnectionRefused => "ProxyConnectionRefused",
            ErrorCode::ProxyConnectionClosed => "ProxyConnectionClosed",
            ErrorCode::ProxyConnectionTimeout => "ProxyConnectionTimeout",
            ErrorCode::ProxyNotFound => "ProxyNotFound",
            ErrorCode::ProxyProtocol => "ProxyProtocol",
            ErrorCode::UnknownSocket => "UnknownSocket",
        }
    }

    /// The human message, the same on every host so that scripts see one text per failure.
    pub fn message(self) -> &'static str {
        match self {
            ErrorCode::ConnectionRefused => "Connection refused",
            ErrorCode::RemoteHostClosed => "Remote host closed the connection",
            ErrorCode::HostNotFound => "Host not found",
            ErrorCode::SocketAccess => "Permission denied",
            ErrorCode::SocketResource => "Out of socket resources",
            ErrorCode::SocketTimeout => "Connection timed out",
            ErrorCode::DatagramTooLarge => "Datagram too large",
            ErrorCode::Network => "Network unreachable",
            ErrorCode::AddressInUse => "Address already in use",
            ErrorCode::SocketAddressNotAvailable => "Address not available",
            ErrorCode::UnsupportedSocketOperation => "Unsupported socket operation",
            ErrorCode::ProxyConnectionRefused => "Proxy refused the connection",
            ErrorCode::ProxyConnectionClosed => "Proxy closed the connection",
            ErrorCode::ProxyConnectionTimeout => "Proxy connection timed out",
            ErrorCode::ProxyNotFound => "Proxy not found",
            ErrorCode::ProxyProtocol => "Proxy protocol error",
            ErrorCode::UnknownSocket => "Unknown socket error",
        }
    }

    /// Maps what a host reports (a POSIX/libuv errno name such as `ECONNREFUSED`, a DNS error
    /// name such as `ENOTFOUND`, one of kvsocket-proxy's own codes, or one of our own code
    /// names) to a code. Kept here, not in the hosts, so that Node's errors and the proxy's
    /// forwarded ones are classified by one table.
    pub fn from_host(name: &str) -> ErrorCode {
        if let Some(code) = ErrorCode::ALL.iter().find(|c| c.name() == name) {
            return *code;
        }
        match name {
            "ECONNREFUSED" => ErrorCode::ConnectionRefused,
            "ECONNRESET" | "EPIPE" | "ECONNABORTED" => ErrorCode::RemoteHostClosed,
            "ENOTFOUND" | "EAI_AGAIN" | "EAI_NONAME" | "EAI_FAIL" | "EAI_NODATA" | "ENODATA"
            | "ESERVFAIL" | "ENONAME" | "ECONNREFUSED_DNS" => ErrorCode::HostNotFound,
            "EACCES" | "EPERM" => ErrorCode::SocketAccess,
            "EMFILE" | "ENFILE" | "ENOBUFS" | "ENOMEM" => ErrorCode::SocketResource,
            "ETIMEDOUT" | "ETIMEOUT" => ErrorCode::SocketTimeout,
            "EMSGSIZE" => ErrorCode::DatagramTooLarge,
            "ENETUNREACH" | "EHOSTUNREACH" | "ENETDOWN" | "EHOSTDOWN" | "ENETRESET" => {
                ErrorCode::Network
            }
            "EADDRINUSE" => ErrorCode::AddressInUse,
            "EADDRNOTAVAIL" => ErrorCode::SocketAddressNotAvailable,
            "EAFNOSUPPORT" | "EPROTONOSUPPORT" | "EOPNOTSUPP" | "ENOTSUP" | "EINVAL" => {
                ErrorCode::UnsupportedSocketOperation
            }
            // kvsocket-proxy's own codes (docs/proxy-protocol.md). A destination its --allow
            // rules deny is refused as a denied TCP target is; the others say the proxy did not
            // expect what the page sent.
            "TargetDenied" => ErrorCode::ProxyConnectionRefused,
            "NoDestination" | "NotBound" | "BadMessage" => ErrorCode::ProxyProtocol,
            _ => ErrorCode::UnknownSocket,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a command was refused. The command returns `false` (or 0) and `lastError()` holds
/// `to_string()` of this.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandError {
    /// The port is not an integer in the allowed range.
    InvalidPort { min: u16 },
    /// The host is not an IP literal or an RFC 1123 host name.
    InvalidHost(String),
    /// The interface given to `listen` is not an IP literal.
    InvalidInterface(String),
    /// `listen(…, forceIpv6)` with an IPv4 interface.
    NotIpv6Interface(String),
    /// The command needs another status (h11-style: the message names the status).
    WrongStatus {
        command: &'static str,
        status: &'static str,
    },
    /// The socket was destroyed.
    Destroyed,
    /// `setProtocol` with a name other than tcp or udp.
    UnknownProtocol(String),
    /// `setConnectTimeout` / `setHighWaterMark` with a value that is not a positive integer.
    NotPositive(&'static str),
    /// The host cannot do what was asked (e.g. no proxy URL configured in a browser).
    Unsupported(String),
    /// `accept` with a socket that cannot take the connection.
    CannotAccept(&'static str),
    /// `accept` outside `incomingConnectionEvent`.
    AcceptOutside,
    /// `write(data, length)` with a `length` that is not a non-negative number.
    WriteLength,
}

impl CommandError {
    /// What `lastError()` says. Built without `core::fmt` (src/engine/text.rs): this text reaches
    /// the wasm module, the `Display` below only native callers.
    pub fn message(&self) -> String {
        let cat = |parts: &[&str]| parts.concat();
        match self {
            CommandError::InvalidPort { min } => cat(&[
                "port must be an integer from ",
                &decimal(u64::from(*min)),
                " to 65535",
            ]),
            CommandError::InvalidHost(h) => cat(&[
                "invalid host ",
                &quoted(h),
                ": expected an IPv4 or IPv6 literal or an RFC 1123 host name",
            ]),
            CommandError::InvalidInterface(i) => cat(&[
                "invalid interface ",
                &quoted(i),
                ": expected '' or an IP literal",
            ]),
            CommandError::NotIpv6Interface(i) => {
                cat(&["forceIpv6 needs '' or an IPv6 interface, got ", &quoted(i)])
            }
            CommandError::WrongStatus { command, status } => {
                cat(&[command, " needs status Unconnected, the socket is ", status])
            }
            CommandError::Destroyed => "the socket was destroyed".into(),
            CommandError::UnknownProtocol(p) => {
                cat(&["unknown protocol ", &quoted(p), ": expected 'tcp' or 'udp'"])
            }
            CommandError::NotPositive(what) => {
                cat(&[what, " must be a positive integer up to 2^53 - 1"])
            }
            CommandError::Unsupported(why) => why.clone(),
            CommandError::CannotAccept(why) => cat(&["accept: ", why]),
            CommandError::AcceptOutside => {
                "accept is only valid inside incomingConnectionEvent".into()
            }
            CommandError::WriteLength => "write: length must be a non-negative number".into(),
        }
    }
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for CommandError {}
