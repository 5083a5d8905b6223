//! Engine <-> WIT value conversions. Every `match` here is exhaustive on both sides, so a case
//! added to the engine or to `wit/kvsocket.wit` without the other stops this crate compiling.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use kvsocket::engine::{Action, ErrorCode, Event, Input, PortArg, Protocol, Status};

use crate::exports::kvsocket::engine::engine as wit;

pub fn ip_to_wit(ip: IpAddr) -> wit::IpAddress {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, d] = v4.octets();
            wit::IpAddress::Ipv4((a, b, c, d))
        }
        IpAddr::V6(v6) => {
            let [a, b, c, d, e, f, g, h] = v6.segments();
            wit::IpAddress::Ipv6((a, b, c, d, e, f, g, h))
        }
    }
}

pub fn ip_from_wit(ip: wit::IpAddress) -> IpAddr {
    match ip {
        wit::IpAddress::Ipv4((a, b, c, d)) => IpAddr::V4(Ipv4Addr::new(a, b, c, d)),
        wit::IpAddress::Ipv6((a, b, c, d, e, f, g, h)) => {
            IpAddr::V6(Ipv6Addr::new(a, b, c, d, e, f, g, h))
        }
    }
}

pub fn socket_addr_to_wit(addr: SocketAddr) -> wit::SocketAddress {
    wit::SocketAddress {
        ip: ip_to_wit(addr.ip()),
        port: addr.port(),
    }
}

pub fn socket_addr_from_wit(addr: wit::SocketAddress) -> SocketAddr {
    SocketAddr::new(ip_from_wit(addr.ip), addr.port)
}

pub fn port_arg(port: wit::PortArg) -> PortArg {
    match port {
        wit::PortArg::Number(n) => PortArg::Number(n),
        wit::PortArg::Text(s) => PortArg::Text(s),
        wit::PortArg::Other => PortArg::Other,
    }
}

pub fn status_to_wit(status: Status) -> wit::Status {
    match status {
        Status::Unconnected => wit::Status::Unconnected,
        Status::HostLookUp => wit::Status::HostLookUp,
        Status::Connecting => wit::Status::Connecting,
        Status::Connected => wit::Status::Connected,
        Status::Bound => wit::Status::Bound,
        Status::Closing => wit::Status::Closing,
        Status::Listening => wit::Status::Listening,
    }
}

pub fn protocol_to_wit(protocol: Protocol) -> wit::Protocol {
    match protocol {
        Protocol::Tcp => wit::Protocol::Tcp,
        Protocol::Udp => wit::Protocol::Udp,
    }
}

/// The name `Engine::set_protocol` takes.
pub fn protocol_name(protocol: wit::Protocol) -> &'static str {
    match protocol {
        wit::Protocol::Tcp => Protocol::Tcp.name(),
        wit::Protocol::Udp => Protocol::Udp.name(),
    }
}

pub fn error_code_to_wit(code: ErrorCode) -> wit::ErrorCode {
    use wit::ErrorCode as W;
    match code {
        ErrorCode::ConnectionRefused => W::ConnectionRefused,
        ErrorCode::RemoteHostClosed => W::RemoteHostClosed,
        ErrorCode::HostNotFound => W::HostNotFound,
        ErrorCode::SocketAccess => W::SocketAccess,
        ErrorCode::SocketResource => W::SocketResource,
        ErrorCode::SocketTimeout => W::SocketTimeout,
        ErrorCode::DatagramTooLarge => W::DatagramTooLarge,
        ErrorCode::Network => W::Network,
        ErrorCode::AddressInUse => W::AddressInUse,
        ErrorCode::SocketAddressNotAvailable => W::SocketAddressNotAvailable,
        ErrorCode::UnsupportedSocketOperation => W::UnsupportedSocketOperation,
        ErrorCode::ProxyConnectionRefused => W::ProxyConnectionRefused,
        ErrorCode::ProxyConnectionClosed => W::ProxyConnectionClosed,
        ErrorCode::ProxyConnectionTimeout => W::ProxyConnectionTimeout,
        ErrorCode::ProxyNotFound => W::ProxyNotFound,
        ErrorCode::ProxyProtocol => W::ProxyProtocol,
        ErrorCode::ProxyDenied => W::ProxyDenied,
        ErrorCode::UnknownSocket => W::UnknownSocket,
        ErrorCode::TlsCertificateUnknownIssuer => W::TlsCertificateUnknownIssuer,
        ErrorCode::TlsCertificateNameMismatch => W::TlsCertificateNameMismatch,
        ErrorCode::TlsCertificateExpired => W::TlsCertificateExpired,
        ErrorCode::TlsCertificateNotYetValid => W::TlsCertificateNotYetValid,
        ErrorCode::TlsCertificateRevoked => W::TlsCertificateRevoked,
        ErrorCode::TlsCertificateInvalid => W::TlsCertificateInvalid,
        ErrorCode::TlsProtocolError => W::TlsProtocolError,
        ErrorCode::TlsHandshakeFailed => W::TlsHandshakeFailed,
        ErrorCode::TlsError => W::TlsError,
    }
}

pub fn input_from_wit(input: wit::Input) -> Input {
    use wit::Input as W;
    match input {
        W::Resolved(r) => Input::Resolved {
            id: r.id,
            addrs: r.addrs.into_iter().map(ip_from_wit).collect(),
        },
        W::Connected(c) => Input::Connected {
            id: c.id,
            local: socket_addr_from_wit(c.local),
            remote: socket_addr_from_wit(c.remote),
        },
        W::Received(a) => Input::Received {
            id: a.id,
            data: a.data,
            from: a.from.map(socket_addr_from_wit),
        },
        W::Sent(p) => Input::Sent {
            id: p.id,
            len: usize::try_from(p.len).unwrap_or(usize::MAX),
        },
        W::PeerClosed(id) => Input::PeerClosed { id },
        W::Closed(id) => Input::Closed { id },
        W::Flushed(id) => Input::Flushed { id },
        W::Failed(f) => Input::Failed {
            id: f.id,
            error: f.error,
        },
        W::Listening(b) => Input::Listening {
            id: b.id,
            local: socket_addr_from_wit(b.local),
        },
        W::WsClosed(c) => Input::WsClosed {
            id: c.id,
            code: c.code,
            reason: c.reason,
            opened: c.opened,
        },
        W::Secure(id) => Input::Secure { id },
    }
}

pub fn action_to_wit(action: Action) -> wit::Action {
    use wit::Action as W;
    match action {
        Action::Resolve { id, host } => W::Resolve(wit::Lookup { id, host }),
        Action::Connect { id, addr, protocol } => W::Connect(wit::Dial {
            id,
            addr: socket_addr_to_wit(addr),
            protocol: protocol_to_wit(protocol),
        }),
        Action::ConnectName {
            id,
            host,
            port,
            protocol,
        } => W::ConnectName(wit::NamedDial {
            id,
            host,
            port,
            protocol: protocol_to_wit(protocol),
        }),
        Action::Send { id, data, to } => W::Send(wit::Transmission {
            id,
            data,
            to: to.map(socket_addr_to_wit),
        }),
        // The component writes owned bytes only; a held chunk of bytes goes out as a send.
        Action::SendHeld { id, data } => W::Send(wit::Transmission {
            id,
            data: data.handle::<Vec<u8>>().cloned().unwrap_or_default(),
            to: None,
        }),
        Action::Shutdown { id } => W::Shutdown(id),
        Action::EndOutput { id } => W::EndOutput(id),
        Action::Configure {
            id,
            no_delay,
            keep_alive,
        } => W::Configure(wit::TcpOptions {
            id,
            no_delay,
            keep_alive,
        }),
        Action::Abort { id } => W::Abort(id),
        Action::PauseReading { id } => W::PauseReading(id),
        Action::ResumeReading { id } => W::ResumeReading(id),
        Action::Listen {
            id,
            addr,
            ipv6_only,
            protocol,
        } => W::Listen(wit::BindRequest {
            id,
            addr: socket_addr_to_wit(addr),
            ipv6_only,
            protocol: protocol_to_wit(protocol),
        }),
        Action::StartTls { id, .. } => W::StartTls(id),
    }
}

pub fn event_to_wit(event: Event) -> wit::Event {
    use wit::Event as W;
    match event {
        Event::StateChanged(status) => W::StateChanged(status_to_wit(status)),
        Event::HostFound => W::HostFound,
        Event::Connected => W::Connected,
        Event::ConnectFailed { code, reason } => W::ConnectFailed(wit::Failure {
            code: error_code_to_wit(code),
            message: reason,
        }),
        // `fatal` is the JS layers' (the batch's error record): a component's host reads the
        // state-changed that follows a fatal error.
        Event::Error { code, message, .. } => W::Error(wit::Failure {
            code: error_code_to_wit(code),
            message,
        }),
        Event::DataAvailable(length) => W::DataAvailable(length as u64),
        Event::Disconnected(error) => W::Disconnected(error),
        Event::IncomingConnection => W::IncomingConnection,
        Event::Drain => W::Drain,
        Event::Idle => W::Idle,
        Event::Listening { local } => W::Listening(socket_addr_to_wit(local)),
        Event::Secure => W::Secure,
    }
}
