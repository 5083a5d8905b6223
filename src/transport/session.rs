//! kvsocket-proxy's sessions that carry JSON control messages in text frames next to binary
//! data: the reverse tunnel's control socket (listen.rs) and the UDP modes (udp.rs)
//! (docs/proxy-protocol.md). A session is an attempt until its first message says it is ready
//! (`listening`, `connected`): until then a failure is fed as `listenFailed` / `connectFailed`,
//! afterwards as `failed`, and the engine decides what that means.

use js_sys::{ArrayBuffer, Uint8Array, JSON};
use wasm_bindgen::prelude::*;
use web_sys::{CloseEvent, MessageEvent};

use super::js::{feed, flag, get, set};
use super::tunnel::{
    close_error, fail_later, finish, opened, report_sent, websocket, ws_of, NOT_FOUND, REFUSED,
};

/// What a session's mode is told: a control message (a parsed JSON object with a string
/// `type`, other than `error`, which is handled here) or one binary frame.
pub enum Message {
    Control(String, JsValue),
    Data(Uint8Array),
}

/// What a mode does with a message for transport `t`. A plain function (everything it needs is
/// on `t`), so that `open` and its closures are compiled once for every mode, not once each.
pub type OnMessage = fn(&JsValue, Message) -> Result<(), JsValue>;

/// Opens the session's WebSocket for transport `t`. `attempt` is the input for a failure
/// before ready (`listenFailed` or `connectFailed`); `on_message` is the mode's.
pub fn open(
    t: &JsValue,
    url: Option<String>,
    attempt: &str,
    on_message: OnMessage,
) -> Result<(), JsValue> {
    set(t, "attempt", attempt);
    let Some(ws) = url.and_then(|url| websocket(t, &url)) else {
        // Told later, never inside listen() / connect() (tunnel::fail_later).
        finish(t);
        fail_later(t, attempt, NOT_FOUND);
        return Ok(());
    };
    let on_open = {
        let t = t.clone();
        Closure::<dyn FnMut() -> Result<(), JsValue>>::new(move || opened(&t))
    };
    let on_frame = {
        let t = t.clone();
        Closure::<dyn FnMut(MessageEvent) -> Result<(), JsValue>>::new(move |e: MessageEvent| {
            let data = e.data();
            if let Some(text) = data.as_string() {
                return control(&t, &text, on_message);
            }
            if let Ok(buf) = data.dyn_into::<ArrayBuffer>() {
                on_message(&t, Message::Data(Uint8Array::new(&buf)))?;
                return report_sent(&t);
            }
            Ok(())
        })
    };
    // The close event that follows an error says all there is to say.
    let on_close = {
        let t = t.clone();
        Closure::<dyn FnMut(CloseEvent) -> Result<(), JsValue>>::new(move |e: CloseEvent| {
            closed(&t, e.code(), &e.reason())
        })
    };
    ws.set_onopen(Some(on_open.into_js_value().unchecked_ref()));
    ws.set_onmessage(Some(on_frame.into_js_value().unchecked_ref()));
    ws.set_onclose(Some(on_close.into_js_value().unchecked_ref()));
    Ok(())
}

/// The mode's first message arrived: failures are the transport's from now on.
pub fn ready(t: &JsValue) {
    set(t, "ready", true);
}

fn control(t: &JsValue, text: &str, on_message: OnMessage) -> Result<(), JsValue> {
    // docs/proxy-protocol.md: a page ignores what it does not understand.
    let Ok(message) = JSON::parse(text) else {
        return Ok(());
    };
    let Some(kind) = get(&message, "type").as_string() else {
        return Ok(());
    };
    if kind != "error" {
        return on_message(t, Message::Control(kind, message));
    }
    // Passed as it is: the engine classifies Node's errno names and the proxy's own codes.
    let code = get(&message, "code").as_string().unwrap_or_default();
    if flag(t, "ready") {
        // A datagram the proxy could not send, an ICMP error: the engine decides whether the
        // socket survives it (one oversized datagram does), and aborts it if not.
        return feed(t, "failed", &[code.into()]);
    }
    // A bind that failed: the proxy closes the session next (1011); tell the engine now.
    let attempt = get(t, "attempt");
    finish(t);
    if let Some(ws) = ws_of(t) {
        let _ = ws.close();
    }
    feed(t, &attempt.as_string().unwrap_or_default(), &[code.into()])
}

fn closed(t: &JsValue, code: u16, reason: &str) -> Result<(), JsValue> {
    report_sent(t)?;
    finish(t);
    let attempt = get(t, "attempt").as_string().unwrap_or_default();
    if !flag(t, "up") {
        // Closed before open: the proxy refused (a denied port or target, a failed UDP
        // connect), or is not there.
        return feed(t, &attempt, &[REFUSED.into()]);
    }
    // UDP has no peer that ends the session, and a listener is only ended by us: any close
    // from the proxy's side is a failure.
    let error = close_error(code, reason);
    let input = if flag(t, "ready") { "failed" } else { &attempt };
    feed(t, input, &[error.into()])
}
