//! The transport's WebSocket: web-sys's `WebSocket`, or a `WebSocketStream` behind the same
//! members where the browser has one (js/browser/stream-socket.js: its readable is what the
//! receive pause stops reading; web-sys has no binding for it yet).

use js_sys::{Function, Uint8Array};
use wasm_bindgen::prelude::*;
use web_sys::{BinaryType, WebSocket};

#[wasm_bindgen(module = "/js/browser/stream-socket.js")]
extern "C" {
    #[wasm_bindgen(extends = js_sys::Object)]
    pub type StreamSocket;
    #[wasm_bindgen(constructor, catch)]
    fn new(url: &str, protocol: &str) -> Result<StreamSocket, JsValue>;
    #[wasm_bindgen(method)]
    fn send(this: &StreamSocket, data: &JsValue);
    #[wasm_bindgen(method, getter, js_name = bufferedAmount)]
    fn buffered_amount(this: &StreamSocket) -> f64;
    #[wasm_bindgen(method)]
    fn close(this: &StreamSocket, code: Option<u16>);
    #[wasm_bindgen(method, js_name = pauseReading)]
    fn pause_reading(this: &StreamSocket, paused: bool);
    #[wasm_bindgen(method, getter)]
    fn url(this: &StreamSocket) -> String;
    #[wasm_bindgen(method, setter)]
    fn set_onopen(this: &StreamSocket, f: Option<&Function>);
    #[wasm_bindgen(method, setter)]
    fn set_onmessage(this: &StreamSocket, f: Option<&Function>);
    #[wasm_bindgen(method, setter)]
    fn set_onerror(this: &StreamSocket, f: Option<&Function>);
    #[wasm_bindgen(method, setter)]
    fn set_onclose(this: &StreamSocket, f: Option<&Function>);
    #[wasm_bindgen(js_name = hasWebSocketStream)]
    fn has_web_socket_stream() -> bool;

    /// What the shared handlers find their transport by: a key on the WebSocket.
    #[wasm_bindgen(extends = js_sys::Object)]
    pub type Keyed;
    #[wasm_bindgen(method, getter, js_name = kvsocketKey)]
    pub fn key(this: &Keyed) -> Option<u32>;
    #[wasm_bindgen(method, setter, js_name = kvsocketKey)]
    fn set_key(this: &Keyed, key: u32);
}

/// The four handlers a transport's WebSocket gets (shared by every transport).
pub struct Handlers {
    pub open: Function,
    pub message: Function,
    pub error: Function,
    pub close: Function,
}

pub enum Ws {
    Plain(WebSocket),
    Stream(StreamSocket),
}

impl Ws {
    /// A WebSocket to `url` offering `protocol`, its binary messages ArrayBuffers (a
    /// WebSocketStream if `stream` and the browser has one), tagged with `key`; None for a URL
    /// the browser rejects.
    pub fn open(url: &str, protocol: &str, stream: bool, key: u32) -> Option<Ws> {
        let ws = if stream && has_web_socket_stream() {
            Ws::Stream(StreamSocket::new(url, protocol).ok()?)
        } else {
            let ws = WebSocket::new_with_str(url, protocol).ok()?;
            ws.set_binary_type(BinaryType::Arraybuffer);
            Ws::Plain(ws)
        };
        ws.target().unchecked_ref::<Keyed>().set_key(key);
        Some(ws)
    }

    fn target(&self) -> &JsValue {
        match self {
            Ws::Plain(ws) => ws,
            Ws::Stream(s) => s,
        }
    }

    pub fn set_handlers(&self, h: Option<&Handlers>) {
        let f = |pick: fn(&Handlers) -> &Function| h.map(pick);
        match self {
            Ws::Plain(ws) => {
                ws.set_onopen(f(|h| &h.open));
                ws.set_onmessage(f(|h| &h.message));
                ws.set_onerror(f(|h| &h.error));
                ws.set_onclose(f(|h| &h.close));
            }
            Ws::Stream(s) => {
                s.set_onopen(f(|h| &h.open));
                s.set_onmessage(f(|h| &h.message));
                s.set_onerror(f(|h| &h.error));
                s.set_onclose(f(|h| &h.close));
            }
        }
    }

    /// Sends bytes (a WebSocket copies them within the call, and so does the stream's adapter).
    pub fn send_bytes(&self, bytes: &Uint8Array) {
        match self {
            // A send on a closing WebSocket is dropped by the browser, not thrown.
            Ws::Plain(ws) => drop(ws.send_with_js_u8_array(bytes)),
            Ws::Stream(s) => s.send(bytes),
        }
    }

    pub fn send_text(&self, text: &str) {
        match self {
            Ws::Plain(ws) => drop(ws.send_with_str(text)),
            Ws::Stream(s) => s.send(&JsValue::from_str(text)),
        }
    }

    pub fn buffered_amount(&self) -> f64 {
        match self {
            Ws::Plain(ws) => ws.buffered_amount() as f64,
            Ws::Stream(s) => s.buffered_amount(),
        }
    }

    pub fn close(&self, code: Option<u16>) {
        match (self, code) {
            (Ws::Plain(ws), Some(code)) => drop(ws.close_with_code(code)),
            (Ws::Plain(ws), None) => drop(ws.close()),
            (Ws::Stream(s), code) => s.close(code),
        }
    }

    /// Stops or starts reading (a WebSocketStream only: a WebSocket cannot be paused).
    pub fn pause_reading(&self, paused: bool) {
        if let Ws::Stream(s) = self {
            s.pause_reading(paused);
        }
    }

    pub fn url(&self) -> String {
        match self {
            Ws::Plain(ws) => ws.url(),
            Ws::Stream(s) => s.url(),
        }
    }
}
