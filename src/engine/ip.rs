//! IP literals as std's `Ipv4Addr` / `Ipv6Addr` `FromStr` read them, by hand: std's parser is
//! generic over its number types and closures and was 3.6 KB of the wasm module
//! (docs/performance.md, "Module size"). Same grammar, same answers (the property tests run both
//! over random and generated text): dotted IPv4 with four decimal octets, no leading zeros and
//! at most three digits each; IPv6 with up to eight groups of one to four hex digits, one `::`,
//! and an embedded IPv4 address as its last 32 bits.

use std::net::{Ipv4Addr, Ipv6Addr};

/// A cursor over the text; every reader that fails leaves it where it was.
struct Reader<'a> {
    text: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.at).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        let hit = self.peek() == Some(c);
        self.at += usize::from(hit);
        hit
    }

    fn done(&self) -> bool {
        self.at == self.text.len()
    }

    /// A number of up to `max` digits in `radix` (10 or 16). A longer run of digits, a value
    /// over `limit`, or (decimal) a leading zero before more digits is none at all.
    fn number(&mut self, radix: u32, max: usize, limit: u32) -> Option<u32> {
        let start = self.at;
        let mut value = 0u32;
        while let Some(d) = self.peek().and_then(|c| char::from(c).to_digit(radix)) {
            self.at += 1;
            value = value * radix + d;
            if self.at - start > max {
                self.at = start;
                return None;
            }
        }
        let digits = self.at - start;
        let zero_prefix = radix == 10 && digits > 1 && self.text[start] == b'0';
        if digits == 0 || zero_prefix || value > limit {
            self.at = start;
            return None;
        }
        Some(value)
    }

    fn v4(&mut self) -> Option<[u8; 4]> {
        let start = self.at;
        let mut octets = [0u8; 4];
        for (i, octet) in octets.iter_mut().enumerate() {
            let value = if i == 0 || self.eat(b'.') {
                self.number(10, 3, 255)
            } else {
                None
            };
            match value {
                Some(v) => *octet = v as u8,
                None => {
                    self.at = start;
                    return None;
                }
            }
        }
        Some(octets)
    }

    /// Fills `groups` from the front: hex groups separated by `:`, the last two of them possibly
    /// an IPv4 address. Returns how many were read and whether an IPv4 address ended them.
    fn groups(&mut self, groups: &mut [u16]) -> (usize, bool) {
        let limit = groups.len();
        let mut i = 0;
        while i < limit {
            let before = self.at;
            if i > 0 && !self.eat(b':') {
                return (i, false);
            }
            if i + 1 < limit {
                if let Some([a, b, c, d]) = self.v4() {
                    groups[i] = u16::from_be_bytes([a, b]);
                    groups[i + 1] = u16::from_be_bytes([c, d]);
                    return (i + 2, true);
                }
            }
            match self.number(16, 4, 0xffff) {
                Some(g) => groups[i] = g as u16,
                None => {
                    self.at = before; // the separator too
                    return (i, false);
                }
            }
            i += 1;
        }
        (limit, false)
    }

    fn v6(&mut self) -> Option<[u16; 8]> {
        let mut head = [0u16; 8];
        let (head_len, head_v4) = self.groups(&mut head);
        if head_len == 8 {
            return Some(head);
        }
        // An IPv4 address only ends the address; `::` needs both colons.
        if head_v4 || !self.eat(b':') || !self.eat(b':') {
            return None;
        }
        // `::` stands for at least one group of zeros.
        let mut tail = [0u16; 7];
        let (tail_len, _) = self.groups(&mut tail[..7 - head_len]);
        head[8 - tail_len..].copy_from_slice(&tail[..tail_len]);
        Some(head)
    }
}

/// `text.parse::<Ipv4Addr>().ok()`.
pub fn parse_v4(text: &str) -> Option<Ipv4Addr> {
    let mut r = Reader {
        text: text.as_bytes(),
        at: 0,
    };
    r.v4().filter(|_| r.done()).map(Ipv4Addr::from)
}

/// `text.parse::<Ipv6Addr>().ok()`.
pub fn parse_v6(text: &str) -> Option<Ipv6Addr> {
    let mut r = Reader {
        text: text.as_bytes(),
        at: 0,
    };
    r.v6().filter(|_| r.done()).map(Ipv6Addr::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_std_reads_them() {
        for text in [
            "0.0.0.0",
            "255.255.255.255",
            "1.2.3.4",
            "01.2.3.4",
            "1.2.3",
            "1.2.3.4.5",
            "256.1.1.1",
            "1.2.3.04",
            "1..2.3",
            "1.2.3.4 ",
            "",
            "::",
            "::1",
            "1::",
            "1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7:8:9",
            "1:2:3:4:5:6:7::",
            "::2:3:4:5:6:7:8",
            "1::8",
            "1:::8",
            "1::2::3",
            "::ffff:1.2.3.4",
            "1:2:3:4:5:6:1.2.3.4",
            "1:2:3:4:5:6:7:1.2.3.4",
            "1.2.3.4::",
            "::1.2.3.4:5",
            "fe80::1",
            "FE80::ABCD:ef01",
            "12345::",
            "0000:0000::00000",
            ":1::",
            "1:",
            ":",
            "1::1.2.3",
            "::01.2.3.4",
            "::1.2.3.4",
            "1:2:3:4:5:6::1.2.3.4",
            "1:2:3:4:5::1.2.3.4",
        ] {
            assert_eq!(parse_v4(text), text.parse::<Ipv4Addr>().ok(), "{text:?}");
            assert_eq!(parse_v6(text), text.parse::<Ipv6Addr>().ok(), "{text:?}");
        }
    }
}

// proptest does not build for wasm32 (Cargo.toml): these run natively only.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(5_000))]

        #[test]
        fn random_text_as_std(text in "[0-9a-fA-F:.g ]{0,24}") {
            prop_assert_eq!(parse_v4(&text), text.parse::<Ipv4Addr>().ok());
            prop_assert_eq!(parse_v6(&text), text.parse::<Ipv6Addr>().ok());
        }

        #[test]
        fn near_v4_as_std(parts in proptest::collection::vec("(0|00|01|[1-9][0-9]{0,3})", 0..6)) {
            let text = parts.join(".");
            prop_assert_eq!(parse_v4(&text), text.parse::<Ipv4Addr>().ok());
            prop_assert_eq!(parse_v6(&text), text.parse::<Ipv6Addr>().ok());
        }

        #[test]
        fn near_v6_as_std(parts in proptest::collection::vec("(|0|[0-9a-fA-F]{1,5}|1\\.2\\.3\\.4|255\\.0\\.01\\.9)", 0..10)) {
            let text = parts.join(":");
            prop_assert_eq!(parse_v4(&text), text.parse::<Ipv4Addr>().ok());
            prop_assert_eq!(parse_v6(&text), text.parse::<Ipv6Addr>().ok());
        }

        #[test]
        fn every_v6_printed_as_std(groups in proptest::array::uniform8(prop_oneof![Just(0u16), Just(1u16), any::<u16>()])) {
            let ip = Ipv6Addr::from(groups);
            for text in [ip.to_string(), format!("{ip:?}"), format!("{:x}:{:x}:{:x}:{:x}:{:x}:{:x}:{:x}:{:x}", groups[0], groups[1], groups[2], groups[3], groups[4], groups[5], groups[6], groups[7])] {
                prop_assert_eq!(parse_v6(&text), Some(ip));
            }
        }
    }
}
