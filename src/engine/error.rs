//! Error codes (KVIrc's names, as docs/spec.md lists them) and the errors a command can return.

use std::fmt;

use super::text::{decimal, find, quoted};
use crate::tunnel::codes::code;

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
    ProxyDenied,
    UnknownSocket,
    TlsCertificateUnknownIssuer,
    TlsCertificateNameMismatch,
    TlsCertificateExpired,
    TlsCertificateNotYetValid,
    TlsCertificateRevoked,
    TlsCertificateInvalid,
    TlsProtocolError,
    TlsHandshakeFailed,
    TlsError,
}

impl ErrorCode {
    /// Every code, in docs/spec.md's order (the WIT enum and the drift test read this list).
    pub const ALL: [ErrorCode; 27] = [
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
        ErrorCode::ProxyDenied,
        ErrorCode::UnknownSocket,
        ErrorCode::TlsCertificateUnknownIssuer,
        ErrorCode::TlsCertificateNameMismatch,
        ErrorCode::TlsCertificateExpired,
        ErrorCode::TlsCertificateNotYetValid,
        ErrorCode::TlsCertificateRevoked,
        ErrorCode::TlsCertificateInvalid,
        ErrorCode::TlsProtocolError,
        ErrorCode::TlsHandshakeFailed,
        ErrorCode::TlsError,
    ];

    /// The TLS errors (docs/spec.md, TLS): named by the TLS layer (tls/src/errors.rs in the
    /// page, node:tls's codes in Node, both mapped here).
    pub fn is_tls(self) -> bool {
        self.name().starts_with("Tls")
    }

    /// The name scripts see, e.g. `"ConnectionRefused"`.
    pub const fn name(self) -> &'static str {
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
            ErrorCode::ProxyDenied => "ProxyDenied",
            ErrorCode::UnknownSocket => "UnknownSocket",
            ErrorCode::TlsCertificateUnknownIssuer => "TlsCertificateUnknownIssuer",
            ErrorCode::TlsCertificateNameMismatch => "TlsCertificateNameMismatch",
            ErrorCode::TlsCertificateExpired => "TlsCertificateExpired",
            ErrorCode::TlsCertificateNotYetValid => "TlsCertificateNotYetValid",
            ErrorCode::TlsCertificateRevoked => "TlsCertificateRevoked",
            ErrorCode::TlsCertificateInvalid => "TlsCertificateInvalid",
            ErrorCode::TlsProtocolError => "TlsProtocolError",
            ErrorCode::TlsHandshakeFailed => "TlsHandshakeFailed",
            ErrorCode::TlsError => "TlsError",
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
            ErrorCode::ProxyDenied => "Proxy denied the connection by its rules",
            ErrorCode::UnknownSocket => "Unknown socket error",
            ErrorCode::TlsCertificateUnknownIssuer => {
                "TLS: the certificate is not signed by a trusted authority"
            }
            ErrorCode::TlsCertificateNameMismatch => {
                "TLS: the certificate is not valid for this host name"
            }
            ErrorCode::TlsCertificateExpired => "TLS: the certificate has expired",
            ErrorCode::TlsCertificateNotYetValid => "TLS: the certificate is not valid yet",
            ErrorCode::TlsCertificateRevoked => "TLS: the certificate was revoked",
            ErrorCode::TlsCertificateInvalid => "TLS: the certificate is invalid",
            ErrorCode::TlsProtocolError => "TLS: the server does not speak TLS",
            ErrorCode::TlsHandshakeFailed => "TLS handshake failed",
            ErrorCode::TlsError => "TLS error",
        }
    }

    /// A proxy's own failure (it could not be reached, refused, denied, timed out, spoke
    /// wrongly), as against the target's answer relayed by it.
    pub fn is_proxys(self) -> bool {
        matches!(
            self,
            ErrorCode::ProxyConnectionRefused
                | ErrorCode::ProxyConnectionClosed
                | ErrorCode::ProxyConnectionTimeout
                | ErrorCode::ProxyNotFound
                | ErrorCode::ProxyProtocol
                | ErrorCode::ProxyDenied
        )
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
            // kvsocket-proxy's own codes (src/tunnel/codes.rs). A destination its --allow
            // rules deny is ProxyDenied (the proxy is there and answered: the fix is a rule, not
            // the target); the others say the proxy did not expect what the page sent.
            code::TARGET_DENIED => ErrorCode::ProxyDenied,
            code::NO_DESTINATION | code::NOT_BOUND | code::BAD_MESSAGE => ErrorCode::ProxyProtocol,
            // node:tls's certificate codes (OpenSSL's verify results, Node's own name check)
            // and OpenSSL's record errors, as the page's TLS layer names the same failures.
            "UNABLE_TO_VERIFY_LEAF_SIGNATURE"
            | "UNABLE_TO_GET_ISSUER_CERT"
            | "UNABLE_TO_GET_ISSUER_CERT_LOCALLY"
            | "SELF_SIGNED_CERT_IN_CHAIN"
            | "DEPTH_ZERO_SELF_SIGNED_CERT" => ErrorCode::TlsCertificateUnknownIssuer,
            "ERR_TLS_CERT_ALTNAME_INVALID" | "HOSTNAME_MISMATCH" | "IP_ADDRESS_MISMATCH" => {
                ErrorCode::TlsCertificateNameMismatch
            }
            "CERT_HAS_EXPIRED" => ErrorCode::TlsCertificateExpired,
            "CERT_NOT_YET_VALID" => ErrorCode::TlsCertificateNotYetValid,
            "CERT_REVOKED" => ErrorCode::TlsCertificateRevoked,
            "ERR_SSL_WRONG_VERSION_NUMBER"
            | "ERR_SSL_PACKET_LENGTH_TOO_LONG"
            | "ERR_SSL_HTTP_REQUEST"
            | "ERR_SSL_UNKNOWN_PROTOCOL"
            | "ERR_SSL_RECORD_LAYER_FAILURE" => ErrorCode::TlsProtocolError,
            // The page's TLS layer (js/tls/layer.js): options its module cannot use (a `ca`
            // that is not PEM), or a module that could not be loaded: no handshake can start.
            "TlsInvalidOptions" | "TlsModuleUnavailable" => ErrorCode::TlsHandshakeFailed,
            n if n.starts_with("CERT_") || n.starts_with("ERR_TLS_CERT") => {
                ErrorCode::TlsCertificateInvalid
            }
            n if n.starts_with("ERR_SSL_") || n == "EPROTO" => ErrorCode::TlsHandshakeFailed,
            _ => ErrorCode::UnknownSocket,
        }
    }
}

/// A host's failure as `NAME` or `NAME: detail` (the detail: what the proxy said, e.g. `TargetDenied:
/// target denied: 127.0.0.1:9 …`), split into the name and the detail. The engine classifies
/// the name (`from_host`); the detail follows the code's fixed message in what scripts see.
pub fn split_detail(error: &str) -> (&str, Option<&str>) {
    let parts = find(error, ": ").and_then(|at| Some((error.get(..at)?, error.get(at + 2..)?)));
    match parts {
        Some((name, detail))
            if !name.is_empty() && !name.as_bytes().contains(&b' ') && !detail.is_empty() =>
        {
            (name, Some(detail))
        }
        _ => (error, None),
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
    /// The error name a refused command leaves for `lastErrorCode()` (docs/spec.md): a call the
    /// socket refused is no network failure, so KVIrc's catch-all UnknownSocket.
    pub fn code(&self) -> ErrorCode {
        ErrorCode::UnknownSocket
    }

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
