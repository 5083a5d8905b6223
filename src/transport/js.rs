//! Small JS helpers for the browser host and the Rust async stream (src/stream.rs): plain-object
//! properties, feeding a link, timers.
//!
//! Property and method names are made into JS strings once each and kept ([`with_name`]): a
//! name passed from Rust as text is otherwise copied out of wasm memory and decoded by a
//! TextDecoder on every use, which was the largest single cost of the host in an echo's page
//! profile (docs/performance.md).

use std::cell::RefCell;

use js_sys::{Array, Function, Reflect};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    // The global setTimeout, so that the host works in windows and workers alike.
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout_js(handler: &JsValue, ms: i32) -> JsValue;

    /// A link (js/link.js); `feed(method, id, ...args)` by arity, called directly rather than
    /// through an argument array and `Function.prototype.apply`.
    pub type Link;
    /// `link.get(id)`: the transport kept under the engine's id, or undefined.
    #[wasm_bindgen(method, js_name = get)]
    pub fn transport(this: &Link, id: &JsValue) -> JsValue;
    /// `link.received(id, data)` and `link.sent(id, n)`: the two inputs of every chunk, which
    /// the link passes on without the generic feed's argument array.
    #[wasm_bindgen(method, catch, js_name = received)]
    fn received_input(this: &Link, id: &JsValue, data: &JsValue) -> Result<(), JsValue>;
    #[wasm_bindgen(method, catch, js_name = sent)]
    fn sent_input(this: &Link, id: &JsValue, n: f64) -> Result<(), JsValue>;
    #[wasm_bindgen(method, catch, js_name = feed)]
    fn feed0(this: &Link, method: &JsValue, id: &JsValue) -> Result<(), JsValue>;
    #[wasm_bindgen(method, catch, js_name = feed)]
    fn feed1(this: &Link, method: &JsValue, id: &JsValue, a: &JsValue) -> Result<(), JsValue>;
    #[wasm_bindgen(method, catch, js_name = feed)]
    fn feed2(
        this: &Link,
        method: &JsValue,
        id: &JsValue,
        a: &JsValue,
        b: &JsValue,
    ) -> Result<(), JsValue>;
    #[wasm_bindgen(method, catch, js_name = feed)]
    fn feed4(
        this: &Link,
        method: &JsValue,
        id: &JsValue,
        a: &JsValue,
        b: &JsValue,
        c: &JsValue,
        d: &JsValue,
    ) -> Result<(), JsValue>;
}

#[wasm_bindgen]
extern "C" {
    /// A transport (a plain object kept on the link): the fields the host reads and writes for
    /// every message, as plain property accesses (no name to pass, no Reflect call). Read as
    /// options: a field not set yet is undefined (and wasm-bindgen's debug glue checks types).
    pub type Transport;
    #[wasm_bindgen(method, getter = unsent)]
    fn unsent_field(this: &Transport) -> Option<f64>;
    #[wasm_bindgen(method, setter = unsent)]
    pub fn set_unsent(this: &Transport, bytes: f64);
    #[wasm_bindgen(method, getter = up)]
    fn up_field(this: &Transport) -> Option<bool>;
    #[wasm_bindgen(method, getter = finished)]
    fn finished_field(this: &Transport) -> Option<bool>;
    #[wasm_bindgen(method, getter = closing)]
    fn closing_field(this: &Transport) -> Option<bool>;
    #[wasm_bindgen(method, getter = ended)]
    fn ended_field(this: &Transport) -> Option<bool>;
    #[wasm_bindgen(method, getter = endExchange)]
    fn end_exchange_field(this: &Transport) -> Option<bool>;
    #[wasm_bindgen(method, getter = polling)]
    fn polling_field(this: &Transport) -> Option<bool>;
    #[wasm_bindgen(method, setter = polling)]
    pub fn set_polling(this: &Transport, on: bool);
    #[wasm_bindgen(method, getter = udp)]
    fn udp_field(this: &Transport) -> Option<bool>;
    #[wasm_bindgen(method, getter)]
    pub fn ws(this: &Transport) -> JsValue;
    /// Set by `link.open` (js/link.js), and again when `accept(other)` moves the transport.
    #[wasm_bindgen(method, getter)]
    fn link(this: &Transport) -> JsValue;
    #[wasm_bindgen(method, getter)]
    fn id(this: &Transport) -> JsValue;
}

impl Transport {
    /// Bytes handed to the WebSocket and not yet reported `sent`.
    pub fn unsent(&self) -> f64 {
        self.unsent_field().unwrap_or(0.0)
    }
    pub fn up(&self) -> bool {
        self.up_field() == Some(true)
    }
    pub fn finished(&self) -> bool {
        self.finished_field() == Some(true)
    }
    pub fn closing(&self) -> bool {
        self.closing_field() == Some(true)
    }
    pub fn ended(&self) -> bool {
        self.ended_field() == Some(true)
    }
    pub fn end_exchange(&self) -> bool {
        self.end_exchange_field() == Some(true)
    }
    pub fn polling(&self) -> bool {
        self.polling_field() == Some(true)
    }
    pub fn udp(&self) -> bool {
        self.udp_field() == Some(true)
    }
}

/// `t` as a [`Transport`].
pub fn tr(t: &JsValue) -> &Transport {
    t.unchecked_ref()
}

/// Names kept as JS strings. The host uses a few dozen, all from its own code; past this many
/// (which would be a bug) a name is made afresh each time rather than kept.
const MAX_NAMES: usize = 128;

thread_local! {
    static NAMES: RefCell<Vec<(Box<str>, JsValue)>> = const { RefCell::new(Vec::new()) };
}

/// The JS string for `name`, made on its first use and kept.
pub fn name(name: &str) -> JsValue {
    // Cloned out (a reference count, no text) so that no borrow is held while JS runs: a getter
    // could call back into the host.
    let known = NAMES.with(|names| {
        let names = names.borrow();
        names
            .iter()
            .find(|(n, _)| &**n == name)
            .map(|(_, v)| v.clone())
    });
    known.unwrap_or_else(|| {
        let value = JsValue::from_str(name);
        NAMES.with(|names| {
            let mut names = names.borrow_mut();
            if names.len() < MAX_NAMES {
                names.push((name.into(), value.clone()));
            }
        });
        value
    })
}

pub fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &name(key)).unwrap_or(JsValue::UNDEFINED)
}

pub fn set(obj: &JsValue, key: &str, value: impl Into<JsValue>) {
    // Setting a property of one of our own plain objects cannot fail.
    let _ = Reflect::set(obj, &name(key), &value.into());
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
    let link: Link = tr(t).link().unchecked_into();
    let (method, id) = (name(method), tr(t).id());
    match args {
        [] => link.feed0(&method, &id),
        [a] => link.feed1(&method, &id, a),
        [a, b] => link.feed2(&method, &id, a, b),
        [a, b, c, d] => link.feed4(&method, &id, a, b, c, d),
        _ => {
            let mut all = vec![method, id];
            all.extend_from_slice(args);
            call(&link, "feed", &all).map(drop)
        }
    }
}

/// `feed(t, "received", [data])` through the link's own entry for it.
pub fn feed_received(t: &JsValue, data: &JsValue) -> Result<(), JsValue> {
    let link: Link = tr(t).link().unchecked_into();
    link.received_input(&tr(t).id(), data)
}

/// `feed(t, "sent", [n])` through the link's own entry for it.
pub fn feed_sent(t: &JsValue, n: f64) -> Result<(), JsValue> {
    let link: Link = tr(t).link().unchecked_into();
    link.sent_input(&tr(t).id(), n)
}

/// Runs `f` once after `ms` milliseconds.
pub fn set_timeout(ms: i32, f: impl FnOnce() + 'static) {
    set_timeout_boxed(ms, Box::new(f));
}

/// One `Closure::once_into_js` for every caller: its JS-callable wrapper is generic, and
/// compiled once per closure type it was a copy per call site (~5 KB of the module in all).
fn set_timeout_boxed(ms: i32, f: Box<dyn FnOnce()>) {
    set_timeout_js(&Closure::once_into_js(f), ms);
}
