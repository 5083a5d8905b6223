//! kvsocket: KVIrc's socket class as a sans-IO engine ([`engine`]) with wasm-bindgen bindings
//! for JavaScript hosts.

pub mod engine;

#[cfg(target_arch = "wasm32")]
pub mod bindings;

#[cfg(target_arch = "wasm32")]
pub mod transport;
