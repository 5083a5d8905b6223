//! A Wisp stream's output as the session holds it: the chunks the socket wrote, as JS handles
//! (the `Uint8Array` itself: no byte enters wasm memory until its DATA packet is framed), cut
//! where the client cuts packets, and the framing of each DATA packet behind its 5-byte header.
//!
//! Both WebSockets copy what `send()` is given before it returns (src/transport/wisp/socket.rs),
//! so each written byte is copied once here, never twice:
//! - a payload sent in the call that wrote it (a view the socket lent for that call:
//!   js/socket.js `#lend`) or a chunk that is the socket's own is copied behind a header in one
//!   scratch area of wasm memory, reused for every packet, and a view of it is sent;
//! - a lent payload that must wait (for credit or room) is copied once, as the call that lent it
//!   ends, into a buffer of its own with room for the header in front ([`Chunk::keep`]), and its
//!   packet is framed there in place. The buffers of full packets come back to a pool once sent
//!   (a new array per 64 KiB packet cost its allocation, fresh pages and the collections they
//!   caused: more than the copy).

use std::cell::RefCell;

use js_sys::{Function, Uint8Array};

use super::socket::{WispSocket, TELLS_SENT};
use crate::wisp::{Payload, HEADER_LEN, MAX_DATA};

/// How much the shared WebSocket may hold before DATA waits (in the client, still unsent for
/// its socket): with many streams on one WebSocket, each stream's credit alone would let it
/// buffer megabytes per stream.
pub const ROOM: usize = 1 << 20;

/// How many full packet buffers are kept for reuse (4 MiB).
const POOL_MAX: usize = 64;

const HEADER: u32 = HEADER_LEN as u32;

/// Bytes of a stream's output: `len` bytes of `bytes` from `start`.
pub struct Chunk {
    bytes: Uint8Array,
    start: u32,
    len: u32,
    /// The bytes are all of `bytes`, or for a [`Form::Framed`] chunk all of it but the room for
    /// the header (known here: no call to ask the array its length).
    whole: bool,
    form: Form,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    /// The socket's own bytes (a copy it made, a string's bytes, TLS records).
    Own,
    /// The caller's view, valid only during the call that lent it.
    Lent,
    /// A copy made here: the `HEADER_LEN` bytes before `start` are ours, for the header.
    Framed,
}

impl Chunk {
    /// What a `send` action carries: the socket's own bytes, or a view `lent` for the call.
    pub fn written(bytes: Uint8Array, lent: bool) -> Chunk {
        let len = bytes.length();
        let form = if lent { Form::Lent } else { Form::Own };
        Chunk {
            bytes,
            start: 0,
            len,
            whole: true,
            form,
        }
    }

    /// A lent view becomes a copy of our own (the call that lent it is ending); others stay.
    pub fn keep(&mut self) {
        if self.form != Form::Lent {
            return;
        }
        let buffer = FRAMER.with(|f| f.borrow_mut().buffer(self.len));
        buffer.set(&self.view(), HEADER);
        *self = Chunk {
            bytes: buffer,
            start: HEADER,
            len: self.len,
            whole: true,
            form: Form::Framed,
        };
    }

    /// The bytes as one view (the whole array when it is all of them: no view made); not for a
    /// framed chunk, whose array holds the header's room too.
    fn view(&self) -> Uint8Array {
        if self.whole {
            self.bytes.clone()
        } else {
            self.bytes.subarray(self.start, self.start + self.len)
        }
    }

    /// [`Chunk::view`], taking the chunk (no handle cloned for a whole array).
    fn into_view(self) -> Uint8Array {
        if self.whole {
            self.bytes
        } else {
            self.bytes.subarray(self.start, self.start + self.len)
        }
    }
}

impl Payload for Chunk {
    fn len(&self) -> usize {
        self.len as usize
    }

    fn split_at(self, at: usize) -> (Self, Self) {
        let at = at as u32;
        let rest = Chunk {
            bytes: self.bytes.clone(),
            start: self.start + at,
            len: self.len - at,
            whole: false,
            // The bytes before the rest are the head's payload, not room for a header.
            form: if self.form == Form::Framed {
                Form::Own
            } else {
                self.form
            },
        };
        (
            Chunk {
                len: at,
                whole: false,
                ..self
            },
            rest,
        )
    }
}

/// The scratch area and the pool, shared by every session.
struct Framer {
    scratch: Vec<u8>,
    pool: Vec<Uint8Array>,
}

thread_local! {
    static FRAMER: RefCell<Framer> = const { RefCell::new(Framer { scratch: Vec::new(), pool: Vec::new() }) };
}

impl Framer {
    /// A packet buffer with room for `n` payload bytes behind the header (a full one from the
    /// pool when there is one).
    fn buffer(&mut self, n: u32) -> Uint8Array {
        if n as usize == MAX_DATA {
            if let Some(b) = self.pool.pop() {
                return b;
            }
        }
        Uint8Array::new_with_length(HEADER + n)
    }
}

/// Sends `payload` on `ws` as one DATA packet behind `header`. Where the WebSocket tells when a
/// message has left (`ws`), a packet that brings its buffer to [`ROOM`] carries `sent`: a
/// session waits for room only while the buffer holds that much, and the last packet in it then
/// is one that brought it there, whose callback comes when all of it has left. (A callback per
/// send costs Node's streams a little each.)
pub fn send_data(ws: &WispSocket, header: &[u8; HEADER_LEN], payload: Chunk, sent: &Function) {
    let size = HEADER + payload.len;
    let callback =
        (TELLS_SENT && ws.buffered_amount() + f64::from(size) >= ROOM as f64).then_some(sent);
    if payload.form == Form::Framed {
        let whole = payload.whole;
        let packet = if whole {
            payload.bytes
        } else {
            payload
                .bytes
                .subarray(payload.start - HEADER, payload.start + payload.len)
        };
        // SAFETY: the view of `header` is used by `set` alone, before anything allocates.
        let header = unsafe { Uint8Array::view(header) };
        packet.set(&header, 0);
        ws.send(&packet, callback);
        // A full packet's own buffer (it holds nothing else) is reused.
        if whole && payload.len as usize == MAX_DATA {
            FRAMER.with(|f| {
                let mut f = f.borrow_mut();
                if f.pool.len() < POOL_MAX {
                    f.pool.push(packet);
                }
            });
        }
        return;
    }
    FRAMER.with(|f| {
        let scratch = &mut f.borrow_mut().scratch;
        // Grown to the largest packet yet, never shrunk (a resize up zero-fills).
        if scratch.len() < size as usize {
            scratch.resize(size as usize, 0);
        }
        let packet = &mut scratch[..size as usize];
        packet[..HEADER_LEN].copy_from_slice(header);
        payload.into_view().copy_to(&mut packet[HEADER_LEN..]);
        // SAFETY: the WebSocket copies the view's bytes within `send`, and nothing allocates
        // (which could move wasm memory) between making the view and that call.
        ws.send(&unsafe { Uint8Array::view(packet) }, callback);
    });
}

/// Sends a packet built by the client (CONNECT, CLOSE, INFO, PAUSE): small, and never waiting
/// for room.
pub fn send_packet(ws: &WispSocket, bytes: &[u8]) {
    // SAFETY: as in `send_data`, the WebSocket copies the bytes within the call.
    ws.send(&unsafe { Uint8Array::view(bytes) }, None);
}
