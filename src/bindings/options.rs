//! `new Socket(options)`'s object read into [`Options`] with serde-wasm-bindgen, off the hot
//! path (once per socket a script makes). Every wrong option is refused here, with a TypeError
//! whose message names it, and the JS facade throws what this says: a value that is not an
//! object, an option kvsocket does not know (a typo must not be ignored without a word), an
//! option of the wrong type (serde's), or a value its setter refuses (the engine's rule).

use js_sys::{Object, TypeError};
use wasm_bindgen::prelude::*;

use crate::engine::text::{quoted, replace};
use crate::engine::tls_options::TlsOptions;
use crate::engine::{Engine as Core, Options};

/// Options that are the facade's alone, not the engine's: an `AbortSignal` (js/promises.js
/// checks its type and watches it).
const FACADE_NAMES: [&str; 1] = ["signal"];

/// Reads `value` (`undefined` and `null`: no options) and applies it to `core`.
pub fn configure(core: &mut Core, value: &JsValue, now: f64) -> Result<(), JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(());
    }
    if !value.is_object() || value.is_function() {
        return Err(refused(&[
            "Socket options must be an object, got ",
            &describe(value),
        ]));
    }
    // serde-wasm-bindgen reads a struct's fields by name and never sees other keys: the
    // object's own keys are checked against the known names first.
    for key in Object::keys(value.unchecked_ref::<Object>()).iter() {
        let key = key.as_string().unwrap_or_default();
        let known = Options::NAMES.contains(&key.as_str()) || FACADE_NAMES.contains(&key.as_str());
        if !known {
            return Err(refused(&[
                "Socket: unknown option ",
                &quoted(&key),
                "; the options are ",
                &Options::NAMES.join(", "),
                ", ",
                &FACADE_NAMES.join(", "),
            ]));
        }
    }
    let options: Options = serde_wasm_bindgen::from_value(value.clone())
        .map_err(|e| refused(&["Socket: option ", &serde_message(e)]))?;
    core.configure(&options, now as u64)
        .map_err(|e| refused(&["Socket: ", &e.message()]))
}

/// `startTls(options)`'s argument: `undefined`/`null` (no options) or `tls`'s object form,
/// refused with a TypeError as the constructor's `tls` option is.
pub fn read_tls(value: &JsValue) -> Result<TlsOptions, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(TlsOptions::default());
    }
    if !value.is_object() || value.is_function() || js_sys::Array::is_array(value) {
        return Err(refused(&[
            "startTls: options must be an object, got ",
            &describe(value),
        ]));
    }
    serde_wasm_bindgen::from_value(value.clone())
        .map_err(|e| refused(&["startTls: option ", &serde_message(e)]))
}

pub(super) fn refused(parts: &[&str]) -> JsValue {
    TypeError::new(&parts.concat()).into()
}

/// A value as an error message shows it: a string quoted, a number or boolean as JSON writes
/// it, else its type.
pub(super) fn describe(value: &JsValue) -> String {
    if value.as_string().is_some() || value.as_f64().is_some() || value.as_bool().is_some() {
        if let Some(text) = js_sys::JSON::stringify(value)
            .ok()
            .and_then(|t| t.as_string())
        {
            return text;
        }
    }
    value.js_typeof().as_string().unwrap_or_default()
}

/// What a serde-wasm-bindgen error (a JS Error) says about an option: its message, with the one
/// the option's name wraps (src/engine/options.rs) shown without its "Error: " prefix, and
/// serde's Rust type name said the way a script writes it.
pub fn serde_message(e: serde_wasm_bindgen::Error) -> String {
    let error: js_sys::Error = JsValue::from(e).unchecked_into();
    let message = replace(&String::from(error.message()), ": Error: ", ": ", false);
    replace(&message, "expected f64", "expected a number", false)
}
