//! The Direct Sockets constructors' options (docs/direct-sockets.md): `new TCPSocket(address,
//! port, options)`, `new UDPSocket(options)`, `new TCPServerSocket(address, options)`, and
//! `connect(address, options)`'s (docs/connect.md). The JS
//! bindings read a script's object into [`DirectOptions`] with serde-wasm-bindgen
//! (src/bindings/direct.rs: names a constructor does not know, and wrong types, refused there;
//! the addresses and ports by their JS type there too), and the rules on the values are here,
//! one method per constructor. Each error is the TypeError's message after the constructor's
//! name.

use super::options::named;

named!(no_delay, "noDelay", bool);
named!(keep_alive_delay, "keepAliveDelay", f64);
named!(send_buffer_size, "sendBufferSize", f64);
named!(receive_buffer_size, "receiveBufferSize", f64);
named!(secure_transport, "secureTransport", String);
named!(dns_query_type, "dnsQueryType", String);
named!(ipv6_only, "ipv6Only", bool);
named!(backlog, "backlog", f64);
named!(allow_half_open, "allowHalfOpen", bool);

/// The typed options of the three constructors, one struct (each constructor takes the names in
/// its `*_NAMES`; `tls` is the Socket's own option, checked by its constructor: tls_options.rs).
#[derive(Debug, Default, serde::Deserialize)]
pub struct DirectOptions {
    #[serde(default, deserialize_with = "super::options::proxy")]
    pub proxy: Option<String>,
    #[serde(default, rename = "noDelay", deserialize_with = "no_delay")]
    pub no_delay: Option<bool>,
    #[serde(
        default,
        rename = "keepAliveDelay",
        deserialize_with = "keep_alive_delay"
    )]
    pub keep_alive_delay: Option<f64>,
    #[serde(
        default,
        rename = "sendBufferSize",
        deserialize_with = "send_buffer_size"
    )]
    pub send_buffer_size: Option<f64>,
    #[serde(
        default,
        rename = "receiveBufferSize",
        deserialize_with = "receive_buffer_size"
    )]
    pub receive_buffer_size: Option<f64>,
    #[serde(
        default,
        rename = "secureTransport",
        deserialize_with = "secure_transport"
    )]
    pub secure_transport: Option<String>,
    #[serde(default, rename = "dnsQueryType", deserialize_with = "dns_query_type")]
    pub dns_query_type: Option<String>,
    #[serde(default, rename = "ipv6Only", deserialize_with = "ipv6_only")]
    pub ipv6_only: Option<bool>,
    #[serde(default, deserialize_with = "backlog")]
    pub backlog: Option<f64>,
    #[serde(
        default,
        rename = "allowHalfOpen",
        deserialize_with = "allow_half_open"
    )]
    pub allow_half_open: Option<bool>,
}

impl DirectOptions {
    pub const TCP_NAMES: [&'static str; 8] = [
        "proxy",
        "noDelay",
        "keepAliveDelay",
        "sendBufferSize",
        "receiveBufferSize",
        "secureTransport",
        "dnsQueryType",
        "tls",
    ];
    pub const UDP_NAMES: [&'static str; 9] = [
        "proxy",
        "remoteAddress",
        "remotePort",
        "localAddress",
        "localPort",
        "ipv6Only",
        "sendBufferSize",
        "receiveBufferSize",
        "dnsQueryType",
    ];
    pub const SERVER_NAMES: [&'static str; 4] = ["proxy", "localPort", "backlog", "ipv6Only"];
    /// `connect(address, options)` (the shape of Cloudflare's `cloudflare:sockets`:
    /// docs/connect.md) reads its options here too.
    pub const CONNECT_NAMES: [&'static str; 4] =
        ["secureTransport", "allowHalfOpen", "proxy", "tls"];

    /// How many accepted connections may wait unread in TCPServerSocket's readable when
    /// `backlog` is not given.
    pub const DEFAULT_BACKLOG: u32 = 128;

    /// TCPSocket's rules.
    pub fn check_tcp(&self) -> Result<(), String> {
        if self
            .keep_alive_delay
            .is_some_and(|d| d.is_nan() || d < 1000.0)
        {
            return Err("keepAliveDelay must be at least 1000 ms".into());
        }
        self.check_secure_transport()?;
        self.check_common()
    }

    /// connect()'s rules. `tls`: whether the `tls` option was given (an object: the bindings
    /// check its type, the Socket its fields).
    pub fn check_connect(&self, tls: bool) -> Result<(), String> {
        self.check_secure_transport()?;
        // The engine ends the connection when the peer half-closes (docs/spec.md: KVIrc has no
        // half-open sockets), so a writable that outlives the peer's end cannot be offered.
        if self.allow_half_open == Some(true) {
            return Err(
                "allowHalfOpen must be false (the default): kvsocket ends the connection \
                 when the peer half-closes (docs/spec.md)"
                    .into(),
            );
        }
        if tls && matches!(self.secure_transport.as_deref(), None | Some("off")) {
            return Err("the tls option needs secureTransport 'on' or 'starttls'".into());
        }
        Ok(())
    }

    fn check_secure_transport(&self) -> Result<(), String> {
        match self.secure_transport.as_deref() {
            None | Some("off" | "on" | "starttls") => Ok(()),
            Some(other) => Err(format!(
                "secureTransport must be 'off', 'on' or 'starttls', got {}",
                super::text::quoted(other)
            )),
        }
    }

    /// UDPSocket's rules: connected mode (`remoteAddress` and `remotePort`) or bound mode
    /// (`localAddress`, and `localPort`): `given(name)` says whether the option was given (not
    /// `undefined`).
    pub fn check_udp(&self, given: impl Fn(&str) -> bool) -> Result<(), String> {
        let connected = given("remoteAddress") || given("remotePort");
        if connected == given("localAddress") {
            return Err(
                "give either remoteAddress and remotePort (connected mode) or \
                        localAddress (bound mode)"
                    .into(),
            );
        }
        if connected && !(given("remoteAddress") && given("remotePort")) {
            return Err("connected mode needs both remoteAddress and remotePort".into());
        }
        self.check_common()
    }

    /// TCPServerSocket's rules, and its backlog. `port_is_zero`: the `localPort` given is 0
    /// (any port is asked for by leaving it out).
    pub fn check_server(&self, port_is_zero: bool) -> Result<u32, String> {
        if port_is_zero {
            return Err("localPort must not be 0 (leave it out for any port)".into());
        }
        match self.backlog {
            None => Ok(Self::DEFAULT_BACKLOG),
            Some(b) if b >= 1.0 && b.fract() == 0.0 && b <= u32::MAX as f64 => Ok(b as u32),
            Some(_) => Err("backlog must be a positive integer".into()),
        }
    }

    fn check_common(&self) -> Result<(), String> {
        if let Some(other) = self
            .dns_query_type
            .as_deref()
            .filter(|t| *t != "ipv4" && *t != "ipv6")
        {
            return Err(format!(
                "dnsQueryType must be 'ipv4' or 'ipv6', got {}",
                super::text::quoted(other)
            ));
        }
        // WICG: a buffer size of 0 is a TypeError (other values are the Socket's high-water
        // marks, whose setters refuse what is not a positive integer).
        for (name, value) in [
            ("sendBufferSize", self.send_buffer_size),
            ("receiveBufferSize", self.receive_buffer_size),
        ] {
            if value == Some(0.0) {
                return Err(format!("{name} must not be 0"));
            }
        }
        Ok(())
    }
}
