//! Sockets over Wisp (src/wisp/): every Socket whose proxy URL names the same Wisp server
//! (`wisp+ws://host:port/path/`, `wisp+wss://…`) shares one WebSocket, one stream each. The JS
//! hosts (js/wisp/, for browsers and Node alike) open the WebSocket, keep each stream's bytes and
//! carry the packets; the client here decides what may go and what happened (client.rs); the
//! URL form is url.rs's; kvsocket-proxy's half of the packet format is codec.rs's (in Node's
//! module). The rules of a socket are its engine's.

mod client;
// kvsocket-proxy's half of the format: Node's module only.
#[cfg(not(feature = "browser"))]
mod codec;
mod url;

pub use client::WispClient;
pub use url::{is_wisp_url, wisp_refusal};
