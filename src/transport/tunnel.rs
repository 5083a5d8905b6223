//! One TCP connection tunnelled over a WebSocket to a proxy. The transport is a plain JS object
//! kept on the link (`link.open(id, t)`), holding the WebSocket and the little bookkeeping a
//! WebSocket needs (bytes handed over but not yet reported `sent`, frames waiting for open);
//! every decision is the engine's. The sending side here also serves the UDP sessions (udp.rs).

use js_sys::{Array, ArrayBuffer, Object, Uint8Array, JSON};
use wasm_bindgen::prelude::*;
use web_sys::{BinaryType, CloseEvent, MessageEvent, WebSocket};

use super::js::{call, feed, feed_received, feed_sent, flag, get, number, set, set_timeout, tr};
use super::url::{is_kvsocket_proxy, proxy_url, with_param};

/// How often to look at `bufferedAmount` while bytes are still queued in the WebSocket.
const POLL_MS: i32 = 4;

/// The largest binary message a TCP tunnel sends: a write is split into messages of at most
/// this many bytes (TCP has no message boundaries, and a proxy refuses messages over its own
/// limit: kvsocket-proxy's `--max-frame`, 256 KiB by default, closes with 1009). UDP keeps one
/// datagram per message (udp.rs sends with `send`).
pub const MAX_MESSAGE: u32 = 64 * 1024;

/// Error names fed to the engine (our own codes pass `ErrorCode::from_host` as they are).
pub const REFUSED: &str = "ProxyConnectionRefused";
pub const CLOSED: &str = "ProxyConnectionClosed";
pub const PROTOCOL: &str = "ProxyProtocol";
pub const NOT_FOUND: &str = "ProxyNotFound";

/// The end exchange's message, both ways (docs/proxy-protocol.md).
const END: &str = r#"{"type":"end"}"#;
/// The page's end after `close()`: it is done reading too, so the proxy answers as soon as its
/// system took every byte, as Node's host ends Closing (docs/proxy-protocol.md).
const END_CLOSE: &str = r#"{"type":"end","read":false}"#;

/// Opens the WebSocket for a `connect` action (`ip`, or `host` for a name the proxy resolves).
pub fn open(action: &JsValue, link: &JsValue) -> Result<(), JsValue> {
    let port = number(action, "port") as u16;
    let ip = get(action, "ip").as_string();
    let target = ip.clone().or_else(|| get(action, "host").as_string());
    let t = transport(link, &get(action, "id"))?;
    // The page never learns which address the proxy used for a name: the unspecified one.
    set(&t, "remoteIp", ip.unwrap_or_else(|| "0.0.0.0".into()));
    set(&t, "remotePort", port);
    let template = template(link);
    // kvsocket-proxy (a template with placeholders) is asked for the end exchange and for the
    // dial's outcome as a message (a page cannot read why an upgrade was refused); a one-target
    // proxy (websockify) gets the URL as it is, today's close(1000) and "open means connected".
    let exchange = template.as_deref().is_some_and(is_kvsocket_proxy);
    set(&t, "endExchange", exchange);
    set(&t, "report", exchange);
    let url = template.zip(target).map(|(template, target)| {
        let url = proxy_url(&template, &target, port);
        if exchange {
            with_param(&with_param(&url, "end", "1"), "report", "1")
        } else {
            url
        }
    });
    let Some(ws) = url.and_then(|url| websocket(&t, &url)) else {
        // No proxy URL, or one the browser rejects as a WebSocket URL (the entry's `refuse`
        // turns down schemes other than ws/wss/http/https first). Told later, never inside
        // connect() (docs/spec.md: events are asynchronous, status is Connecting on return).
        finish(&t);
        fail_later(&t, "connectFailed", NOT_FOUND);
        return Ok(());
    };
    attach(&t, &ws);
    Ok(())
}

/// Takes an incoming connection announced on a listen control socket (listen.rs) with
/// `?claim=token`. Its engine is already Connected, so open feeds nothing and what the script
/// writes before open waits in the queue; a refused claim fails the connection.
pub fn claim(url: &str, link: &JsValue, id: &JsValue) -> Result<(), JsValue> {
    let t = transport(link, id)?;
    set(&t, "claimed", true);
    // Claims are kvsocket-proxy's own sessions: always with the end exchange.
    set(&t, "endExchange", true);
    let Some(ws) = websocket(&t, &with_param(url, "end", "1")) else {
        finish(&t);
        fail_later(&t, "failed", NOT_FOUND);
        return Ok(());
    };
    attach(&t, &ws);
    Ok(())
}

/// Feeds `input(reason)` for a finished transport on a later turn of the event loop: the
/// failure of an action is never reported inside the call that performed it.
pub fn fail_later(t: &JsValue, input: &str, reason: &str) {
    let (t, input, reason) = (t.clone(), input.to_owned(), reason.to_owned());
    set_timeout(0, move || {
        if let Err(err) = feed(&t, &input, &[reason.into()]) {
            wasm_bindgen::throw_val(err);
        }
    });
}

/// The link's proxy URL template, if one is set.
pub fn template(link: &JsValue) -> Option<String> {
    let template = get(&get(link, "options"), "proxy").as_string();
    template.filter(|s| !s.is_empty())
}

/// A new transport, kept on the link under the action's id.
pub fn transport(link: &JsValue, id: &JsValue) -> Result<JsValue, JsValue> {
    let t: JsValue = Object::new().into();
    set(&t, "unsent", 0);
    call(link, "open", &[id.clone(), t.clone()])?;
    Ok(t)
}

/// A WebSocket to `url` with the `binary` subprotocol, kept as `t.ws`; `None` for a URL the
/// browser rejects.
pub fn websocket(t: &JsValue, url: &str) -> Option<WebSocket> {
    let ws = WebSocket::new_with_str(url, "binary").ok()?;
    ws.set_binary_type(BinaryType::Arraybuffer);
    set(t, "ws", ws.clone());
    Some(ws)
}

/// The WebSocket opened: what waited for it goes out, in order.
pub fn opened(t: &JsValue) -> Result<(), JsValue> {
    set(t, "up", true);
    let queued: Array = get(t, "queue").dyn_into().unwrap_or_default();
    set(t, "queue", JsValue::UNDEFINED);
    // All of them before after_progress: a shutdown that waited for open must come after the
    // last one.
    for frame in queued.iter() {
        put_frame(t, &frame)?;
    }
    after_progress(t)
}

fn attach(t: &JsValue, ws: &WebSocket) {
    let on_open = {
        let t = t.clone();
        Closure::<dyn FnMut() -> Result<(), JsValue>>::new(move || {
            if flag(&t, "claimed") {
                return opened(&t);
            }
            set(&t, "up", true);
            if flag(&t, "report") {
                return Ok(()); // connected when the proxy says so (control)
            }
            let (ip, port) = (get(&t, "remoteIp"), get(&t, "remotePort"));
            // websockify does not tell the addresses of its TCP connection.
            feed(&t, "connected", &["0.0.0.0".into(), 0.into(), ip, port])
        })
    };
    let on_message = {
        let t = t.clone();
        Closure::<dyn FnMut(MessageEvent) -> Result<(), JsValue>>::new(move |e: MessageEvent| {
            // Binary frames are data (looked at first: they are nearly all); text frames are
            // control messages, of which a TCP tunnel knows `end` (docs/proxy-protocol.md:
            // ignore unknown ones).
            let data = e.data();
            if data.is_instance_of::<ArrayBuffer>() {
                let bytes = Uint8Array::new(&data);
                feed_received(&t, &bytes)?;
                // A cheap look while we are here (after the bytes: a flush that completes
                // ends a Closing socket, and these bytes came before that).
                return report_sent(&t);
            }
            match data.as_string() {
                Some(text) => control(&t, &text),
                None => Ok(()),
            }
        })
    };
    let on_error = {
        let t = t.clone();
        Closure::<dyn FnMut() -> Result<(), JsValue>>::new(move || {
            // Before open (or before the proxy reported the connect), the close event that
            // follows says it all; after that the connection broke (no close frame), which the
            // browser tells with no detail.
            if !tr(&t).up() || dialling(&t) {
                return Ok(());
            }
            finish(&t);
            feed(&t, "failed", &[CLOSED.into()])
        })
    };
    let on_close = {
        let t = t.clone();
        Closure::<dyn FnMut(CloseEvent) -> Result<(), JsValue>>::new(move |e: CloseEvent| {
            closed(&t, e.code(), &e.reason())
        })
    };
    ws.set_onopen(Some(on_open.into_js_value().unchecked_ref()));
    ws.set_onmessage(Some(on_message.into_js_value().unchecked_ref()));
    ws.set_onerror(Some(on_error.into_js_value().unchecked_ref()));
    ws.set_onclose(Some(on_close.into_js_value().unchecked_ref()));
}

/// Open, with `report=1`, but the proxy has not said `connected` yet.
fn dialling(t: &JsValue) -> bool {
    flag(t, "report") && !flag(t, "connected")
}

/// A text message on a TCP tunnel. `{"type":"connected",…}` (report=1) is the connect, with the
/// address the proxy dialled. `{"type":"end"}` (end exchange) is the target's FIN,
/// after its last bytes; the WebSocket stays open for what the page still writes until our own
/// end. Anything else is ignored (a failed connect's `{"type":"error"}` is followed by the close
/// that carries its code).
fn control(t: &JsValue, text: &str) -> Result<(), JsValue> {
    let Ok(message) = JSON::parse(text) else {
        return Ok(());
    };
    match get(&message, "type").as_string().as_deref() {
        Some("connected") if dialling(t) => {
            set(t, "connected", true);
            // The remote address is the one the proxy dialled (for a name: what it resolved).
            // The local one stays unknown (docs/spec.md: a browser does not learn its local address;
            // the proxy's is not the page's).
            let ip = get(&message, "remoteIp")
                .as_string()
                .map_or(get(t, "remoteIp"), Into::into);
            let port = get(&message, "remotePort")
                .as_f64()
                .map_or(get(t, "remotePort"), Into::into);
            feed(t, "connected", &["0.0.0.0".into(), 0.into(), ip, port])
        }
        Some("end") if tr(t).end_exchange() && !flag(t, "peerEnded") && !dialling(t) => {
            set(t, "peerEnded", true);
            // Connected: the engine ends too (a `shutdown`, which sends our end). Closing: it
            // goes on waiting for our end's answer.
            feed(t, "peerClosed", &[])
        }
        _ => Ok(()),
    }
}

fn closed(t: &JsValue, code: u16, reason: &str) -> Result<(), JsValue> {
    if tr(t).ended() && code == 1000 {
        // The answer to our end: every byte reached the target (which ended too). What was held
        // back is reported now, which ends a Closing engine cleanly.
        release_sent(t)?;
    } else {
        report_sent(t)?;
    }
    finish(t);
    if dialling(t) {
        // report=1: the proxy could not connect, and says why (1011, the error name: ECONNREFUSED,
        // ENOTFOUND, ETIMEDOUT, TargetDenied), so the page gets the same error as in Node.
        let reason = if code == 1011 && is_code(reason) {
            reason
        } else {
            REFUSED
        };
        return feed(t, "connectFailed", &[reason.into()]);
    }
    if !tr(t).up() {
        // Closed before open: the proxy refused the session (or the claim: the incoming
        // connection is already up, so that fails it), could not reach it, or is not there.
        let input = if flag(t, "claimed") {
            "failed"
        } else {
            "connectFailed"
        };
        return feed(t, input, &[REFUSED.into()]);
    }
    match code {
        // The target ended the connection (1005: a close frame without a code).
        1000 | 1005 => {
            feed(t, "peerClosed", &[])?;
            feed(t, "closed", &[])
        }
        _ => feed(t, "failed", &[close_error(code, reason).into()]),
    }
}

/// The error name for a close after open that is not a clean end.
pub fn close_error(code: u16, reason: &str) -> String {
    match code {
        // kvsocket-proxy: the TCP connection failed, the reason is its error code (ECONNRESET).
        1011 if is_code(reason) => reason.into(),
        1002 | 1003 | 1007 | 1009 | 1010 => PROTOCOL.into(),
        _ => CLOSED.into(),
    }
}

/// `ECONNRESET`, `EPIPE`, `RemoteHostClosed`: a bare error name, not a sentence.
pub fn is_code(reason: &str) -> bool {
    !reason.is_empty()
        && reason
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

pub fn ws_of(t: &JsValue) -> Option<WebSocket> {
    // Only websocket() sets it, to a WebSocket: no instanceof check needed.
    let ws = tr(t).ws();
    (!ws.is_undefined()).then(|| ws.unchecked_into())
}

/// A `send` action of a UDP session: the bytes are one datagram, so one message; `sent`
/// follows as they leave the WebSocket's buffer.
pub fn send(t: &JsValue, data: &JsValue) -> Result<(), JsValue> {
    if data.is_instance_of::<Uint8Array>() {
        send_frame(t, data)?;
    }
    Ok(())
}

/// A `send` action of a TCP tunnel: the bytes in messages of at most [`MAX_MESSAGE`] bytes
/// (views of the same buffer, in order); `sent` follows as they leave the WebSocket's buffer.
pub fn send_stream(t: &JsValue, data: &JsValue) -> Result<(), JsValue> {
    let Some(bytes) = data.dyn_ref::<Uint8Array>() else {
        return Ok(());
    };
    let len = bytes.length();
    if len <= MAX_MESSAGE {
        put_bytes(t, bytes)?;
        return after_progress(t);
    }
    let mut at = 0;
    while at < len {
        let end = len.min(at + MAX_MESSAGE);
        put_bytes(t, &bytes.subarray(at, end))?;
        at = end;
    }
    after_progress(t)
}

/// Sends a text (control) or binary frame, or queues it until the WebSocket is open (a claimed
/// connection can be written to at once). Only binary bytes count as `unsent`: the engine knows
/// nothing of control frames. They do sit in `bufferedAmount` too, which only makes `sent` come
/// a little later, never early (see report_sent).
pub fn send_frame(t: &JsValue, frame: &JsValue) -> Result<(), JsValue> {
    put_frame(t, frame)?;
    after_progress(t)
}

/// send_frame without the look at the progress that follows.
fn put_frame(t: &JsValue, frame: &JsValue) -> Result<(), JsValue> {
    match frame.as_string() {
        Some(text) => match open_ws(t, frame)? {
            Some(ws) => ws.send_with_str(&text),
            None => Ok(()),
        },
        None => put_bytes(t, frame.unchecked_ref()),
    }
}

/// put_frame for a binary frame.
fn put_bytes(t: &JsValue, bytes: &Uint8Array) -> Result<(), JsValue> {
    let Some(ws) = open_ws(t, bytes)? else {
        return Ok(());
    };
    ws.send_with_array_buffer_view(bytes)?;
    tr(t).set_unsent(tr(t).unsent() + f64::from(bytes.length()));
    Ok(())
}

/// The WebSocket to send `frame` on now; `None` when the transport is finished, or when it is
/// not open yet (then the frame waits in `t.queue` for opened()).
fn open_ws(t: &JsValue, frame: &JsValue) -> Result<Option<WebSocket>, JsValue> {
    let Some(ws) = ws_of(t).filter(|_| !tr(t).finished()) else {
        return Ok(None);
    };
    if tr(t).up() {
        return Ok(Some(ws));
    }
    let queue: Array = get(t, "queue").dyn_into().unwrap_or_else(|_| {
        let queue = Array::new();
        set(t, "queue", queue.clone());
        queue
    });
    queue.push(frame);
    Ok(None)
}

/// A `shutdown` action. With the end exchange (kvsocket-proxy): `{"type":"end"}` after the
/// bytes, and the last `sent` held back until the proxy's close says whether they reached the
/// target (1000) or not (1011: `failed`), so that a Closing engine does not end early. Otherwise
/// (websockify): close (1000) once every byte has left the WebSocket's buffer.
pub fn shutdown(t: &JsValue) -> Result<(), JsValue> {
    set(t, "closing", true);
    after_progress(t)
}

/// An `endOutput` action (half-close). With the end exchange (kvsocket-proxy):
/// `{"type":"end"}` after the bytes, and the WebSocket stays open for what the target still
/// sends; the proxy's close after the target's own end answers it, as for `shutdown`. Without
/// it (websockify) a WebSocket cannot end one way only: nothing is sent, and the output ends
/// with the connection (docs/promises-and-streams.md).
pub fn end_output(t: &JsValue) -> Result<(), JsValue> {
    if !tr(t).end_exchange() || tr(t).ended() || !tr(t).up() {
        return Ok(());
    }
    report_sent(t)?;
    set(t, "ended", true);
    if let Some(ws) = ws_of(t) {
        ws.send_with_str(END)?;
    }
    Ok(())
}

/// An `abort` action: close now, without waiting. (Bytes the WebSocket already took still go
/// out before its close frame: a browser cannot reset a connection.)
pub fn abort(t: &JsValue) {
    finish(t);
    if let Some(ws) = ws_of(t) {
        let _ = ws.close();
    }
}

/// Reports what left the WebSocket's buffer, then closes if a shutdown waits for that, or looks
/// again shortly if bytes are still queued.
fn after_progress(t: &JsValue) -> Result<(), JsValue> {
    // Before open nothing has left, and a close now would abort the opening: opened() calls
    // this again.
    if !tr(t).up() {
        return Ok(());
    }
    report_sent(t)?;
    if tr(t).finished() || tr(t).ended() {
        return Ok(());
    }
    if tr(t).closing() && tr(t).end_exchange() {
        // Every byte is in the WebSocket already (queued ones went out in opened()); the end
        // follows them in order. No need to wait for bufferedAmount: nothing more is reported
        // until the proxy's close.
        set(t, "ended", true);
        if let Some(ws) = ws_of(t) {
            ws.send_with_str(END_CLOSE)?;
        }
        return Ok(());
    }
    if tr(t).unsent() > 0.0 {
        poll_later(t);
    } else if tr(t).closing() {
        if let Some(ws) = ws_of(t) {
            ws.close_with_code(1000)?;
        }
    }
    Ok(())
}

pub fn report_sent(t: &JsValue) -> Result<(), JsValue> {
    // Nothing unsent (the common case of a received message): nothing to look at.
    let unsent = tr(t).unsent();
    if unsent <= 0.0 {
        return Ok(());
    }
    // With the end exchange, what is still unsent at a shutdown waits for the proxy's answer.
    if tr(t).closing() && tr(t).end_exchange() {
        return Ok(());
    }
    let Some(ws) = ws_of(t) else { return Ok(()) };
    let left = f64::from(ws.buffered_amount()).min(unsent);
    if left < unsent {
        // Updated before feeding: the engine may send more from inside the feed.
        tr(t).set_unsent(left);
        feed_sent(t, unsent - left)?;
    }
    Ok(())
}

/// Reports every byte still unsent as `sent`: the proxy said they reached the target.
fn release_sent(t: &JsValue) -> Result<(), JsValue> {
    let unsent = tr(t).unsent();
    tr(t).set_unsent(0.0);
    if unsent > 0.0 {
        feed_sent(t, unsent)?;
    }
    Ok(())
}

fn poll_later(t: &JsValue) {
    if tr(t).polling() {
        return;
    }
    tr(t).set_polling(true);
    let t = t.clone();
    set_timeout(POLL_MS, move || {
        tr(&t).set_polling(false);
        if let Err(err) = after_progress(&t) {
            wasm_bindgen::throw_val(err);
        }
    });
}

/// The transport is done: no more inputs from it, its handlers released (and with them the
/// Rust closures, once the JS garbage collector takes them), and it leaves the link.
pub fn finish(t: &JsValue) {
    set(t, "finished", true);
    if let Some(ws) = ws_of(t) {
        ws.set_onopen(None);
        ws.set_onmessage(None);
        ws.set_onerror(None);
        ws.set_onclose(None);
    }
    let _ = call(&get(t, "link"), "drop", &[get(t, "id"), t.clone()]);
}
