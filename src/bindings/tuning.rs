//! Sizes the JS side works with for speed: none is a rule a script can see, but they are
//! limits, and limits are chosen here, beside the engine, not typed in JS (issue 19).
//! `hostTuning()` gives them to JS as `name value` pairs.

use wasm_bindgen::prelude::*;

use crate::engine::text::push_decimal;

/// The longest string `write()` checks for ASCII to hand a host that sends text as it is
/// (js/socket.js): a longer one is encoded once, as any write.
const TEXT_MAX: u32 = 1024;

/// The longest text the batch reader keeps decoded for the next record (js/batch.js): a
/// connect's address is most often the previous one, and an IPv6 address is at most 45
/// characters.
pub const TEXT_CACHE: u32 = 48;

/// The Node host's copies of written views (js/node/host.js): under SMALL_COPY bytes from Node's
/// shared pool (cheaper than a buffer of their own for commands of tens of bytes); from there to
/// SLAB in buffers of SLAB bytes, of which it keeps SLAB_POOL for reuse once net has written
/// them (4 MiB).
const SMALL_COPY: u32 = 4 * 1024;
const SLAB: u32 = 64 * 1024;
const SLAB_POOL: u32 = 64;

/// The queue of connections the system accepts for a Node listener before net takes them
/// (`listen`'s backlog; Node's own default, which KVIrc's API does not set).
const BACKLOG: u32 = 511;

/// The sizes above by name, `name value` pairs separated by spaces.
#[wasm_bindgen(js_name = hostTuning)]
pub fn host_tuning() -> String {
    let mut out = String::new();
    for (name, value) in [
        ("textMax", TEXT_MAX),
        ("textCache", TEXT_CACHE),
        ("smallCopy", SMALL_COPY),
        ("slab", SLAB),
        ("slabPool", SLAB_POOL),
        ("backlog", BACKLOG),
    ] {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(name);
        out.push(' ');
        push_decimal(&mut out, value.into()); // no fmt machinery in the module for this
    }
    out
}
