//! The peer certificate as `tlsInfo().peerCertificate`: subject, issuer, validity and the SHA-256
//! fingerprint, in Node's shapes (`{ CN, O, … }`, "Mar  1 00:00:00 2026 GMT" is Node's; here ISO
//! 8601, which `new Date()` reads). A small DER walk over the TBSCertificate: a full X.509 parser
//! would cost the module more than the rest of it for five fields.

use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerCertificate {
    /// Attribute short name (CN, O, OU, C, ST, L, …; else the dotted OID) to value.
    pub subject: BTreeMap<String, String>,
    pub issuer: BTreeMap<String, String>,
    /// ISO 8601, UTC: "2026-03-01T00:00:00Z".
    pub valid_from: String,
    pub valid_to: String,
    /// Upper-case hex pairs joined by ':', as Node's `fingerprint256`.
    pub fingerprint256: String,
}

/// One DER element: (tag, contents, rest).
fn element(der: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = der.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n].iter().fold(0usize, |a, &b| (a << 8) | b as usize);
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

fn oid_name(oid: &[u8]) -> String {
    match oid {
        [0x55, 0x04, 0x03] => "CN".into(),
        [0x55, 0x04, 0x06] => "C".into(),
        [0x55, 0x04, 0x07] => "L".into(),
        [0x55, 0x04, 0x08] => "ST".into(),
        [0x55, 0x04, 0x0a] => "O".into(),
        [0x55, 0x04, 0x0b] => "OU".into(),
        [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01] => "emailAddress".into(),
        _ => {
            // Dotted form: first byte holds two arcs, the rest base-128.
            let mut parts = Vec::new();
            if let Some((&f, rest)) = oid.split_first() {
                parts.push((f / 40) as u64);
                parts.push((f % 40) as u64);
                let mut v = 0u64;
                for &b in rest {
                    v = (v << 7) | (b & 0x7f) as u64;
                    if b & 0x80 == 0 {
                        parts.push(v);
                        v = 0;
                    }
                }
            }
            parts
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join(".")
        }
    }
}

/// A Name (SEQUENCE OF SET OF AttributeTypeAndValue) as a map; repeated attributes joined by
/// "\n" (Node gives an array; one string keeps the shape simple).
fn name(der: &[u8]) -> Option<BTreeMap<String, String>> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    let mut rdns = der;
    while !rdns.is_empty() {
        let (_, set, rest) = element(rdns)?;
        rdns = rest;
        let mut atvs = set;
        while !atvs.is_empty() {
            let (_, atv, rest) = element(atvs)?;
            atvs = rest;
            let (_, oid, rest) = element(atv)?;
            let (_, value, _) = element(rest)?;
            let value = String::from_utf8_lossy(value).into_owned();
            out.entry(oid_name(oid))
                .and_modify(|v| {
                    v.push('\n');
                    v.push_str(&value)
                })
                .or_insert(value);
        }
    }
    Some(out)
}

/// UTCTime (YYMMDDHHMMSSZ) or GeneralizedTime (YYYYMMDDHHMMSSZ) as ISO 8601.
fn time(tag: u8, v: &[u8]) -> Option<String> {
    let s = std::str::from_utf8(v).ok()?;
    let (year, rest) = match tag {
        0x17 => {
            let yy: u32 = s.get(..2)?.parse().ok()?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, s.get(2..)?)
        }
        0x18 => (s.get(..4)?.parse().ok()?, s.get(4..)?),
        _ => return None,
    };
    let d = rest.as_bytes();
    if d.len() < 11 || d[10] != b'Z' || !d[..10].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let f = |i: usize| &rest[i..i + 2];
    Some(format!(
        "{year:04}-{}-{}T{}:{}:{}Z",
        f(0),
        f(2),
        f(4),
        f(6),
        f(8)
    ))
}

/// The certificate's fields, or None if its DER is not a certificate as expected.
pub fn describe(der: &[u8]) -> Option<PeerCertificate> {
    let (_, cert, _) = element(der)?;
    let (_, tbs, _) = element(cert)?;
    let mut rest = tbs;
    let (tag, _, r) = element(rest)?;
    if tag == 0xa0 {
        rest = r; // version [0]
    }
    let (_, _, rest) = element(rest)?; // serialNumber
    let (_, _, rest) = element(rest)?; // signature algorithm
    let (_, issuer, rest) = element(rest)?;
    let (_, validity, rest) = element(rest)?;
    let (_, subject, _) = element(rest)?;
    let (t1, from, r) = element(validity)?;
    let (t2, to, _) = element(r)?;
    let digest = ring::digest::digest(&ring::digest::SHA256, der);
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut fingerprint256 = String::with_capacity(95);
    for (i, b) in digest.as_ref().iter().enumerate() {
        if i > 0 {
            fingerprint256.push(':');
        }
        fingerprint256.push(HEX[(b >> 4) as usize] as char);
        fingerprint256.push(HEX[(b & 15) as usize] as char);
    }
    Some(PeerCertificate {
        subject: name(subject)?,
        issuer: name(issuer)?,
        valid_from: time(t1, from)?,
        valid_to: time(t2, to)?,
        fingerprint256,
    })
}
