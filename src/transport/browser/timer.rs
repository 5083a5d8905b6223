//! The clock and the timers of the browser (windows and workers alike: the globals).

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout_js(handler: &JsValue, ms: i32) -> JsValue;
    /// `setTimeout(handler, ms, arg)`: a shared handler told which of its callers it is for.
    #[wasm_bindgen(js_name = setTimeout)]
    pub fn set_timeout_with(handler: &js_sys::Function, ms: i32, arg: u32) -> JsValue;
    /// The monotonic clock (the engine's contract: deadlines never move with the wall clock).
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

/// Runs `f` once after `ms` milliseconds.
pub fn set_timeout(ms: i32, f: impl FnOnce() + 'static) {
    set_timeout_js(&Closure::once_into_js(f), ms);
}

/// Milliseconds on the monotonic clock.
pub fn now() -> u64 {
    performance_now() as u64
}
