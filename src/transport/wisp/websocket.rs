//! The WebSocket of a Wisp connection: how it is made (the browser's constructor, or Node's
//! `ws`), and the messages it carries.

use js_sys::{Function, Uint8Array};
use wasm_bindgen::prelude::*;
use web_sys::{BinaryType, WebSocket};

use super::super::js::set_timeout;
use crate::wisp::client::{Payload, Transmit};
use crate::wisp::packet::HEADER_LEN;

/// The subprotocol offered: its presence asks a server for Wisp v2 (a v1 server ignores it).
const SUBPROTOCOL: &str = "wisp-v2";

/// How WebSockets are made: the global constructor (browsers), or functions from Node: `open`
/// (`(url, protocol) => new WebSocket(url, protocol)` of the `ws` package, which chooses the
/// binary type: Node's hands messages over as Buffers, with no ArrayBuffer copy) and
/// `send_data` (`(ws, stream, payload)`: sends the DATA packet of `payload`, built in reused
/// memory) and `when_room` (`(ws, callback)`: calls back once a packet in flight has left, which
/// `ws` tells: js/node/wisp-data.js).
#[derive(Clone)]
pub(super) enum Factory {
    Global,
    Function {
        open: Function,
        send_data: Function,
        when_room: Function,
    },
}

/// How often a browser looks at its WebSocket's buffer while DATA waits for room: a browser's
/// WebSocket tells nothing when its buffer drains.
const POLL_MS: i32 = 4;

impl Factory {
    /// A WebSocket to `url`, offering the v2 subprotocol when `v2`.
    pub(super) fn open(&self, url: &str, v2: bool) -> Option<WebSocket> {
        let protocol = if v2 {
            JsValue::from_str(SUBPROTOCOL)
        } else {
            JsValue::UNDEFINED
        };
        let ws = match self {
            Factory::Global => {
                let ws = if v2 {
                    WebSocket::new_with_str(url, SUBPROTOCOL).ok()?
                } else {
                    WebSocket::new(url).ok()?
                };
                ws.set_binary_type(BinaryType::Arraybuffer);
                ws
            }
            Factory::Function { open, .. } => open
                .call2(&JsValue::NULL, &url.into(), &protocol)
                .ok()?
                // `ws`'s WebSocket is not the DOM's class, but has the same members.
                .unchecked_into(),
        };
        Some(ws)
    }

    /// Runs `f` once `ws` has room for more DATA, or may have.
    pub(super) fn when_room(&self, ws: &WebSocket, f: impl FnOnce() + 'static) {
        match self {
            Factory::Function { when_room, .. } => {
                let _ = when_room.call2(&JsValue::NULL, ws, &Closure::once_into_js(f));
            }
            Factory::Global => set_timeout(POLL_MS, f),
        }
    }

    /// Sends one of the client's packets on `ws`. DATA goes through Node's `sendData` when
    /// there is one; a browser's WebSocket copies what it is given, so one array serves.
    pub(super) fn send(&self, ws: &WebSocket, t: Transmit<JsBytes>) {
        // A closing WebSocket drops what is sent; its close event fails the streams.
        let _ = match (t, self) {
            // A copy in JS memory: `ws` may hold what it is given past this call.
            (Transmit::Packet(bytes), _) => {
                ws.send_with_array_buffer_view(&Uint8Array::from(&bytes[..]))
            }
            (Transmit::Data { header, payload }, Factory::Function { send_data, .. }) => {
                let stream = u32::from_le_bytes([header[1], header[2], header[3], header[4]]);
                send_data
                    .call3(&JsValue::NULL, ws, &stream.into(), &payload.0)
                    .map(drop)
            }
            (Transmit::Data { header, payload }, Factory::Global) => {
                let out = Uint8Array::new_with_length((HEADER_LEN + payload.len()) as u32);
                out.set(&Uint8Array::from(&header[..]), 0);
                out.set(&payload.0, HEADER_LEN as u32);
                ws.send_with_array_buffer_view(&out)
            }
        };
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
