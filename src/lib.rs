//! kvsocket: KVIrc's socket class as a sans-IO engine ([`engine`]) with wasm-bindgen bindings
//! for JavaScript hosts; [`tunnel`] and [`wisp`] are the protocols of its proxies.

pub mod engine;
pub mod tunnel;
pub mod wisp;

// Only for JS hosts (wasm32-unknown-unknown): the wasip2 component (component/) uses the
// engine alone.
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
pub mod bindings;

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
pub mod transport;

// The Rust async API over the browser transport (futures' AsyncRead/AsyncWrite).
#[cfg(all(target_arch = "wasm32", target_os = "unknown", feature = "browser"))]
pub mod stream;

// Talc instead of std's dlmalloc: 6.8 KB less module (dlmalloc's malloc alone was 4.8 KB), and
// no slower in the Node benches nor heavier per idle connection (docs/performance.md, "Module
// size"). Its drop-in WebAssembly form: grows the memory as dlmalloc does.
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
