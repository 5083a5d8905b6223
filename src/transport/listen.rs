//! `listen` (TCP) through kvsocket-proxy's reverse tunnel (docs/proxy-protocol.md): a control
//! WebSocket (`?listen=PORT&iface=IP`) on which the proxy reports its bind and announces each
//! incoming connection; the page takes one with a WebSocket of its own (`?claim=TOKEN`), which
//! then is a TCP tunnel like any other (tunnel.rs).

use wasm_bindgen::prelude::*;
use web_sys::WebSocket;

use super::js::{call, feed, get, number, set};
use super::session::{self, Message};
use super::tunnel;
use super::url::session_url;
use crate::engine::text::decimal;

/// Opens the control socket for a `listen` action (`ip`, `port`).
pub fn open(action: &JsValue, link: &JsValue, template: &str) -> Result<(), JsValue> {
    let port = decimal(number(action, "port") as u16 as u64);
    let iface = get(action, "ip").as_string().unwrap_or_default();
    let url = session_url(template, &[("listen", &port), ("iface", &iface)]);
    let t = tunnel::transport(link, &get(action, "id"))?;
    set(&t, "template", template);
    session::open(&t, Some(url), "listenFailed", on_message)
}

fn on_message(t: &JsValue, message: Message) -> Result<(), JsValue> {
    match message {
        Message::Control(kind, m) if kind == "listening" => {
            session::ready(t);
            feed(t, "listening", &[get(&m, "ip"), get(&m, "port")])
        }
        Message::Control(kind, m) if kind == "incoming" => incoming(t, &m),
        _ => Ok(()),
    }
}

/// An announced connection: the engine makes the Connected child socket (or says to drop it),
/// then the child's transport claims the connection.
fn incoming(t: &JsValue, m: &JsValue) -> Result<(), JsValue> {
    let token = get(m, "id").as_string().unwrap_or_default();
    let template = get(t, "template").as_string().unwrap_or_default();
    let url = session_url(&template, &[("claim", &token)]);
    let addresses = ["localIp", "localPort", "remoteIp", "remotePort"].map(|k| get(m, k));
    let mut args = vec![get(t, "id")];
    args.extend(addresses);
    let child = call(&get(t, "link"), "incoming", &args)?;
    if child.is_object() {
        return tunnel::claim(&url, &get(&child, "link"), &get(&child, "id"));
    }
    // Dropped (the listener is going away): claim it and close at once, rather than leave the
    // peer waiting for the proxy's claim timeout.
    if let Ok(ws) = WebSocket::new_with_str(&url, "binary") {
        let close = {
            let ws = ws.clone();
            Closure::once_into_js(move || {
                let _ = ws.close();
            })
        };
        ws.set_onopen(Some(close.unchecked_ref()));
    }
    Ok(())
}
