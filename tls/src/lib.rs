//! kvsocket's TLS record layer: a TLS client that does no I/O. The host feeds it the ciphertext
//! that arrived and sends the ciphertext it produces; the engine (the main kvsocket module) still
//! decides every state a script sees and counts every plaintext byte (docs/design.md, TLS).
//!
//! - [`config`]: the options (`servername`, `ca`, `rejectUnauthorized`, `alpn`) into a rustls
//!   client configuration (web PKI roots plus `ca`).
//! - [`session`]: the record layer behind the [`session::RecordLayer`] trait, the one place that
//!   touches rustls' `unbuffered` API (replaced in rustls 0.24).
//! - [`errors`]: rustls' errors into the error names scripts see (docs/spec.md, TLS errors).
//! - [`cert`]: the peer certificate's subject, issuer, validity and SHA-256 fingerprint.
//! - `wasm`: the JS API (wasm32 only).

pub mod cert;
pub mod config;
pub mod errors;
pub mod session;
mod verify;

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
mod wasm;

pub use config::TlsOptions;
pub use session::{Phase, RecordLayer, Session};

// The engine's allocator (src/lib.rs says why): smaller than dlmalloc.
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
