//! What the JS hosts' transports (browser/ and wisp/) reach in JavaScript: the socket's link
//! (js/link.js: a method per input kind, and where the transports of a socket are kept), the
//! handle of a transport kept on it, and the action objects the facade hands to `perform`.
//! Declared once for both transports: a member only one of them uses is still declared here.

use js_sys::{Object, Uint8Array};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// js/link.js's Link (or any object of its contract, as the Rust stream's).
    #[wasm_bindgen(extends = Object)]
    #[derive(Clone)]
    pub type Link;
    #[wasm_bindgen(method, getter)]
    pub fn options(this: &Link) -> LinkOptions;
    #[wasm_bindgen(method)]
    pub fn open(this: &Link, id: u32, t: &Handle);
    #[wasm_bindgen(method)]
    pub fn get(this: &Link, id: u32) -> JsValue;
    #[wasm_bindgen(method, js_name = drop)]
    pub fn drop_transport(this: &Link, id: u32, t: &Handle);
    /// The addresses as the transport has them: the proxy's messages' values as they came
    /// (the engine reads them), a Wisp stream's as strings and numbers.
    #[wasm_bindgen(method)]
    pub fn connected(
        this: &Link,
        id: u32,
        local_ip: &JsValue,
        local_port: &JsValue,
        remote_ip: &JsValue,
        remote_port: &JsValue,
    );
    #[wasm_bindgen(method)]
    pub fn received(this: &Link, id: u32, data: &Uint8Array);
    #[wasm_bindgen(method, js_name = receivedFrom)]
    pub fn received_from(this: &Link, id: u32, data: &Uint8Array, ip: &JsValue, port: &JsValue);
    #[wasm_bindgen(method)]
    pub fn sent(this: &Link, id: u32, n: f64);
    #[wasm_bindgen(method, js_name = peerClosed)]
    pub fn peer_closed(this: &Link, id: u32);
    #[wasm_bindgen(method)]
    pub fn closed(this: &Link, id: u32);
    #[wasm_bindgen(method)]
    pub fn failed(this: &Link, id: u32, error: &str);
    #[wasm_bindgen(method, js_name = wsClosed)]
    pub fn ws_closed(this: &Link, id: u32, code: u16, reason: &str, opened: bool);
    #[wasm_bindgen(method)]
    pub fn listening(this: &Link, id: u32, ip: &JsValue, port: &JsValue);
    #[wasm_bindgen(method)]
    pub fn incoming(
        this: &Link,
        id: u32,
        local_ip: &JsValue,
        local_port: &JsValue,
        remote_ip: &JsValue,
        remote_port: &JsValue,
    ) -> JsValue;

    /// `link.options`: the proxy URL is read when needed, so that a later
    /// `Socket.defaultProxy = url` counts too.
    pub type LinkOptions;
    #[wasm_bindgen(method, getter)]
    pub fn proxy(this: &LinkOptions) -> Option<String>;

    /// A transport as the link keeps it: `link` and `id` (set by `link.open`, and moved by
    /// `accept(other)`); a tunnel's `sendsInCall` (the
    /// facade may lend it a write's view: js/browser/index.js) and the key of its state in
    /// browser/; a Wisp stream's session (`wisp`: the hosts tell a Wisp stream by it) and
    /// stream id.
    #[wasm_bindgen(extends = Object)]
    #[derive(Clone)]
    pub type Handle;
    #[wasm_bindgen(method, getter)]
    pub fn link(this: &Handle) -> Link;
    #[wasm_bindgen(method, getter)]
    pub fn id(this: &Handle) -> u32;
    #[wasm_bindgen(method, getter, js_name = kvsocketKey)]
    pub fn key(this: &Handle) -> Option<u32>;
    #[wasm_bindgen(method, setter, js_name = kvsocketKey)]
    pub fn set_key(this: &Handle, key: u32);
    #[wasm_bindgen(method, setter, js_name = sendsInCall)]
    pub fn set_sends_in_call(this: &Handle, yes: bool);
    #[wasm_bindgen(method, getter)]
    pub fn wisp(this: &Handle) -> Option<u32>;
    #[wasm_bindgen(method, setter)]
    pub fn set_wisp(this: &Handle, session: u32);
    #[wasm_bindgen(method, getter, js_name = wispStream)]
    pub fn stream(this: &Handle) -> u32;
    #[wasm_bindgen(method, setter, js_name = wispStream)]
    pub fn set_stream(this: &Handle, stream: u32);

    /// An engine action as the facade's batch reader makes it (`{type, id, …}`).
    #[wasm_bindgen(extends = Object)]
    pub type Action;
    /// The type as a JS string, for comparing in JS (`===`) without copying it into wasm.
    #[wasm_bindgen(method, getter, js_name = type)]
    pub fn kind(this: &Action) -> JsValue;
    /// The type copied into wasm, in the one crossing (the browser transport matches on it).
    #[wasm_bindgen(method, getter, js_name = type)]
    pub fn kind_name(this: &Action) -> String;
    #[wasm_bindgen(method, getter)]
    pub fn id(this: &Action) -> u32;
    #[wasm_bindgen(method, getter)]
    pub fn ip(this: &Action) -> Option<String>;
    #[wasm_bindgen(method, getter)]
    pub fn host(this: &Action) -> Option<String>;
    #[wasm_bindgen(method, getter)]
    pub fn port(this: &Action) -> u16;
    /// A bound UDP socket's destination port as it came (a `send`'s `port`).
    #[wasm_bindgen(method, getter, js_name = port)]
    pub fn port_value(this: &Action) -> JsValue;
    #[wasm_bindgen(method, getter)]
    pub fn protocol(this: &Action) -> Option<String>;
    #[wasm_bindgen(method, getter)]
    pub fn data(this: &Action) -> Uint8Array;
    /// The data is the caller's view, valid only during this call (js/socket.js `#lend`).
    #[wasm_bindgen(method, getter)]
    pub fn lent(this: &Action) -> Option<bool>;
}

/// The link's proxy URL template (`options.proxy`, read when needed so that a later
/// `Socket.defaultProxy = url` counts), if it is a non-empty string.
pub fn template_of(link: &Link) -> Option<String> {
    link.options().proxy().filter(|p| !p.is_empty())
}
