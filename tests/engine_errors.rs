//! docs/spec.md's error codes and status names: `ErrorCode::from_host` classifies what hosts report,
//! and the numbering scripts see.

use kvsocket::engine::*;

#[test]
fn from_host_maps_errno_and_dns_names_to_kvirc_codes() {
    use ErrorCode::*;
    let table = [
        ("ECONNREFUSED", ConnectionRefused),
        ("ECONNRESET", RemoteHostClosed),
        ("EPIPE", RemoteHostClosed),
        ("ECONNABORTED", RemoteHostClosed),
        ("ENOTFOUND", HostNotFound),
        ("EAI_AGAIN", HostNotFound),
        ("EAI_NONAME", HostNotFound),
        ("EAI_FAIL", HostNotFound),
        ("EAI_NODATA", HostNotFound),
        ("ENODATA", HostNotFound),
        ("ESERVFAIL", HostNotFound),
        ("EACCES", SocketAccess),
        ("EPERM", SocketAccess),
        ("EMFILE", SocketResource),
        ("ENFILE", SocketResource),
        ("ENOBUFS", SocketResource),
        ("ENOMEM", SocketResource),
        ("ETIMEDOUT", SocketTimeout),
        ("ETIMEOUT", SocketTimeout),
        ("EMSGSIZE", DatagramTooLarge),
        ("ENETUNREACH", Network),
        ("EHOSTUNREACH", Network),
        ("ENETDOWN", Network),
        ("EHOSTDOWN", Network),
        ("EADDRINUSE", AddressInUse),
        ("EADDRNOTAVAIL", SocketAddressNotAvailable),
        ("EAFNOSUPPORT", UnsupportedSocketOperation),
        ("EOPNOTSUPP", UnsupportedSocketOperation),
        ("EINVAL", UnsupportedSocketOperation),
        ("TargetDenied", ProxyDenied),
        ("NoDestination", ProxyProtocol),
        ("NotBound", ProxyProtocol),
        ("BadMessage", ProxyProtocol),
        ("", UnknownSocket),
        ("EWHATEVER", UnknownSocket),
        ("econnrefused", UnknownSocket),
    ];
    for (name, code) in table {
        assert_eq!(ErrorCode::from_host(name), code, "{name:?}");
    }
}

#[test]
fn from_host_takes_our_own_code_names_as_they_are() {
    for code in ErrorCode::ALL {
        assert_eq!(ErrorCode::from_host(code.name()), code);
        assert_eq!(code.to_string(), code.name());
        assert!(!code.message().is_empty());
    }
}

#[test]
fn error_codes_are_specs_names_in_order() {
    let names: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.name()).collect();
    assert_eq!(
        names,
        [
            "ConnectionRefused",
            "RemoteHostClosed",
            "HostNotFound",
            "SocketAccess",
            "SocketResource",
            "SocketTimeout",
            "DatagramTooLarge",
            "Network",
            "AddressInUse",
            "SocketAddressNotAvailable",
            "UnsupportedSocketOperation",
            "ProxyConnectionRefused",
            "ProxyConnectionClosed",
            "ProxyConnectionTimeout",
            "ProxyNotFound",
            "ProxyProtocol",
            "ProxyDenied",
            "UnknownSocket",
            "TlsCertificateUnknownIssuer",
            "TlsCertificateNameMismatch",
            "TlsCertificateExpired",
            "TlsCertificateNotYetValid",
            "TlsCertificateRevoked",
            "TlsCertificateInvalid",
            "TlsProtocolError",
            "TlsHandshakeFailed",
            "TlsError",
        ]
    );
}

#[test]
fn statuses_have_the_seeds_numbering_and_names() {
    let table: Vec<(u8, &str)> = Status::ALL.iter().map(|s| (s.number(), s.name())).collect();
    assert_eq!(
        table,
        [
            (0, "Unconnected"),
            (1, "HostLookUp"),
            (2, "Connecting"),
            (3, "Connected"),
            (4, "Bound"),
            (5, "Closing"),
            (6, "Listening"),
        ]
    );
}

#[test]
fn command_errors_read_as_messages() {
    assert_eq!(
        CommandError::InvalidPort { min: 1 }.to_string(),
        "port must be an integer from 1 to 65535"
    );
    assert_eq!(
        CommandError::WrongStatus {
            command: "connect",
            status: "Connected"
        }
        .to_string(),
        "connect needs status Unconnected, the socket is Connected"
    );
    assert_eq!(
        CommandError::Destroyed.to_string(),
        "the socket was destroyed"
    );
}
