//! TCP tunnels: one WebSocket per connection, to kvsocket-proxy's `{host}`/`{port}` template
//! (with its end exchange and the dial's outcome as a message) or to a one-target proxy
//! (websockify: open means connected, close(1000) ends); and the claim of an incoming
//! connection a listener announced.

use js_sys::{ArrayBuffer, Uint8Array, JSON};
use wasm_bindgen::prelude::*;

use super::owner::Owner;
use super::socket::Ws;
use super::transport::{
    fail_later, finish, opened, reach, release_sent, report_sent, transport_on, Kind, NOT_FOUND, T,
};
use super::url::{is_kvsocket_proxy, proxy_url, unreachable, with_param};
use super::HANDLERS;
use super::{field, Action};
use crate::tunnel::codes::{close, message};

/// A `connect` action (`ip`, or `host` for a name the proxy resolves).
pub fn open_tunnel(action: &Action, owner: &Owner) {
    let (id, ip, host, port) = (action.id(), action.ip(), action.host(), action.port());
    let t = transport_on(owner, id, Kind::Tunnel);
    let template = owner.template();
    // kvsocket-proxy is asked for the end exchange and for the dial's outcome as a message (a
    // page cannot read why an upgrade was refused); a one-target proxy (websockify) gets the
    // URL as it is.
    let kv = template.as_deref().is_some_and(is_kvsocket_proxy);
    let url = match (template, ip.as_ref().or(host.as_ref())) {
        (Some(template), Some(target)) => {
            let url = proxy_url(&template, target, port);
            Some(match kv {
                true => with_param(&with_param(&url, "end", "1"), "report", "1"),
                false => url,
            })
        }
        _ => None,
    };
    let key = {
        let mut s = t.borrow_mut();
        // The page never learns which address the proxy used for a name: the unspecified one.
        if let Some(ip) = &ip {
            s.remote_ip = ip.clone();
        }
        s.remote_port = port;
        s.end_exchange = kv;
        s.report = kv;
        s.key
    };
    // kvsocket-proxy is told to pause (its `pause` message); another proxy only by the stream's
    // own backpressure, so only its tunnels use WebSocketStream. (Chromium 156's renderer
    // crashed when kvsocket-proxy's process was killed under several WebSocketStream tunnels
    // with writes in flight: tests/soak/browser.js; a WebSocket there just closes.)
    attach(&t, url.and_then(|url| Ws::open(&url, "binary", !kv, key)));
}

/// Takes an incoming connection announced on a listen control socket with `?claim=token`. Its
/// engine is already Connected: writes wait for open, and a refused claim fails it.
pub fn claim(url: &str, owner: &Owner, id: u32, pausable: bool) {
    let t = transport_on(owner, id, Kind::Tunnel);
    let key = {
        let mut s = t.borrow_mut();
        s.claimed = true;
        s.end_exchange = true; // kvsocket-proxy's own sessions
        s.pausable = pausable;
        s.key
    };
    attach(
        &t,
        Ws::open(&with_param(url, "end", "1"), "binary", false, key),
    );
}

/// The WebSocket of a transport, with the shared handlers; none (no proxy URL, or one the
/// browser rejects) fails the transport on a later task.
pub fn attach(t: &T, ws: Option<Ws>) {
    match ws {
        None => fail_later(t, NOT_FOUND),
        Some(ws) => {
            HANDLERS.with(|h| ws.set_handlers(Some(h)));
            t.borrow_mut().ws = Some(ws);
        }
    }
}

/// Open, with `report=1`, but the proxy has not said `connected` yet.
fn dialling(t: &T) -> bool {
    let s = t.borrow();
    s.report && !s.connected
}

pub fn on_open(t: &T) {
    let (ip, port) = {
        let mut s = t.borrow_mut();
        if s.claimed {
            drop(s);
            return opened(t);
        }
        s.up = true;
        if s.report {
            return; // connected when the proxy says so (control)
        }
        (s.remote_ip.clone(), s.remote_port)
    };
    // websockify does not tell the addresses of its TCP connection.
    reach(t).connected((&"0.0.0.0".into(), &0.into()), (&ip.into(), &port.into()));
}

/// Binary messages are data (nearly all of them); text ones are control messages.
pub fn on_message(t: &T, data: JsValue) {
    if let Some(buffer) = data.dyn_ref::<ArrayBuffer>() {
        reach(t).received(&Uint8Array::new(buffer));
        // A cheap look while here (after the bytes: a flush that completes ends a Closing
        // socket, and these bytes came before that).
        report_sent(t);
    } else if let Some(text) = data.as_string() {
        control(t, &text);
    }
}

/// `{"type":"connected",…}` (report=1): the connect, with the address the proxy dialled (for a
/// name: what it resolved; the local address stays unknown). `{"type":"error",message}` before
/// it: why the dial failed. `{"type":"end"}` (end exchange): the target's FIN after its last
/// bytes; the WebSocket stays open for what the page still writes until our own end. Anything
/// else is ignored (docs/proxy-protocol.md).
fn control(t: &T, text: &str) {
    let m = JSON::parse(text).unwrap_or(JsValue::NULL);
    let kind = field(&m, "type").as_string().unwrap_or_default();
    if kind == message::CONNECTED && dialling(t) {
        let (ip, port) = {
            let mut s = t.borrow_mut();
            s.connected = true;
            s.pausable = s.end_exchange && field(&m, "pause") == JsValue::TRUE;
            let ip = field(&m, "remoteIp");
            let port = field(&m, "remotePort");
            let ip = if ip.is_string() {
                ip
            } else {
                s.remote_ip.as_str().into()
            };
            let port = if port.as_f64().is_some() {
                port
            } else {
                s.remote_port.into()
            };
            (ip, port)
        };
        reach(t).connected((&"0.0.0.0".into(), &0.into()), (&ip, &port));
    } else if kind == message::ERROR && dialling(t) {
        // Fed with the close's code, after which the engine puts it in the error's message.
        if let Some(message) = field(&m, "message").as_string() {
            t.borrow_mut().said = Some(message);
        }
    } else if kind == message::END {
        {
            let mut s = t.borrow_mut();
            if !s.end_exchange || s.peer_ended || (s.report && !s.connected) {
                return;
            }
            s.peer_ended = true;
        }
        // Connected: the engine ends too (its shutdown sends our end). Closing: it waits on.
        reach(t).peer_closed();
    }
}

/// Before open (or before the proxy reported the connect) the close that follows says it all;
/// after that the connection broke, which the browser tells with no detail: reported as the
/// abnormal close (1006) it is.
pub fn on_error(t: &T) {
    if !t.borrow().up || dialling(t) {
        return;
    }
    finish(t);
    reach(t).ws_closed(close::ABNORMAL, "", true);
}

pub fn on_close(t: &T, code: u16, reason: String) {
    // The answer to our end (1000): every byte reached the target. What was held back is
    // reported now, which ends a Closing engine cleanly.
    if t.borrow().ended && code == close::NORMAL {
        release_sent(t);
    } else {
        report_sent(t);
    }
    finish(t);
    // The close as it came: the engine tells a clean end (1000, 1005) from a failure and which
    // one, by its state. What the page knows beside it follows the name as `: detail`: the
    // proxy's own words, or, for a WebSocket that never opened, where the page looked for the
    // proxy.
    let (detail, up) = {
        let s = t.borrow();
        let never = !s.up && !s.claimed;
        let detail = match &s.said {
            Some(said) => Some(said.clone()),
            None if never => s.ws.as_ref().map(|ws| unreachable(&ws.url())),
            None => None,
        };
        (detail, s.up)
    };
    let reason = match detail {
        None => reason,
        Some(detail) if reason.is_empty() => format!("ProxyConnectionRefused: {detail}"),
        Some(detail) => format!("{reason}: {detail}"),
    };
    reach(t).ws_closed(code, &reason, up);
}
