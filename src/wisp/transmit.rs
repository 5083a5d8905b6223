//! What a [`Client`](super::Client) sends: packets it builds, and DATA whose payload stays
//! where the host holds it.

use super::packet::HEADER_LEN;

/// The bytes a stream sends, as the host holds them. The client cuts them into DATA packets
/// without copying them: a JS host keeps them in JS memory, where they came from, and joins
/// each to its header only when it sends the packet.
pub trait Payload: Sized {
    /// How many bytes.
    fn len(&self) -> usize;
    /// Whether there are none.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The first `at` bytes and the rest (`at` is less than `len()`).
    fn split_at(self, at: usize) -> (Self, Self);
}

impl Payload for Vec<u8> {
    fn len(&self) -> usize {
        Vec::len(self)
    }

    fn split_at(mut self, at: usize) -> (Self, Self) {
        let rest = self.split_off(at);
        (self, rest)
    }
}

/// Bytes the host holds, of which the client knows only how many: a JS host keeps each
/// stream's output in JS memory, in order, and takes the bytes of a DATA packet when it sends it
/// (js/wisp/), so that no payload passes through wasm memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counted(pub usize);

impl Payload for Counted {
    fn len(&self) -> usize {
        self.0
    }

    fn split_at(self, at: usize) -> (Self, Self) {
        (Counted(at), Counted(self.0 - at))
    }
}

/// One WebSocket message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transmit<P> {
    /// A packet built here (CONNECT, CLOSE, INFO).
    Packet(Vec<u8>),
    /// A DATA packet: the header, then the payload, in one message.
    Data {
        header: [u8; HEADER_LEN],
        payload: P,
    },
}

impl Transmit<Vec<u8>> {
    /// The message's bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        match self {
            Transmit::Packet(bytes) => bytes,
            Transmit::Data { header, payload } => {
                let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
                out.extend_from_slice(&header);
                out.extend_from_slice(&payload);
                out
            }
        }
    }
}
