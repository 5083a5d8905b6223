//! `read()`'s text for stream bytes the JS facade keeps (docs/design.md, the receive path), by
//! the engine's rule, without the allocations of a call that takes and returns strings: the
//! facade copies the bytes into a scratch area here (`textScratch`), the engine says whether
//! they are their own text (`textOfScratch`), and only when they are not does a decoded copy
//! come back, in the same area. `textOfBytes` took ~330 ns for a 4-byte read on Node 20, most
//! of it wasm-bindgen's copies in and out; this ~100.

use std::cell::RefCell;

use wasm_bindgen::prelude::*;

use crate::engine::recv::decode_text_if_changed;

/// Each input byte decodes to at most 3 output bytes (an invalid byte is U+FFFD).
const GROWTH: usize = 3;

thread_local! {
    /// `len` input bytes, then room for their decoded text (`GROWTH` bytes each).
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// The address of a scratch area for `len` input bytes, valid until the next `textScratch`
/// call for more; 0 when that much does not fit in memory (then use `textOfBytes`).
#[wasm_bindgen(js_name = textScratch)]
pub fn text_scratch(len: u32) -> u32 {
    let Some(size) = (len as usize).checked_mul(GROWTH + 1) else {
        return 0;
    };
    SCRATCH.with(|s| {
        let mut s = s.borrow_mut();
        if s.len() < size {
            let more = size - s.len();
            if s.try_reserve_exact(more).is_err() {
                return 0;
            }
            s.resize(size, 0);
        }
        s.as_ptr() as u32
    })
}

/// Decodes the `len` bytes at the start of the scratch area: -1 when they are their own text
/// (valid UTF-8 without NUL: any UTF-8 decoder makes it from the caller's copy), else the
/// length of the decoded text's UTF-8, written right after them. `len` is at most what the
/// last `textScratch` made room for; more reads nothing and answers with the empty text.
#[wasm_bindgen(js_name = textOfScratch)]
pub fn text_of_scratch(len: u32) -> f64 {
    SCRATCH.with(|s| {
        let mut s = s.borrow_mut();
        let len = len as usize;
        if len.saturating_mul(GROWTH + 1) > s.len() {
            return 0.0;
        }
        match decode_text_if_changed(&s[..len]) {
            None => -1.0,
            Some(text) => {
                s[len..len + text.len()].copy_from_slice(text.as_bytes());
                text.len() as f64
            }
        }
    })
}
