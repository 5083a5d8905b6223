//! Sockets over Wisp (src/wisp/): every Socket whose proxy URL names the same Wisp server
//! (`wisp+ws://host:port/path/`, `wisp+wss://…`) shares one WebSocket, one stream each, in
//! browsers and Node alike. host.rs performs the engine's actions for them (`wispPerform`),
//! session.rs is one connection (its WebSocket, the client, the pump), out.rs a stream's output
//! held as JS handles and its DATA packets' framing, socket.rs the WebSocket both hosts have;
//! the client (src/wisp/client.rs) decides what may go and what happened. The URL form is
//! url.rs's; kvsocket-proxy's half of the packet format is codec.rs's (in Node's module). The
//! rules of a socket are its engine's.

// kvsocket-proxy's half of the format: Node's module only.
#[cfg(not(feature = "browser"))]
mod codec;
mod host;
mod out;
mod session;
mod socket;
mod url;

use wasm_bindgen::prelude::*;

use crate::wisp::codes::{push_text, CODES};

pub use host::perform as wisp_perform;
pub use url::{is_wisp_url, wisp_refusal};

/// The Wisp numbers JS reads (js/proxy/wisp-codec.js: kvsocket-proxy's DATA header): src/wisp/codes.rs's,
/// as `name value` pairs, space-separated.
#[wasm_bindgen(js_name = wispCodes)]
pub fn wisp_codes() -> String {
    let mut text = String::new();
    push_text(&mut text, CODES);
    text
}
