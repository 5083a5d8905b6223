//! The WebSocket a Wisp session carries its packets on, as both hosts have one: a browser's
//! (made here over web-sys, in the browser's module) or the `ws` package's in Node (made by
//! js/node/wisp.js, which gives its options). The session uses only members that both have,
//! through one structural type, so that there is one session for both.

use js_sys::{Function, Uint8Array};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// A browser `WebSocket` or a `ws` WebSocket: the members both have.
    #[wasm_bindgen(extends = js_sys::Object)]
    #[derive(Clone)]
    pub type WispSocket;
    /// Sends one binary message. `ws` calls `sent` once the message has left for the kernel; a
    /// browser ignores the extra argument. Both copy the bytes before returning (`ws` masks
    /// them into a frame of its own: no permessage-deflate, no Blob), so a view of scratch
    /// memory may be sent. Caught: a throw must not unwind through a session's borrow (the
    /// session sends only on an open WebSocket, where neither throws; a closing one drops it).
    #[wasm_bindgen(method, catch, js_name = send)]
    fn try_send(
        this: &WispSocket,
        data: &Uint8Array,
        sent: Option<&Function>,
    ) -> Result<(), JsValue>;
    #[wasm_bindgen(method, getter, js_name = bufferedAmount)]
    pub fn buffered_amount(this: &WispSocket) -> f64;
    #[wasm_bindgen(method, catch, js_name = close)]
    fn try_close(this: &WispSocket, code: Option<u16>) -> Result<(), JsValue>;
    #[wasm_bindgen(method, setter)]
    pub fn set_onopen(this: &WispSocket, f: Option<&Function>);
    #[wasm_bindgen(method, setter)]
    pub fn set_onmessage(this: &WispSocket, f: Option<&Function>);
    #[wasm_bindgen(method, setter)]
    pub fn set_onerror(this: &WispSocket, f: Option<&Function>);
    #[wasm_bindgen(method, setter)]
    pub fn set_onclose(this: &WispSocket, f: Option<&Function>);

    /// A message event (`data`: an ArrayBuffer in browsers, a Buffer from `ws`, a string for a
    /// text frame) or a close event (`code`, `reason`).
    #[wasm_bindgen(extends = js_sys::Object)]
    pub type WsEvent;
    #[wasm_bindgen(method, getter)]
    pub fn data(this: &WsEvent) -> JsValue;
    #[wasm_bindgen(method, getter)]
    pub fn code(this: &WsEvent) -> u16;
    #[wasm_bindgen(method, getter)]
    pub fn reason(this: &WsEvent) -> Option<String>;

    /// `setTimeout(handler, ms)` (browsers and Node alike).
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &JsValue, ms: i32) -> JsValue;
}

/// Runs `f` once after `ms` milliseconds. (Boxed: one closure type for every timer, not a
/// wasm-bindgen shim per caller.)
pub fn later(ms: i32, f: impl FnOnce() + 'static) {
    let f: Box<dyn FnOnce()> = Box::new(f);
    set_timeout(&Closure::once_into_js(f), ms);
}

impl WispSocket {
    /// Sends one binary message (see `try_send`); a failure is the WebSocket's close to tell.
    pub fn send(&self, data: &Uint8Array, sent: Option<&Function>) {
        drop(self.try_send(data, sent));
    }

    /// Closes the WebSocket (with `code`, or none given).
    pub fn close(&self, code: Option<u16>) {
        drop(self.try_close(code));
    }
}

/// Whether the WebSocket tells when a sent message has left its buffer (`ws`'s send callback).
/// A browser's tells nothing: the session looks at `bufferedAmount` again as the browser
/// tunnels do (their interval, `pollMs`).
pub const TELLS_SENT: bool = !cfg!(feature = "browser");

/// A WebSocket to `url`, offering `protocol` ('' for none): `open`'s (js/node/wisp.js, or a
/// test's), else the browser's own; None when it cannot be made (a URL the constructor
/// rejects).
pub fn open(url: &str, protocol: &str, open: Option<&Function>) -> Option<WispSocket> {
    if url.is_empty() {
        return None;
    }
    if let Some(open) = open {
        let protocol = if protocol.is_empty() {
            JsValue::UNDEFINED
        } else {
            protocol.into()
        };
        let ws = open.call2(&JsValue::NULL, &url.into(), &protocol).ok()?;
        return ws.is_object().then(|| ws.unchecked_into());
    }
    browser_socket(url, protocol)
}

#[cfg(feature = "browser")]
fn browser_socket(url: &str, protocol: &str) -> Option<WispSocket> {
    use web_sys::{BinaryType, WebSocket};
    let ws = if protocol.is_empty() {
        WebSocket::new(url)
    } else {
        WebSocket::new_with_str(url, protocol)
    }
    .ok()?;
    ws.set_binary_type(BinaryType::Arraybuffer);
    Some(ws.unchecked_into())
}

/// Node's module has no WebSocket of its own: js/node/wisp.js always gives `open`.
#[cfg(not(feature = "browser"))]
fn browser_socket(_url: &str, _protocol: &str) -> Option<WispSocket> {
    None
}
