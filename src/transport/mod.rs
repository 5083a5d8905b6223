//! The browser host's reach from Rust, and the Wisp client's wasm-bindgen surface for the JS
//! hosts (js/wisp/, docs/wisp.md). The browser's WebSocket tunnels, reverse tunnel and UDP
//! sessions are JavaScript (js/browser/host.js): they only call the browser's APIs, which from
//! Rust cost an import call per property read (docs/performance.md, "Module size").

mod wisp;

use wasm_bindgen::prelude::*;

pub use wisp::{is_wisp_url, wisp_refusal, WispClient};

// For Rust in a page: the Rust async stream (src/stream.rs) and the browser tests. The file is a
// wasm-bindgen snippet here; the JS entries import it themselves.
#[wasm_bindgen(module = "/js/browser/host.js")]
extern "C" {
    /// Performs one engine action (`{type, id, …}`, as the batch reader makes them) for the
    /// socket behind `link` (js/link.js's contract: `options.proxy`, `open`, `get`, `drop`, and a
    /// method per input kind: `connected`, `received`, `sent`, `failed`, …).
    #[wasm_bindgen(catch)]
    pub fn perform(action: &JsValue, link: &JsValue) -> Result<(), JsValue>;
    /// The proxy URL for a target: the template's `{host}` and `{port}` replaced, URI-encoded.
    #[wasm_bindgen(js_name = proxyUrl)]
    pub fn proxy_url(template: &str, host: &str, port: u16) -> String;
}
