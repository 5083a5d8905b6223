//! The `tls` option of `new Socket(options)` and the argument of `startTls(options)`: `true`,
//! `false`, or `{ servername, ca, rejectUnauthorized, alpn }` (docs/spec.md, TLS). Read here so
//! that every host refuses the same values with the same TypeError: an unknown key (a typo must
//! not be ignored without a word) or a value of the wrong type. The engine fills in the defaults
//! ([`TlsOptions::resolve`]) and hands the host's TLS layer the result with each
//! `Action::StartTls`: no host reads the script's options itself.

use std::fmt;
use std::net::IpAddr;

use serde::de::{Deserialize, Deserializer, Error, MapAccess, SeqAccess, Visitor};
use serde::Serialize;

use super::text::ip_text;

/// What the script asked for. `enabled` is false for `tls: false`; the default is no TLS, and
/// `reject_unauthorized` true as for every form the script writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsOptions {
    pub enabled: bool,
    /// SNI and the name the certificate must hold; the host connected to when absent.
    pub servername: Option<String>,
    /// PEM certificates trusted beside the bundled web PKI roots.
    pub ca: Vec<String>,
    /// false: connect whatever the certificate check says (default true).
    pub reject_unauthorized: bool,
    /// ALPN protocols offered, most preferred first.
    pub alpn: Vec<String>,
}

impl Default for TlsOptions {
    fn default() -> Self {
        TlsOptions {
            enabled: false,
            servername: None,
            ca: Vec::new(),
            reject_unauthorized: true,
            alpn: Vec::new(),
        }
    }
}

impl TlsOptions {
    /// The keys of the object form, as a script writes them.
    pub const NAMES: [&'static str; 4] = ["servername", "ca", "rejectUnauthorized", "alpn"];

    /// `tls: true` (`on`) or `tls: false`: every key at its default.
    pub fn on(on: bool) -> TlsOptions {
        TlsOptions {
            enabled: on,
            ..TlsOptions::default()
        }
    }

    /// The handshake these options ask for on a connection to `remote`: `servername` when
    /// given, else `host` (the name `connect()` was given, when it was a name), else the
    /// remote IP address (a connect by IP, an accepted connection).
    pub fn resolve(&self, host: Option<&str>, remote: IpAddr) -> TlsHandshake {
        let servername = match (&self.servername, host) {
            (Some(name), _) => name.clone(),
            (None, Some(host)) => host.to_string(),
            (None, None) => ip_text(&remote),
        };
        TlsHandshake {
            servername,
            ca: self.ca.clone(),
            reject_unauthorized: self.reject_unauthorized,
            alpn: self.alpn.clone(),
        }
    }
}

/// One handshake's options as the host's TLS layer uses them, every default filled in
/// (`Action::StartTls`); crosses to JS as `{ servername, ca, rejectUnauthorized, alpn }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TlsHandshake {
    /// SNI (for a name) and the name or IP address the certificate must hold.
    pub servername: String,
    /// PEM certificates trusted beside the bundled web PKI roots.
    pub ca: Vec<String>,
    /// false: connect whatever the certificate check says.
    pub reject_unauthorized: bool,
    /// ALPN protocols offered, most preferred first.
    pub alpn: Vec<String>,
}

/// One PEM text or an array of them.
struct Pems(Vec<String>);

impl<'de> Deserialize<'de> for Pems {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Pems;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("PEM text or an array of PEM texts")
            }
            fn visit_str<E: Error>(self, v: &str) -> Result<Pems, E> {
                Ok(Pems(vec![v.to_string()]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Pems, A::Error> {
                let mut out = Vec::new();
                while let Some(s) = seq.next_element::<String>()? {
                    out.push(s);
                }
                Ok(Pems(out))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for TlsOptions {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = TlsOptions;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("true, false or { servername, ca, rejectUnauthorized, alpn }")
            }
            fn visit_bool<E: Error>(self, v: bool) -> Result<TlsOptions, E> {
                Ok(TlsOptions::on(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TlsOptions, A::Error> {
                let mut out = self.visit_bool(true)?;
                while let Some(key) = map.next_key::<String>()? {
                    // Absent, undefined and null keep the default (as the other options).
                    match key.as_str() {
                        "servername" => out.servername = map.next_value::<Option<String>>()?,
                        "ca" => out.ca = map.next_value::<Option<Pems>>()?.map_or(vec![], |p| p.0),
                        "rejectUnauthorized" => {
                            out.reject_unauthorized = map
                                .next_value::<Option<bool>>()?
                                .unwrap_or(out.reject_unauthorized)
                        }
                        "alpn" => {
                            out.alpn = map.next_value::<Option<Vec<String>>>()?.unwrap_or_default()
                        }
                        other => {
                            return Err(A::Error::custom(format_args!(
                                "unknown key {other:?}; the keys are {}",
                                TlsOptions::NAMES.join(", ")
                            )))
                        }
                    }
                }
                Ok(out)
            }
        }
        d.deserialize_any(V)
    }
}
