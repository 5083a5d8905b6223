//! The JS hosts' transports in Rust: the browser's WebSocket tunnels, reverse tunnel and UDP
//! sessions over web-sys (browser/), and the Wisp sessions (wisp/), in both modules.

// Not in Node's module (scripts/build.sh builds it without the `browser` feature).
#[cfg(feature = "browser")]
pub mod browser;
mod link;
mod wisp;

pub use wisp::{is_wisp_url, wisp_codes, wisp_perform, wisp_refusal};
