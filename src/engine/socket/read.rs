//! The receive side of [`Engine`]: `read`, `readBytes`, `readHex`, and resuming a paused
//! receive once reading brings the buffer back under its high-water mark.

use super::Engine;
use crate::engine::held::HeldSlice;
use crate::engine::io::Action;
use crate::engine::recv::{decode_text, encode_hex};
use crate::engine::state::State;

impl Engine {
    /// `read(length)`: text per docs/spec.md (UTF-8, NUL as U+00FF, no split character in a read of
    /// everything while the connection is open).
    pub fn read_text(&mut self, length: Option<usize>) -> String {
        let keep_partial = self.keeps_partial_char();
        decode_text(&self.take(length, keep_partial))
    }

    /// `readBytes(length)`: the bytes as they came.
    pub fn read_bytes(&mut self, length: Option<usize>) -> Vec<u8> {
        self.take(length, false)
    }

    /// `readHex(length)`: lowercase hex of the bytes.
    pub fn read_hex(&mut self, length: Option<usize>) -> String {
        encode_hex(&self.take(length, false))
    }

    /// A read of stream bytes the host holds ([`Engine::received_held`]): the parts of its
    /// chunks the read takes, in order, by the same rules as `read_bytes` or, with `text`,
    /// `read_text` (the host then decodes them with `recv::decode_text`). `None` when the read
    /// is of bytes the engine holds (a datagram, stream bytes fed with `Input::Received`):
    /// nothing is taken, call `read_text` / `read_bytes` / `read_hex`.
    pub fn read_held(&mut self, length: Option<usize>, text: bool) -> Option<Vec<HeldSlice>> {
        let owned_stream = !self.recv.is_empty() && !self.recv.stream_is_held();
        if self.recv.has_datagrams() || owned_stream {
            return None;
        }
        let keep_partial = text && self.keeps_partial_char();
        let taken = self.recv.take_held(length, keep_partial);
        self.maybe_resume_reading();
        Some(taken)
    }

    /// A text read of everything leaves an incomplete character for later while more bytes
    /// can still arrive: Connected (while Closing, input is discarded).
    fn keeps_partial_char(&self) -> bool {
        matches!(self.state, State::Connected(_))
    }

    fn take(&mut self, length: Option<usize>, keep_partial: bool) -> Vec<u8> {
        // What is buffered decides, not the protocol set now (the two never mix: connect and
        // listen start an empty buffer): the bytes a TCP connection left stay readable after
        // setProtocol('udp'), and a UDP socket's datagrams after setProtocol('tcp').
        let bytes = match self.recv.take_datagram(length) {
            Some((data, from)) => {
                if from.is_some() {
                    self.last_sender = from;
                }
                data
            }
            None => self.recv.take_stream(length, keep_partial),
        };
        self.maybe_resume_reading();
        bytes
    }

    pub(super) fn maybe_resume_reading(&mut self) {
        if self.reading_paused && self.recv.len() <= self.recv_high_water {
            self.reading_paused = false;
            if let Some(id) = self.state.id() {
                self.actions.push_back(Action::ResumeReading { id });
            }
        }
    }
}
