//! The JS hosts' transports in Rust: the browser's WebSocket tunnels, reverse tunnel and UDP
//! sessions over web-sys (browser/), and the Wisp sessions (wisp/), in both modules.

// Not in Node's module (scripts/build.sh builds it without the `browser` feature).
#[cfg(feature = "browser")]
pub mod browser;
mod link;
mod wisp;

pub use wisp::{is_wisp_url, wisp_codes, wisp_perform, wisp_refusal};

/// kvsocket-proxy's per-socket protocol as JS reads it (js/proxy/tunnel-codes.js, once at load):
/// src/tunnel/codes.rs's words and close codes, as `group.NAME value` pairs, space-separated.
/// Node's module only: the browser's speaks them in Rust.
#[cfg(not(feature = "browser"))]
#[wasm_bindgen::prelude::wasm_bindgen(js_name = tunnelCodes)]
pub fn tunnel_codes() -> String {
    crate::tunnel::codes::text()
}
