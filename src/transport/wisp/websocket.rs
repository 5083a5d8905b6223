//! The WebSocket of a Wisp connection: how it is made (the browser's constructor, or Node's
//! `ws`), and the messages it carries.

use js_sys::{Function, Uint8Array};
use wasm_bindgen::prelude::*;
use web_sys::{BinaryType, WebSocket};

use crate::wisp::client::{Payload, Transmit};
use crate::wisp::packet::HEADER_LEN;

/// The subprotocol offered: its presence asks a server for Wisp v2 (a v1 server ignores it).
const SUBPROTOCOL: &str = "wisp-v2";

/// How WebSockets are made: the global constructor (browsers), or a function from Node
/// (`(url, protocol) => new WebSocket(url, protocol)` of the `ws` package).
#[derive(Clone)]
pub(super) enum Factory {
    Global,
    Function(Function),
}

impl Factory {
    /// A WebSocket to `url`, offering the v2 subprotocol when `v2`.
    pub(super) fn open(&self, url: &str, v2: bool) -> Option<WebSocket> {
        let protocol = if v2 {
            JsValue::from_str(SUBPROTOCOL)
        } else {
            JsValue::UNDEFINED
        };
        let ws = match self {
            Factory::Global if v2 => WebSocket::new_with_str(url, SUBPROTOCOL).ok()?,
            Factory::Global => WebSocket::new(url).ok()?,
            Factory::Function(f) => f
                .call2(&JsValue::NULL, &url.into(), &protocol)
                .ok()?
                // `ws`'s WebSocket is not the DOM's class, but has the same members.
                .unchecked_into(),
        };
        ws.set_binary_type(BinaryType::Arraybuffer);
        Some(ws)
    }
}

/// Bytes a socket sends, kept in JS memory until their DATA packet goes: the client cuts them
/// with `subarray` (no copy), and the packet is their one copy. (An action's `data` is the host's
/// to keep: js/batch.js copies it out of wasm memory.)
pub(super) struct JsBytes(pub(super) Uint8Array);

impl Payload for JsBytes {
    fn len(&self) -> usize {
        self.0.length() as usize
    }

    fn split_at(self, at: usize) -> (Self, Self) {
        let at = at as u32;
        (
            JsBytes(self.0.subarray(0, at)),
            JsBytes(self.0.subarray(at, self.0.length())),
        )
    }
}

/// One WebSocket message from what the client transmits.
pub(super) fn message_of(t: Transmit<JsBytes>) -> Uint8Array {
    match t {
        Transmit::Packet(bytes) => Uint8Array::from(&bytes[..]),
        Transmit::Data { header, payload } => {
            let out = Uint8Array::new_with_length((HEADER_LEN + payload.len()) as u32);
            out.set(&Uint8Array::from(&header[..]), 0);
            out.set(&payload.0, HEADER_LEN as u32);
            out
        }
    }
}
