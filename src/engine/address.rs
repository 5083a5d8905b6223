//! Validation of what scripts pass as hosts, ports and interfaces.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::error::CommandError;
use super::ip::{parse_v4, parse_v6};

/// A port as a script passes it: JS numbers and numeric strings are both accepted.
#[derive(Debug, Clone, PartialEq)]
pub enum PortArg {
    Number(f64),
    Text(String),
    /// Anything else (null, an object, …): always invalid.
    Other,
}

impl From<u16> for PortArg {
    fn from(p: u16) -> Self {
        PortArg::Number(f64::from(p))
    }
}

/// The port in `min..=65535`, or `InvalidPort`. Only integers and strings of ASCII digits count:
/// `1.5`, `"80a"`, `" 80"` and `"-1"` are refused. A string's leading zeros do not count, so
/// `"065535"` is 65535 as `"080"` is 80.
pub fn parse_port(arg: &PortArg, min: u16) -> Result<u16, CommandError> {
    let bad = CommandError::InvalidPort { min };
    let value: u64 = match arg {
        PortArg::Number(n) if n.fract() == 0.0 && *n >= 0.0 && *n <= 65535.0 => *n as u64,
        PortArg::Text(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            // At most 5 significant digits: a longer one is out of range, and too long to parse.
            let digits = s.trim_start_matches('0');
            if digits.len() > 5 {
                return Err(bad);
            }
            digits.parse().unwrap_or(0)
        }
        _ => return Err(bad),
    };
    if value < u64::from(min) || value > 65535 {
        return Err(bad);
    }
    Ok(value as u16)
}

/// A validated connect target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    /// An IPv4 or IPv6 literal: no lookup needed.
    Ip(IpAddr),
    /// An RFC 1123 host name, to be resolved by the host.
    Name(String),
}

/// Parses an IP literal: dotted IPv4, or IPv6 bare or in brackets.
pub fn parse_ip(text: &str) -> Option<IpAddr> {
    if let Some(inner) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        return parse_v6(inner).map(IpAddr::V6);
    }
    if let Some(v4) = parse_v4(text) {
        return Some(IpAddr::V4(v4));
    }
    parse_v6(text).map(IpAddr::V6)
}

/// Parses an address as hosts report it (Node's `net`, a proxy's messages): an IP literal as
/// [`parse_ip`] takes it, with a `%zone` suffix dropped, since the engine's addresses carry no
/// zone. Every host adapter (the wasm-bindgen bindings, the component) goes through this one.
pub fn parse_host_ip(text: &str) -> Option<IpAddr> {
    parse_ip(text.split('%').next().unwrap_or(text))
}

/// Validates a connect host. A name whose last label is all digits must be a valid IPv4
/// literal (as URL parsers do), so `1.2.3.4.5` and `256.1.1.1` are refused rather than sent to
/// the resolver.
pub fn parse_host(text: &str) -> Result<Host, CommandError> {
    let bad = || CommandError::InvalidHost(text.to_string());
    if let Some(ip) = parse_ip(text) {
        return Ok(Host::Ip(ip));
    }
    let name = text.strip_suffix('.').unwrap_or(text);
    if name.is_empty() || name.len() > 253 {
        return Err(bad());
    }
    let labels: Vec<&str> = name.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if !labels.iter().all(label_ok) {
        return Err(bad());
    }
    if labels
        .last()
        .is_some_and(|l| l.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(bad());
    }
    Ok(Host::Name(name.to_string()))
}

/// Validates a `listen` interface: `''` (all interfaces) or an IP literal.
pub fn parse_interface(text: &str, force_ipv6: bool) -> Result<IpAddr, CommandError> {
    if text.is_empty() {
        return Ok(if force_ipv6 {
            IpAddr::V6(Ipv6Addr::UNSPECIFIED)
        } else {
            IpAddr::V4(Ipv4Addr::UNSPECIFIED)
        });
    }
    parse_ip(text).ok_or_else(|| CommandError::InvalidInterface(text.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports() {
        assert_eq!(parse_port(&PortArg::Number(80.0), 1), Ok(80));
        assert_eq!(parse_port(&PortArg::Text("6667".into()), 1), Ok(6667));
        assert_eq!(parse_port(&PortArg::Number(65535.0), 1), Ok(65535));
        assert_eq!(parse_port(&PortArg::Number(0.0), 0), Ok(0));
        for bad in [0.0, 65536.0, 1.5, -1.0, f64::NAN, f64::INFINITY] {
            assert!(parse_port(&PortArg::Number(bad), 1).is_err(), "{bad}");
        }
        for bad in ["", "abc", "80a", " 80", "-1", "65536", "123456", "1e3"] {
            assert!(
                parse_port(&PortArg::Text(bad.into()), 1).is_err(),
                "{bad:?}"
            );
        }
        assert_eq!(parse_port(&PortArg::Text("065535".into()), 1), Ok(65535));
        assert_eq!(parse_port(&PortArg::Text("000080".into()), 1), Ok(80));
        assert_eq!(parse_port(&PortArg::Text("000".into()), 0), Ok(0));
        assert!(parse_port(&PortArg::Text("000".into()), 1).is_err());
        assert!(parse_port(&PortArg::Text("0065536".into()), 1).is_err());
        assert!(parse_port(&PortArg::Text("9".repeat(40)), 0).is_err());
        assert!(parse_port(&PortArg::Other, 0).is_err());
        assert!(parse_port(&PortArg::Number(65536.0), 0).is_err());
    }

    #[test]
    fn hosts() {
        assert_eq!(
            parse_host("127.0.0.1"),
            Ok(Host::Ip("127.0.0.1".parse().unwrap()))
        );
        assert_eq!(parse_host("::1"), Ok(Host::Ip("::1".parse().unwrap())));
        assert_eq!(parse_host("[::1]"), Ok(Host::Ip("::1".parse().unwrap())));
        assert_eq!(parse_host("localhost"), Ok(Host::Name("localhost".into())));
        assert_eq!(
            parse_host("irc.libera.chat."),
            Ok(Host::Name("irc.libera.chat".into()))
        );
        assert_eq!(
            parse_host("3com.example"),
            Ok(Host::Name("3com.example".into()))
        );
        for bad in [
            "",
            ".",
            "a..b",
            "-x",
            "x-",
            "a_b",
            "1.2.3.4.5",
            "256.1.1.1",
            "[::1",
            "::1]",
            "[127.0.0.1]",
            "host name",
            "ex%ample",
            "123",
        ] {
            assert!(parse_host(bad).is_err(), "{bad:?}");
        }
        assert!(parse_host(&"a".repeat(64)).is_err());
        assert!(parse_host(&format!("{}.com", "a.".repeat(130))).is_err());
    }

    #[test]
    fn host_reported_addresses() {
        assert_eq!(
            parse_host_ip("fe80::1%eth0"),
            Some("fe80::1".parse().unwrap())
        );
        assert_eq!(
            parse_host_ip("::ffff:127.0.0.1"),
            parse_ip("::ffff:127.0.0.1")
        );
        assert_eq!(
            parse_host_ip("127.0.0.1"),
            Some("127.0.0.1".parse().unwrap())
        );
        assert_eq!(parse_host_ip("localhost"), None);
    }

    #[test]
    fn interfaces() {
        assert_eq!(parse_interface("", false), Ok("0.0.0.0".parse().unwrap()));
        assert_eq!(parse_interface("", true), Ok("::".parse().unwrap()));
        assert_eq!(parse_interface("[::1]", false), Ok("::1".parse().unwrap()));
        assert!(parse_interface("localhost", false).is_err());
    }
}
