//! The send side: output not yet handed to the host, in write order, including room reserved
//! for bytes still being produced (a Blob being read), so later writes wait behind it and
//! `close()` flushes it too.

use std::collections::VecDeque;
use std::net::SocketAddr;

use super::held::Held;

#[derive(Debug)]
enum Chunk {
    Ready {
        data: Vec<u8>,
        to: Option<SocketAddr>,
    },
    /// Stream bytes the host holds (docs/design.md, the send path), queued by handle.
    Held(Held),
    Reserved {
        slot: u32,
        len: usize,
        to: Option<SocketAddr>,
    },
}

/// What is ready to send next.
#[derive(Debug, PartialEq, Eq)]
pub enum Ready {
    /// These bytes (UDP: one datagram, to `to` or the default peer).
    Bytes(Vec<u8>, Option<SocketAddr>),
    /// Stream bytes the host holds (see [`SendQueue::push_held`]).
    Held(Held),
}

/// Chunks in write order. Only the Ready chunks before the first reservation may be sent.
#[derive(Debug, Default)]
pub struct SendQueue {
    chunks: VecDeque<Chunk>,
}

impl SendQueue {
    /// Queues stream bytes that the host holds.
    pub fn push_held(&mut self, held: Held) {
        self.chunks.push_back(Chunk::Held(held));
    }

    /// Whether `held` is still queued.
    pub fn holds(&self, held: &Held) -> bool {
        self.chunks
            .iter()
            .any(|c| matches!(c, Chunk::Held(h) if h.same(held)))
    }

    /// Puts `with` in the place of `held` if it is still queued (a JS host's write lent the
    /// caller's view for one call: what is still queued when the call ends becomes a copy).
    pub fn replace_held(&mut self, held: &Held, with: impl FnOnce() -> Held) {
        let found = self
            .chunks
            .iter_mut()
            .rev()
            .find(|c| matches!(c, Chunk::Held(h) if h.same(held)));
        if let Some(chunk) = found {
            *chunk = Chunk::Held(with());
        }
    }

    /// Queues bytes (for UDP: one datagram, to `to` or the default peer).
    pub fn push(&mut self, data: Vec<u8>, to: Option<SocketAddr>) {
        self.chunks.push_back(Chunk::Ready { data, to });
    }

    /// Keeps room for `len` bytes that `fill(slot, …)` will supply.
    pub fn reserve(&mut self, slot: u32, len: usize, to: Option<SocketAddr>) {
        self.chunks.push_back(Chunk::Reserved { slot, len, to });
    }

    /// Supplies a reservation's bytes (at most its length). Returns the length reserved, or
    /// `None` when the slot is unknown (the connection it was for is gone).
    pub fn fill(&mut self, slot: u32, mut data: Vec<u8>) -> Option<usize> {
        let at = self
            .chunks
            .iter()
            .position(|c| matches!(c, Chunk::Reserved { slot: s, .. } if *s == slot))?;
        let Chunk::Reserved { len, to, .. } = self.chunks[at] else {
            return None;
        };
        data.truncate(len);
        if data.is_empty() {
            self.chunks.remove(at);
        } else {
            self.chunks[at] = Chunk::Ready { data, to };
        }
        Some(len)
    }

    /// The next chunk, if it is ready to send.
    pub fn pop_ready(&mut self) -> Option<Ready> {
        match self.chunks.front()? {
            Chunk::Reserved { .. } => None,
            _ => match self.chunks.pop_front()? {
                Chunk::Ready { data, to } => Some(Ready::Bytes(data, to)),
                Chunk::Held(held) => Some(Ready::Held(held)),
                Chunk::Reserved { .. } => None,
            },
        }
    }

    pub fn is_empty(&self) -> bool {
        self.chunks.is_empty()
    }

    /// Drops every chunk.
    pub fn clear(&mut self) {
        self.chunks.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reservation_holds_back_later_chunks_until_filled() {
        let mut q = SendQueue::default();
        q.push(b"a".to_vec(), None);
        q.reserve(7, 3, None);
        q.push(b"c".to_vec(), None);
        assert_eq!(q.pop_ready(), Some(Ready::Bytes(b"a".to_vec(), None)));
        assert_eq!(q.pop_ready(), None);
        assert_eq!(q.fill(7, b"bbbbb".to_vec()), Some(3));
        assert_eq!(q.pop_ready(), Some(Ready::Bytes(b"bbb".to_vec(), None)));
        assert_eq!(q.pop_ready(), Some(Ready::Bytes(b"c".to_vec(), None)));
        assert!(q.is_empty());
        assert_eq!(q.fill(7, b"x".to_vec()), None);
    }

    #[test]
    fn held_chunks_keep_their_place_and_can_be_replaced_while_queued() {
        let mut q = SendQueue::default();
        let (a, b) = (Held::new(1u8, 3), Held::new(2u8, 4));
        q.push_held(a.clone());
        q.reserve(1, 2, None);
        q.push_held(b.clone());
        assert_eq!(q.pop_ready(), Some(Ready::Held(a.clone())));
        assert_eq!(q.pop_ready(), None, "behind the reservation");
        let copy = Held::new(3u8, 4);
        assert!(q.holds(&b) && !q.holds(&a));
        q.replace_held(&b, || copy.clone());
        q.replace_held(&a, || unreachable!("a was sent: nothing to replace"));
        q.fill(1, b"xy".to_vec());
        assert_eq!(q.pop_ready(), Some(Ready::Bytes(b"xy".to_vec(), None)));
        assert_eq!(q.pop_ready(), Some(Ready::Held(copy)));
    }

    #[test]
    fn an_empty_fill_drops_the_reservation() {
        let mut q = SendQueue::default();
        q.reserve(1, 4, None);
        q.push(b"z".to_vec(), None);
        assert_eq!(q.fill(1, vec![]), Some(4));
        assert_eq!(q.pop_ready(), Some(Ready::Bytes(b"z".to_vec(), None)));
    }
}
