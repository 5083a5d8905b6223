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
    Reserved {
        slot: u32,
        len: usize,
        to: Option<SocketAddr>,
    },
}

/// Chunks in write order. Only the Ready chunks before the first reservation may be sent.
#[derive(Debug, Default)]
pub struct SendQueue {
    chunks: VecDeque<Chunk>,
}

impl SendQueue {
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
    pub fn pop_ready(&mut self) -> Option<(Vec<u8>, Option<SocketAddr>)> {
        match self.chunks.front() {
            Some(Chunk::Ready { .. }) => match self.chunks.pop_front() {
                Some(Chunk::Ready { data, to }) => Some((data, to)),
                _ => None,
            },
            _ => None,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.chunks.is_empty()
    }

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
        assert_eq!(q.pop_ready(), Some((b"a".to_vec(), None)));
        assert_eq!(q.pop_ready(), None);
        assert_eq!(q.fill(7, b"bbbbb".to_vec()), Some(3));
        assert_eq!(q.pop_ready(), Some((b"bbb".to_vec(), None)));
        assert_eq!(q.pop_ready(), Some((b"c".to_vec(), None)));
        assert!(q.is_empty());
        assert_eq!(q.fill(7, b"x".to_vec()), None);
    }

    #[test]
    fn an_empty_fill_drops_the_reservation() {
        let mut q = SendQueue::default();
        q.reserve(1, 4, None);
        q.push(b"z".to_vec(), None);
        assert_eq!(q.fill(1, vec![]), Some(4));
        assert_eq!(q.pop_ready(), Some((b"z".to_vec(), None)));
    }
}
