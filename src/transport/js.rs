//! Small JS helpers for the browser host and the Rust async stream (src/stream.rs): plain-object
//! properties, feeding a link, timers.

use js_sys::{Array, Function, Reflect};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    // The global setTimeout, so that the host works in windows and workers alike.
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout_js(handler: &JsValue, ms: i32) -> JsValue;
}

pub fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

pub fn set(obj: &JsValue, key: &str, value: impl Into<JsValue>) {
    // Setting a property of one of our own plain objects cannot fail.
    let _ = Reflect::set(obj, &JsValue::from_str(key), &value.into());
}

pub fn flag(obj: &JsValue, key: &str) -> bool {
    get(obj, key).is_truthy()
}

pub fn number(obj: &JsValue, key: &str) -> f64 {
    get(obj, key).as_f64().unwrap_or(0.0)
}

/// Calls `obj[name](...args)`.
pub fn call(obj: &JsValue, name: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
    let f: Function = get(obj, name)
        .dyn_into()
        .map_err(|_| JsValue::from_str(&["kvsocket: the link has no ", name, "()"].concat()))?;
    f.apply(obj, &args.iter().collect::<Array>())
}

/// `t.link.feed(method, t.id, ...args)`. Read through the transport each time: `accept(other)`
/// moves a transport to another socket's link.
pub fn feed(t: &JsValue, method: &str, args: &[JsValue]) -> Result<(), JsValue> {
    let mut all = vec![JsValue::from_str(method), get(t, "id")];
    all.extend_from_slice(args);
    call(&get(t, "link"), "feed", &all).map(drop)
}

/// Runs `f` once after `ms` milliseconds.
pub fn set_timeout(ms: i32, f: impl FnOnce() + 'static) {
    set_timeout_js(&Closure::once_into_js(f), ms);
}
