//! The receive side: what `read`, `readBytes` and `readHex` take, and how bytes become text.

use std::collections::VecDeque;
use std::net::SocketAddr;

use super::held::{Held, HeldSlice};

/// Bytes received and not yet read. A stream is one run of bytes; datagrams stay separate so a
/// read never mixes two of them.
#[derive(Debug, Default)]
pub struct RecvBuffer {
    /// Stream bytes as they arrived, one piece per receive, the first one read up to `head`.
    /// Owned pieces are moved in and, when a read takes exactly one whole piece (the common case
    /// of a script reading on every dataAvailable), moved out: the bytes are not copied inside
    /// wasm. Held pieces are chunks the host gave by handle (docs/design.md, the receive path).
    chunks: VecDeque<Piece>,
    head: usize,
    stream_len: usize,
    datagrams: VecDeque<(Vec<u8>, Option<SocketAddr>)>,
    datagram_bytes: usize,
}

/// One receive's stream bytes: the bytes themselves, or the host's chunk by handle with its last
/// bytes (a JS host's chunk as the network gave it, so that a read of exactly that chunk hands
/// it out without a copy). The last bytes are what the UTF-8 rule of a text read looks at.
#[derive(Debug)]
enum Piece {
    Owned(Vec<u8>),
    Held { held: Held, tail: Tail },
}

/// The last (up to 3) bytes of a held piece.
#[derive(Debug, Clone, Copy)]
struct Tail {
    bytes: [u8; 3],
    len: u8,
}

impl Tail {
    fn of(bytes: &[u8]) -> Tail {
        let n = bytes.len().min(3);
        let mut tail = Tail {
            bytes: [0; 3],
            len: n as u8,
        };
        tail.bytes[..n].copy_from_slice(&bytes[bytes.len() - n..]);
        tail
    }
}

impl Piece {
    fn len(&self) -> usize {
        match self {
            Piece::Owned(data) => data.len(),
            Piece::Held { held, .. } => held.len(),
        }
    }

    fn is_held(&self) -> bool {
        matches!(self, Piece::Held { .. })
    }

    /// The bytes of the piece from `start`, read backwards, as far as they are known.
    fn known_tail(&self, start: usize) -> &[u8] {
        match self {
            Piece::Owned(data) => &data[start..],
            Piece::Held { held, tail } => {
                let known = usize::from(tail.len).min(held.len() - start);
                &tail.bytes[usize::from(tail.len) - known..usize::from(tail.len)]
            }
        }
    }
}

impl RecvBuffer {
    /// Bytes buffered (stream bytes plus every pending datagram's bytes).
    pub fn len(&self) -> usize {
        self.stream_len + self.datagram_bytes
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends stream bytes.
    pub fn push_stream(&mut self, data: Vec<u8>) {
        if !data.is_empty() {
            self.stream_len += data.len();
            self.chunks.push_back(Piece::Owned(data));
        }
    }

    /// Appends a chunk the host holds; `tail` is its last bytes (at least the last 3 when
    /// there are that many; more are ignored).
    pub fn push_held(&mut self, held: Held, tail: &[u8]) {
        let len = held.len();
        if len > 0 {
            self.stream_len += len;
            let tail = Tail::of(&tail[tail.len().saturating_sub(len)..]);
            self.chunks.push_back(Piece::Held { held, tail });
        }
    }

    /// Whether the stream bytes buffered are held by the host (false when there are none).
    pub fn stream_is_held(&self) -> bool {
        self.chunks.front().is_some_and(Piece::is_held)
    }

    /// Whether datagrams wait (a read takes from the oldest one first).
    pub fn has_datagrams(&self) -> bool {
        !self.datagrams.is_empty()
    }

    /// How many stream bytes a read takes, per docs/spec.md's length rule. With
    /// `keep_partial_char`, a read of everything leaves an incomplete UTF-8 sequence at the end
    /// for the next read.
    fn stream_count(&self, length: Option<usize>, keep_partial_char: bool) -> usize {
        let available = self.stream_len;
        match length {
            Some(n) if n < available => n,
            _ if keep_partial_char => {
                let (last, n) = self.last_bytes();
                available - incomplete_utf8_tail(&last[3 - n..])
            }
            _ => available,
        }
    }

    /// Takes stream bytes per docs/spec.md's length rule (see `stream_count`). Held pieces among
    /// them (a host mixing both forms) contribute no bytes.
    pub fn take_stream(&mut self, length: Option<usize>, keep_partial_char: bool) -> Vec<u8> {
        let n = self.stream_count(length, keep_partial_char);
        self.stream_len -= n;
        if self.head == 0 && self.chunks.front().is_some_and(|c| c.len() == n) {
            if let Some(Piece::Owned(data)) = self.chunks.pop_front() {
                return data;
            }
            return Vec::new();
        }
        let mut out = Vec::with_capacity(n);
        let mut left = n;
        while left > 0 {
            let Some(front) = self.chunks.front() else {
                break;
            };
            let take = (front.len() - self.head).min(left);
            if let Piece::Owned(data) = front {
                out.extend_from_slice(&data[self.head..self.head + take]);
            }
            left -= take;
            self.advance(take);
        }
        out
    }

    /// Takes held stream bytes, per the same rule as `take_stream`: the parts of the host's
    /// chunks they are, in order (owned pieces among them, a host mixing both forms, contribute
    /// none).
    pub fn take_held(&mut self, length: Option<usize>, keep_partial_char: bool) -> Vec<HeldSlice> {
        let n = self.stream_count(length, keep_partial_char);
        self.stream_len -= n;
        let mut out = Vec::new();
        let mut left = n;
        while left > 0 && !self.chunks.is_empty() {
            let start = self.head;
            let take = (self.chunks[0].len() - start).min(left);
            if let Piece::Held { held, .. } = &self.chunks[0] {
                let slice = HeldSlice {
                    held: held.clone(),
                    start,
                    end: start + take,
                };
                out.push(slice);
            }
            left -= take;
            self.advance(take);
        }
        out
    }

    /// Moves past `n` bytes of the front piece (at most what is left of it).
    fn advance(&mut self, n: usize) {
        self.head += n;
        if self.chunks.front().is_some_and(|c| self.head >= c.len()) {
            self.chunks.pop_front();
            self.head = 0;
        }
    }

    /// The last 3 (or fewer: `n`) stream bytes, in order, at the end of the array: no
    /// allocation on every text read.
    fn last_bytes(&self) -> ([u8; 3], usize) {
        let mut tail = [0; 3];
        let mut n = 0;
        for (i, chunk) in self.chunks.iter().enumerate().rev() {
            let start = if i == 0 { self.head } else { 0 };
            for &b in chunk.known_tail(start).iter().rev() {
                if n == 3 {
                    return (tail, n);
                }
                n += 1;
                tail[3 - n] = b;
            }
            if n == 3 {
                break;
            }
        }
        (tail, n)
    }

    /// Takes from the oldest datagram only: at most `length` bytes of it; the rest of that
    /// datagram is discarded (docs/spec.md's UDP rule). Returns the bytes and the sender.
    pub fn take_datagram(
        &mut self,
        length: Option<usize>,
    ) -> Option<(Vec<u8>, Option<SocketAddr>)> {
        let (mut data, from) = self.datagrams.pop_front()?;
        self.datagram_bytes -= data.len();
        if let Some(n) = length {
            data.truncate(n);
        }
        Some((data, from))
    }

    /// Appends one datagram.
    pub fn push_datagram(&mut self, data: Vec<u8>, from: Option<SocketAddr>) {
        self.datagram_bytes += data.len();
        self.datagrams.push_back((data, from));
    }
}

/// A `read` length the script gave as a string: a string of decimal digits counts as the number
/// it spells, leading zeros not counting (as for ports); anything else is not a number. More
/// than 15 significant digits is more than any buffer holds: infinity, a read of everything.
pub fn length_text(text: &str) -> Option<f64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits = text.trim_start_matches('0');
    if digits.len() > 15 {
        return Some(f64::INFINITY);
    }
    // Parsed as an integer (at most 15 digits: exact in f64), not as a float: no float parser
    // in the module for this. All zeros is 0.
    Some(digits.parse::<u64>().map_or(0.0, |n| n as f64))
}

/// docs/spec.md's length rule: omitted, 0, negative or not a number means "everything". Hosts pass
/// what the script gave; the rule lives here.
pub fn length_arg(length: Option<f64>) -> Option<usize> {
    match length {
        Some(n) if n.is_finite() && n >= 1.0 => Some(n.floor().min(usize::MAX as f64) as usize),
        _ => None,
    }
}

/// How many bytes at the end of `bytes` are the start of a UTF-8 character whose remaining
/// bytes have not arrived yet (0 to 3).
pub fn incomplete_utf8_tail(bytes: &[u8]) -> usize {
    for k in 1..=bytes.len().min(3) {
        let tail = &bytes[bytes.len() - k..];
        if tail[0] & 0xC0 == 0x80 {
            continue; // a continuation byte: look one further back for the lead byte
        }
        return match std::str::from_utf8(tail) {
            Err(e) if e.valid_up_to() == 0 && e.error_len().is_none() => k,
            _ => 0,
        };
    }
    0
}

/// Decodes bytes as docs/spec.md says: UTF-8 with U+FFFD for invalid sequences, and every NUL byte
/// as U+00FF ('ÿ'), the seed's documented rule. NUL is mapped after decoding, since mapping it to
/// byte 0xFF first (KVIrc's Qt build) yields U+FFFD.
pub fn decode_text(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    if bytes.contains(&0) {
        text.replace('\0', "\u{ff}")
    } else {
        text.into_owned()
    }
}

/// `decode_text(bytes)` when it differs from `bytes` read as UTF-8 as they are; `None` when the
/// bytes are already their own text (valid UTF-8 without NUL), so that a host can make the
/// string from its own copy of them with any standard UTF-8 decoder.
pub fn decode_text_if_changed(bytes: &[u8]) -> Option<String> {
    if !bytes.contains(&0) && std::str::from_utf8(bytes).is_ok() {
        None
    } else {
        Some(decode_text(bytes))
    }
}

/// Lowercase hex, two digits a byte.
pub fn encode_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 15)] as char);
    }
    out
}

/// Parses hex (either case). `None` for an odd length or a non-hex digit.
pub fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    let digits = hex.as_bytes();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    let nibble = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    digits
        .chunks(2)
        .map(|pair| Some(nibble(pair[0])? << 4 | nibble(pair[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_rule() {
        assert_eq!(length_arg(None), None);
        assert_eq!(length_arg(Some(0.0)), None);
        assert_eq!(length_arg(Some(-3.0)), None);
        assert_eq!(length_arg(Some(f64::NAN)), None);
        assert_eq!(length_arg(Some(2.0)), Some(2));
        assert_eq!(length_arg(Some(2.7)), Some(2));
    }

    #[test]
    fn length_text_rule() {
        assert_eq!(length_text("3"), Some(3.0));
        assert_eq!(length_text("003"), Some(3.0));
        assert_eq!(length_text("000000000000000000003"), Some(3.0));
        assert_eq!(length_text("0"), Some(0.0));
        assert_eq!(length_text("0000"), Some(0.0));
        assert_eq!(length_text("1234567890123456"), Some(f64::INFINITY));
        for bad in ["", " 3", "3 ", "-1", "2.5", "1e3", "0x10", "+3"] {
            assert_eq!(length_text(bad), None, "{bad:?}");
        }
        assert_eq!(length_arg(length_text("99999999999999999999")), None);
    }

    #[test]
    fn stream_reads_take_length_or_everything() {
        let mut b = RecvBuffer::default();
        b.push_stream(b"hello world".to_vec());
        assert_eq!(b.take_stream(Some(5), true), b"hello");
        assert_eq!(b.len(), 6);
        assert_eq!(b.take_stream(Some(100), true), b" world");
        assert!(b.is_empty());
    }

    #[test]
    fn read_of_everything_keeps_an_incomplete_character() {
        let mut b = RecvBuffer::default();
        let euro = "€".as_bytes(); // e2 82 ac
        b.push_stream(b"ab".to_vec());
        b.push_stream(euro[..2].to_vec());
        assert_eq!(b.take_stream(None, true), b"ab");
        assert_eq!(b.len(), 2);
        b.push_stream(euro[2..].to_vec());
        assert_eq!(decode_text(&b.take_stream(None, true)), "€");
        // When the connection is over the tail is handed out anyway.
        b.push_stream(euro[..1].to_vec());
        assert_eq!(decode_text(&b.take_stream(None, false)), "\u{fffd}");
    }

    #[test]
    fn incomplete_tail_detection() {
        assert_eq!(incomplete_utf8_tail(b""), 0);
        assert_eq!(incomplete_utf8_tail(b"abc"), 0);
        assert_eq!(incomplete_utf8_tail(&[0xe2]), 1);
        assert_eq!(incomplete_utf8_tail(&[b'a', 0xe2, 0x82]), 2);
        assert_eq!(incomplete_utf8_tail(&[0xf0, 0x9f, 0x98]), 3);
        assert_eq!(incomplete_utf8_tail(&[0xe2, 0x82, 0xac]), 0);
        assert_eq!(
            incomplete_utf8_tail(&[0xff]),
            0,
            "an invalid byte is not held back"
        );
        assert_eq!(incomplete_utf8_tail(&[0x80, 0x80, 0x80]), 0);
    }

    #[test]
    fn text_decoding() {
        assert_eq!(decode_text(b"a\0b"), "a\u{ff}b");
        assert_eq!(decode_text(&[0x61, 0xff, 0x62]), "a\u{fffd}b");
        assert_eq!(decode_text("ÿ€".as_bytes()), "ÿ€");
        // Text that is its bytes' own UTF-8 is not copied again; NUL and invalid bytes are.
        assert_eq!(decode_text_if_changed("ÿ€ ok".as_bytes()), None);
        assert_eq!(decode_text_if_changed(b""), None);
        assert_eq!(decode_text_if_changed(b"a\0"), Some("a\u{ff}".into()));
        assert_eq!(
            decode_text_if_changed(&[0xe2, 0x82]),
            Some("\u{fffd}".into())
        );
    }

    #[test]
    fn hex() {
        assert_eq!(encode_hex(&[0, 0xab, 0xff]), "00abff");
        assert_eq!(decode_hex("00ABff"), Some(vec![0, 0xab, 0xff]));
        assert_eq!(decode_hex("abc"), None);
        assert_eq!(decode_hex("zz"), None);
        assert_eq!(decode_hex(""), Some(vec![]));
    }

    #[test]
    fn datagrams_stay_separate() {
        let mut b = RecvBuffer::default();
        b.push_datagram(b"first".to_vec(), None);
        b.push_datagram(b"second".to_vec(), None);
        assert_eq!(b.len(), 11);
        assert_eq!(b.take_datagram(Some(3)).unwrap().0, b"fir");
        assert_eq!(b.len(), 6, "the rest of the first datagram is discarded");
        assert_eq!(b.take_datagram(None).unwrap().0, b"second");
        assert!(b.take_datagram(None).is_none());
    }
}
