//! Sockets over Wisp (src/wisp/): every Socket whose proxy URL names the same Wisp server
//! (`wisp+ws://host:port/path/`, `wisp+wss://…`) shares one WebSocket, one stream each. The JS
//! hosts (js/wisp/, for browsers and Node alike) open the WebSocket, keep each stream's bytes and
//! carry the packets; the client here decides what may go and what happened (client.rs); the
//! URL form is url.rs's; the codec's numbers and kvsocket-proxy's half of the packet format are
//! codec.rs's. The rules of a socket are its engine's.

mod client;
mod codec;
mod url;

pub use client::WispClient;
pub use url::{is_wisp_url, wisp_refusal};
