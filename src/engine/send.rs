//! The send side: output not yet handed to the host, in write order, including room reserved
//! for bytes still being produced (a Blob being read), so later writes wait behind it and
//! `close()` flushes it too.

use std::collections::VecDeque;
use std::net::SocketAddr;

#[derive(Debug)]
enum Chunk {
    Ready {
        data: Vec<u8>,
        to: Option<SocketAddr>,
    },
    /// Stream bytes the host keeps (docs/design.md, the send path): bytes `start..start + len`
    /// of everything written in that form on this queue.
    Kept { start: u64, len: usize },
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
    /// Kept bytes `start..start + len` (see [`SendQueue::push_kept`]).
    Kept { start: u64, len: usize },
}

/// Chunks in write order. Only the Ready chunks before the first reservation may be sent.
#[derive(Debug, Default)]
pub struct SendQueue {
    chunks: VecDeque<Chunk>,
    /// How many bytes were ever written in the kept form: where the next kept chunk starts.
    /// A host finds a `SendKept`'s bytes by this count, so chunks discarded before they were
    /// sent (a connection that failed) are skipped by the count, not by a message.
    kept_total: u64,
}

impl SendQueue {
    /// Queues `len` stream bytes that the host keeps (they are the next `len` of everything it
    /// kept for this queue).
    pub fn push_kept(&mut self, len: usize) {
        let start = self.kept_total;
        self.kept_total += len as u64;
        self.chunks.push_back(Chunk::Kept { start, len });
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
                Chunk::Kept { start, len } => Some(Ready::Kept { start, len }),
                Chunk::Reserved { .. } => None,
            },
        }
    }

    pub fn is_empty(&self) -> bool {
        self.chunks.is_empty()
    }

    /// Drops every chunk (the count of kept bytes goes on: see `kept_total`).
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
    fn kept_chunks_are_numbered_by_what_was_kept_before() {
        let mut q = SendQueue::default();
        q.push_kept(3);
        q.reserve(1, 2, None);
        q.push_kept(4);
        assert_eq!(q.pop_ready(), Some(Ready::Kept { start: 0, len: 3 }));
        assert_eq!(q.pop_ready(), None, "behind the reservation");
        q.clear();
        q.push_kept(5);
        assert_eq!(q.pop_ready(), Some(Ready::Kept { start: 7, len: 5 }));
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
