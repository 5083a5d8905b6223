//! kvsocket-proxy's sessions with control messages beside binary data: the reverse tunnel's
//! listener (`?listen=PORT&iface=IP`, which reports its bind and announces each incoming
//! connection) and UDP (`?udp=1…`, one datagram per message). Their failures, before or after
//! the session is ready, are `failed`: the engine decides what they mean by its state (a bind,
//! a UDP connect, a broken session).

use js_sys::{ArrayBuffer, Object, Reflect, Uint8Array, JSON};
use wasm_bindgen::prelude::*;
use web_sys::WebSocket;

use super::owner::{Owner, Reach};
use super::socket::Ws;
use super::transport::{
    after_progress, finish, put_bytes, put_text, reach, report_sent, transport_on, Kind, T,
};
use super::tunnel::{attach, claim};
use super::url::session_url;
use super::{field, Action, Link};
use crate::tunnel::codes::message;

fn open_session(t: &T, url: Option<String>) {
    let key = t.borrow().key;
    attach(t, url.and_then(|url| Ws::open(&url, "binary", false, key)));
}

/// `listen` (TCP): the reverse tunnel's control socket.
pub fn open_listener(action: &Action, owner: &Owner, template: String) {
    let t = transport_on(owner, action.id(), Kind::Listener);
    let port = action.port().to_string();
    let iface = action.ip().unwrap_or_default();
    let url = session_url(&template, &[("listen", &port), ("iface", &iface)]);
    t.borrow_mut().template = template;
    open_session(&t, Some(url));
}

/// UDP `connect`: `?udp=1&host=&port=`, one peer.
pub fn connect_udp(action: &Action, owner: &Owner, template: &str) {
    let port = action.port().to_string();
    let url = action.ip().or(action.host()).map(|target| {
        session_url(
            template,
            &[("udp", "1"), ("host", &target), ("port", &port)],
        )
    });
    let t = transport_on(owner, action.id(), Kind::UdpConnected);
    open_session(&t, url);
}

/// UDP `listen`: `?udp=1&listen=&iface=`.
pub fn bind_udp(action: &Action, owner: &Owner, template: &str) {
    let t = transport_on(owner, action.id(), Kind::UdpBound);
    let port = action.port().to_string();
    let iface = action.ip().unwrap_or_default();
    let url = session_url(
        template,
        &[("udp", "1"), ("listen", &port), ("iface", &iface)],
    );
    open_session(&t, Some(url));
}

/// A `send` of a UDP session: one datagram, one message. A bound socket's carries its
/// destination, which the proxy is told with a `to` message when it differs from the last.
pub fn send_datagram(t: &T, action: &Action) {
    let bound = t.borrow().kind == Kind::UdpBound;
    if let (true, Some(ip)) = (bound, action.ip()) {
        let to = Object::new();
        let _ = Reflect::set(&to, &"type".into(), &message::TO.into());
        let _ = Reflect::set(&to, &"host".into(), &ip.into());
        let _ = Reflect::set(&to, &"port".into(), &action.port_value());
        let to: String = JSON::stringify(&to).map(String::from).unwrap_or_default();
        if t.borrow().to != to {
            put_text(t, &to);
            t.borrow_mut().to = to;
        }
    }
    put_bytes(t, &action.data());
    after_progress(t);
}

pub fn on_message(t: &T, data: JsValue) {
    if let Some(text) = data.as_string() {
        control(t, &text);
    } else if let Some(buffer) = data.dyn_ref::<ArrayBuffer>() {
        let bytes = Uint8Array::new(buffer);
        let (kind, ready, from) = {
            let s = t.borrow();
            (s.kind, s.ready, s.from.clone())
        };
        // A listener's session carries no data; a connected UDP socket's before its
        // `connected` is not the peer's.
        if kind == Kind::UdpBound || (kind == Kind::UdpConnected && ready) {
            reach(t).received_from(&bytes, &from.0, &from.1);
        }
        report_sent(t);
    }
}

fn control(t: &T, text: &str) {
    let m = JSON::parse(text).unwrap_or(JsValue::NULL);
    // docs/proxy-protocol.md: a page ignores what it does not understand.
    let Some(kind) = field(&m, "type").as_string() else {
        return;
    };
    let at = reach(t);
    if kind == message::ERROR {
        // Passed as it is: the engine classifies Node's errno names and the proxy's own codes.
        let code = field(&m, "code").as_string().unwrap_or_default();
        // After ready: a datagram the proxy could not send, an ICMP error; the engine decides
        // whether the socket survives it (one oversized datagram does).
        if t.borrow().ready {
            return at.failed(&code);
        }
        // A bind that failed: the proxy closes the session next (1011); tell the engine now.
        finish(t);
        if let Some(ws) = &t.borrow().ws {
            ws.close(None);
        }
        return at.failed(&code);
    }
    let session = t.borrow().kind;
    match (session, kind.as_str()) {
        (Kind::Listener | Kind::UdpBound, message::LISTENING) => {
            t.borrow_mut().ready = true;
            at.listening(&field(&m, "ip"), &field(&m, "port"));
        }
        (Kind::Listener, message::INCOMING) => incoming(t, &at, &m),
        (Kind::UdpConnected, message::CONNECTED) => {
            let remote = (field(&m, "remoteIp"), field(&m, "remotePort"));
            {
                let mut s = t.borrow_mut();
                s.ready = true;
                s.from = remote.clone();
            }
            let local = (field(&m, "localIp"), field(&m, "localPort"));
            at.connected((&local.0, &local.1), (&remote.0, &remote.1));
        }
        (Kind::UdpBound, message::FROM) => {
            t.borrow_mut().from = (field(&m, "ip"), field(&m, "port"))
        }
        _ => {}
    }
}

/// An announced connection: the engine makes the Connected child socket (or says to drop it),
/// then the child's transport claims the connection.
fn incoming(t: &T, at: &Reach, m: &JsValue) {
    let token = field(m, "id").as_string().unwrap_or_default();
    let url = session_url(&t.borrow().template, &[("claim", &token)]);
    let f = |name| field(m, name);
    let child = at.incoming(
        (&f("localIp"), &f("localPort")),
        (&f("remoteIp"), &f("remotePort")),
    );
    if child.is_object() {
        let owner = Owner::Js(field(&child, "link").unchecked_into::<Link>());
        let child_id = field(&child, "id").as_f64().unwrap_or(0.0) as u32;
        return claim(&url, &owner, child_id, f("pause") == JsValue::TRUE);
    }
    // Dropped (the listener is going away): claimed and closed at once, so that the peer does
    // not wait for the proxy's claim timeout. (A URL the browser rejects: the claim times out.)
    if let Ok(ws) = WebSocket::new_with_str(&url, "binary") {
        let closing = ws.clone();
        let close = Closure::once_into_js(move || drop(closing.close()));
        ws.set_onopen(Some(close.unchecked_ref()));
    }
}

/// Closed before open: the proxy refused (a denied port or target, a failed UDP connect), or is
/// not there. After open: UDP has no peer that ends the session, and a listener is ended only by
/// us, so any close from the proxy's side is a failure. The engine tells which.
pub fn on_close(t: &T, code: u16, reason: String) {
    report_sent(t);
    finish(t);
    let up = t.borrow().up;
    reach(t).ws_closed(code, &reason, up);
}
