//! What `new Socket(options)` sets, as one value: the host reads a script's options object into
//! [`Options`] (the JS bindings with serde-wasm-bindgen: src/bindings/options.rs) and
//! [`Engine::configure`](super::Engine::configure) applies it by the same rules as the setters.

/// The constructor's options (docs/spec.md, Construction). Every field is optional; `None`
/// (absent, `undefined` or `null`) keeps the default. A value of the wrong type fails to
/// deserialize with an error that starts with the option's name.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
pub struct Options {
    /// The browser host's proxy URL template, or a Wisp server's URL (the hosts read it; the
    /// engine only checks that it is a string).
    #[serde(default, deserialize_with = "proxy")]
    pub proxy: Option<String>,
    /// `setConnectTimeout(ms)`.
    #[serde(
        default,
        rename = "connectTimeout",
        deserialize_with = "connect_timeout"
    )]
    pub connect_timeout: Option<f64>,
    /// `setIdleTimeout(ms)`.
    #[serde(default, rename = "idleTimeout", deserialize_with = "idle_timeout")]
    pub idle_timeout: Option<f64>,
    /// `setProtocol(name)`.
    #[serde(default, deserialize_with = "protocol")]
    pub protocol: Option<String>,
    /// TLS on connect (src/engine/tls_options.rs; the engine's phase: socket/tls.rs).
    #[serde(default, deserialize_with = "tls")]
    pub tls: Option<super::tls_options::TlsOptions>,
}

impl Options {
    /// The options' names as a script writes them, in the order of the fields.
    pub const NAMES: [&'static str; 5] =
        ["proxy", "connectTimeout", "idleTimeout", "protocol", "tls"];
}

/// A field's deserializer whose errors name the option: `connectTimeout: invalid type: …`.
/// Also the Direct Sockets options' (direct.rs).
macro_rules! named {
    ($vis:vis $f:ident, $name:literal, $t:ty) => {
        $vis fn $f<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<$t>, D::Error> {
            <Option<$t> as serde::Deserialize>::deserialize(d).map_err(|e| {
                <D::Error as serde::de::Error>::custom(format_args!("{}: {e}", $name))
            })
        }
    };
}
pub(super) use named;
named!(pub(super) proxy, "proxy", String);
named!(connect_timeout, "connectTimeout", f64);
named!(idle_timeout, "idleTimeout", f64);
named!(protocol, "protocol", String);
named!(tls, "tls", super::tls_options::TlsOptions);
