//! UDP through kvsocket-proxy's datagram mode (docs/proxy-protocol.md): one binary WebSocket
//! message is one datagram. Connect mode (`?udp=1&host=&port=`) talks to one peer; bound mode
//! (`?udp=1&listen=&iface=`) names each datagram's sender in a `from` message before it, and
//! sends to the destination named by the last `to` message the page sent.

use wasm_bindgen::prelude::*;

use super::js::{feed, flag, get, number, set};
use super::session::{self, Message};
use super::tunnel;
use super::url::session_url;
use crate::engine::text::decimal;

/// A `connect` action with protocol udp (`ip`, or `host` for a name the proxy resolves).
pub fn connect(action: &JsValue, link: &JsValue, template: &str) -> Result<(), JsValue> {
    let port = decimal(number(action, "port") as u16 as u64);
    let host = get(action, "ip").as_string();
    let host = host.or_else(|| get(action, "host").as_string());
    let url = host.map(|h| session_url(template, &[("udp", "1"), ("host", &h), ("port", &port)]));
    let t = tunnel::transport(link, &get(action, "id"))?;
    set(&t, "udp", true);
    session::open(&t, url, "connectFailed", |t, message| match message {
        Message::Control(kind, m) if kind == "connected" => {
            session::ready(t);
            let remote = [get(&m, "remoteIp"), get(&m, "remotePort")];
            set(t, "remoteIp", remote[0].clone());
            set(t, "remotePort", remote[1].clone());
            let [ip, port] = remote;
            feed(
                t,
                "connected",
                &[get(&m, "localIp"), get(&m, "localPort"), ip, port],
            )
        }
        Message::Data(bytes) if flag(t, "ready") => {
            let from = [get(t, "remoteIp"), get(t, "remotePort")];
            feed(
                t,
                "received",
                &[bytes.into(), from[0].clone(), from[1].clone()],
            )
        }
        _ => Ok(()),
    })
}

/// A `listen` action with protocol udp (`ip`, `port`).
pub fn bind(action: &JsValue, link: &JsValue, template: &str) -> Result<(), JsValue> {
    let port = decimal(number(action, "port") as u16 as u64);
    let iface = get(action, "ip").as_string().unwrap_or_default();
    let url = session_url(
        template,
        &[("udp", "1"), ("listen", &port), ("iface", &iface)],
    );
    let t = tunnel::transport(link, &get(action, "id"))?;
    set(&t, "udp", true);
    set(&t, "bound", true);
    session::open(&t, Some(url), "listenFailed", |t, message| match message {
        Message::Control(kind, m) if kind == "listening" => {
            session::ready(t);
            feed(t, "listening", &[get(&m, "ip"), get(&m, "port")])
        }
        // The sender of the datagram that comes next.
        Message::Control(kind, m) if kind == "from" => {
            set(t, "fromIp", get(&m, "ip"));
            set(t, "fromPort", get(&m, "port"));
            Ok(())
        }
        Message::Data(bytes) => {
            let from = [get(t, "fromIp"), get(t, "fromPort")];
            feed(
                t,
                "received",
                &[bytes.into(), from[0].clone(), from[1].clone()],
            )
        }
        _ => Ok(()),
    })
}

/// A `send` action: one datagram. A bound socket's carries its destination (`ip`, `port`),
/// which the proxy is told with a `to` message when it differs from the last one.
pub fn send(t: &JsValue, action: &JsValue) -> Result<(), JsValue> {
    if let (true, Some(ip)) = (flag(t, "bound"), get(action, "ip").as_string()) {
        // As an integer: formatting the f64 would bring the float formatter into the module.
        let port = number(action, "port") as u16;
        // `ip` is an address the engine printed: nothing in it needs escaping in JSON.
        let to = [
            r#"{"type":"to","host":""#,
            &ip,
            r#"","port":"#,
            &decimal(port.into()),
            "}",
        ]
        .concat();
        if get(t, "to").as_string().as_deref() != Some(to.as_str()) {
            tunnel::send_frame(t, &JsValue::from_str(&to))?;
            set(t, "to", to);
        }
    }
    tunnel::send(t, &get(action, "data"))
}
