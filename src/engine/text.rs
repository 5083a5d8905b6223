//! Numbers, addresses and quoted names as text, without `core::fmt`. The wasm module ships no
//! formatting machinery on its paths (each `format!`, `to_string()` of a number or address, and
//! `{:?}` pulls in code: docs/performance.md, "Module size"); these give the same text as std's
//! `Display` (and, for plain text, `Debug`), which the tests check.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// `n` in decimal, as `n.to_string()`.
pub fn decimal(n: u64) -> String {
    let mut out = String::new();
    push_decimal(&mut out, n);
    out
}

/// Appends `n` in decimal.
pub fn push_decimal(out: &mut String, n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = n;
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    for &d in &digits[at..] {
        out.push(char::from(d));
    }
}

/// Appends `n` in lowercase hex without leading zeros, as `{:x}`.
fn push_hex(out: &mut String, n: u16) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut started = false;
    for shift in [12, 8, 4, 0] {
        let d = (n >> shift) & 0xf;
        if d != 0 || started || shift == 0 {
            started = true;
            out.push(char::from(HEX[usize::from(d)]));
        }
    }
}

/// An IP address as std's `Display` writes it: dotted IPv4; IPv6 in RFC 5952's form (the
/// longest run of two or more zero groups as `::`, the first of equal runs), an IPv4-mapped
/// address as `::ffff:a.b.c.d`.
pub fn ip_text(ip: &IpAddr) -> String {
    // The longest text ("ffff:…" eight groups): one allocation.
    let mut out = String::with_capacity(39);
    push_ip(&mut out, ip);
    out
}

/// Appends `ip` as [`ip_text`] writes it (into a buffer the caller reuses: no allocation).
pub fn push_ip(out: &mut String, ip: &IpAddr) {
    match ip {
        IpAddr::V4(v4) => push_ipv4(out, v4),
        IpAddr::V6(v6) => push_ipv6(out, v6),
    }
}

fn push_ipv4(out: &mut String, ip: &Ipv4Addr) {
    for (i, octet) in ip.octets().into_iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        push_decimal(out, u64::from(octet));
    }
}

fn push_ipv6(out: &mut String, ip: &Ipv6Addr) {
    if let Some(v4) = ip.to_ipv4_mapped() {
        out.push_str("::ffff:");
        return push_ipv4(out, &v4);
    }
    let groups = ip.segments();
    // The longest run of zero groups (start, length); the first one wins a tie.
    let (mut best, mut run) = ((0, 0), (0, 0));
    for (i, &g) in groups.iter().enumerate() {
        if g == 0 {
            run = if run.1 == 0 {
                (i, 1)
            } else {
                (run.0, run.1 + 1)
            };
            if run.1 > best.1 {
                best = run;
            }
        } else {
            run = (0, 0);
        }
    }
    let push_groups = |out: &mut String, part: &[u16]| {
        for (i, &g) in part.iter().enumerate() {
            if i > 0 {
                out.push(':');
            }
            push_hex(out, g);
        }
    };
    if best.1 > 1 {
        push_groups(out, &groups[..best.0]);
        out.push_str("::");
        push_groups(out, &groups[best.0 + best.1..]);
    } else {
        push_groups(out, &groups);
    }
}

/// Where `needle` first occurs in `hay`, by a plain byte search: `str::find` and `contains`
/// with a `&str` bring the Two-Way searcher (kilobytes of module) for the short texts searched
/// here.
pub fn find(hay: &str, needle: &str) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    hay.as_bytes()
        .windows(needle.len())
        .position(|w| w == needle.as_bytes())
}

/// `text` with its first `from` (every one when `all`) replaced by `to`; `from` is not empty.
pub fn replace(text: &str, from: &str, to: &str, all: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = find(rest, from).filter(|_| !from.is_empty()) {
        // Checked splits (a match starts and ends on character boundaries): no panic path.
        let Some((before, after)) = rest.split_at_checked(at) else {
            break;
        };
        out.push_str(before);
        out.push_str(to);
        rest = after.get(from.len()..).unwrap_or("");
        if !all {
            break;
        }
    }
    out.push_str(rest);
    out
}

/// `text` in double quotes, as `{:?}` writes a string of printable characters: `"` and `\`
/// escaped, and control characters as `\n`, `\r`, `\t`, `\0` or `\u{…}`.
pub fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            c if c.is_control() => {
                out.push_str("\\u{");
                let mut hex = String::new();
                push_hex(&mut hex, c as u16); // every control character is below U+00A0
                out.push_str(&hex);
                out.push('}');
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals() {
        for n in [0, 1, 9, 10, 65535, 1 << 32, u64::MAX] {
            assert_eq!(decimal(n), n.to_string());
        }
    }

    #[test]
    fn addresses_as_std_writes_them() {
        for text in [
            "0.0.0.0",
            "255.255.255.255",
            "10.0.20.3",
            "::",
            "::1",
            "1::",
            "1:0:0:1:0:0:0:1",
            "1:0:0:1:0:0:1:1",
            "1:0:1:0:1:0:1:0",
            "fe80::1:2",
            "::ffff:1.2.3.4",
            "::1.2.3.4",
            "2001:db8:85a3::8a2e:370:7334",
        ] {
            let ip: IpAddr = text.parse().unwrap();
            assert_eq!(ip_text(&ip), ip.to_string(), "{text}");
        }
    }

    #[test]
    fn quoted_as_debug_writes_text() {
        for text in [
            "",
            "a b",
            "wi\"th\\",
            "tab\there\nnl\r\0",
            "\u{1}\u{7f}\u{9f}",
            "ÿé€",
        ] {
            assert_eq!(quoted(text), format!("{text:?}"), "{text:?}");
        }
    }
}

// proptest does not build for wasm32 (Cargo.toml): these run natively only.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn every_ipv6_as_std(groups in proptest::array::uniform8(prop_oneof![Just(0u16), Just(1u16), any::<u16>()])) {
            let ip = IpAddr::V6(Ipv6Addr::from(groups));
            prop_assert_eq!(ip_text(&ip), ip.to_string());
        }

        #[test]
        fn every_ipv4_as_std(octets in any::<[u8; 4]>()) {
            let ip = IpAddr::V4(Ipv4Addr::from(octets));
            prop_assert_eq!(ip_text(&ip), ip.to_string());
        }
    }
}
