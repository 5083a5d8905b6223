//! The `tls` option of `new Socket(options)` and the argument of `startTls(options)`: `true`,
//! `false`, or `{ servername, ca, rejectUnauthorized, alpn }` (docs/spec.md, TLS). Read here so
//! that every host refuses the same values with the same TypeError: an unknown key (a typo must
//! not be ignored without a word) or a value of the wrong type. The host's TLS layer uses the
//! values; the engine only needs to know that TLS is on.

use std::fmt;

use serde::de::{Deserialize, Deserializer, Error, MapAccess, SeqAccess, Visitor};

/// What the script asked for. `enabled` is false for `tls: false`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
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

impl TlsOptions {
    /// The keys of the object form, as a script writes them.
    pub const NAMES: [&'static str; 4] = ["servername", "ca", "rejectUnauthorized", "alpn"];
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
                Ok(TlsOptions {
                    enabled: v,
                    reject_unauthorized: true,
                    ..TlsOptions::default()
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TlsOptions, A::Error> {
                let mut out = self.visit_bool(true)?;
                while let Some(key) = map.next_key::<String>()? {
                    // Absent, undefined and null keep the default (as the other options).
                    match key.as_str() {
                        "servername" => out.servername = map.next_value::<Option<String>>()?,
                        "ca" => out.ca = map.next_value::<Option<Pems>>()?.map_or(vec![], |p| p.0),
                        "rejectUnauthorized" => {
                            out.reject_unauthorized =
                                map.next_value::<Option<bool>>()?.unwrap_or(true)
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
