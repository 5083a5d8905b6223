//! The shelf: one JS array through which the bindings hand the facade JS values (the chunks the
//! engine holds) without returning them from an export: Node 20's V8 dies when a JS-to-wasm call
//! that returns an `externref` is deoptimized (tests/node/wasm-exports.test.js). Slot 0 holds
//! what a read of held bytes took; slots from 1 the chunks of a batch's `sendHeld` records and
//! the options of its `startTls` records.
//! The facade empties a slot as it reads it, so the shelf keeps no chunk alive.

use std::cell::RefCell;

use js_sys::{Array, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::engine::{Held, HeldSlice};

thread_local! {
    static SHELF: RefCell<Option<Array>> = const { RefCell::new(None) };
}

/// The facade's shelf (js/batch.js makes it at start-up).
#[wasm_bindgen(js_name = setShelf)]
pub fn set_shelf(shelf: Array) {
    SHELF.with(|s| *s.borrow_mut() = Some(shelf));
}

/// Puts `value` in slot `slot`.
pub fn put(slot: u32, value: &JsValue) {
    SHELF.with(|s| {
        if let Some(shelf) = s.borrow().as_ref() {
            shelf.set(slot, value.clone());
        }
    })
}

/// A held chunk as the JS value the host gave: every `Held` the bindings make is one, so
/// `None` (skipped by the callers) does not happen.
pub fn value_of(held: &Held) -> Option<&JsValue> {
    held.handle::<JsValue>()
}

/// Puts what a read took in slot 0: the chunk itself when the read is one whole chunk, a view
/// of it for part of one, else the parts joined in a new array. Returns the bytes taken.
pub fn put_read(slices: &[HeldSlice]) -> usize {
    let n: usize = slices.iter().map(|s| s.end - s.start).sum();
    match slices {
        [] => {}
        [one] if one.is_whole() => {
            if let Some(value) = value_of(&one.held) {
                put(0, value);
            }
        }
        [one] => put(0, &view(one)),
        _ => {
            let out = Uint8Array::new_with_length(n as u32);
            let mut at = 0;
            for s in slices {
                if s.is_whole() {
                    if let Some(value) = value_of(&s.held) {
                        out.set(value, at);
                    }
                } else {
                    out.set(&view(s), at);
                }
                at += (s.end - s.start) as u32;
            }
            put(0, &out);
        }
    }
    n
}

/// Bytes `start..end` of a slice's chunk, as a view (no copy).
fn view(s: &HeldSlice) -> JsValue {
    match value_of(&s.held) {
        Some(value) => value
            .unchecked_ref::<Uint8Array>()
            .subarray(s.start as u32, s.end as u32)
            .into(),
        None => JsValue::UNDEFINED,
    }
}
