//! The receive side of [`Engine`]: `read`, `readBytes`, `readHex`, and resuming a paused
//! receive once reading brings the buffer back under its high-water mark.

use super::Engine;
use crate::engine::io::Action;
use crate::engine::recv::{decode_text, encode_hex};
use crate::engine::state::State;

impl Engine {
    /// `read(length)`: text per docs/spec.md (UTF-8, NUL as U+00FF, no split character in a read of
    /// everything while the connection is open).
    pub fn read_text(&mut self, length: Option<usize>) -> String {
        let keep_partial = matches!(self.state, State::Connected(_) | State::Closing(_));
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
