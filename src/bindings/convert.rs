//! JS <-> engine value conversions for the bindings.

use std::net::SocketAddr;

use js_sys::{Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

use crate::engine::address::parse_host_ip;
use crate::engine::recv::length_text;
use crate::engine::text::{ip_text, quoted};
use crate::engine::tls_options::TlsHandshake;
use crate::engine::{Action, Event, PortArg};

/// A `startTls` action's options, `{ servername, ca, rejectUnauthorized, alpn }`, for the host's
/// TLS layer (serde-wasm-bindgen: one per handshake, off the hot path). Strings, arrays of
/// strings and a bool always convert; undefined if they ever did not.
pub fn tls_to_js(tls: &TlsHandshake) -> JsValue {
    serde_wasm_bindgen::to_value(tls).unwrap_or(JsValue::UNDEFINED)
}

/// A script's port argument: numbers and strings as they are; `undefined` takes `default`.
pub fn port_arg(value: &JsValue, default: Option<u16>) -> PortArg {
    if let Some(n) = value.as_f64() {
        PortArg::Number(n)
    } else if let Some(s) = value.as_string() {
        PortArg::Text(s)
    } else if value.is_undefined() {
        default.map_or(PortArg::Other, PortArg::from)
    } else {
        PortArg::Other
    }
}

/// A read length as a script passes it: a number, or a string of decimal digits (as ports are
/// accepted); anything else is "not a number" (read everything).
pub fn length_value(value: &JsValue) -> Option<f64> {
    value.as_f64().or_else(|| length_text(&value.as_string()?))
}

pub fn parse_addr(ip: &str, port: u16) -> Result<SocketAddr, JsError> {
    parse_host_ip(ip)
        .map(|ip| SocketAddr::new(ip, port))
        .ok_or_else(|| JsError::new(&("host reported a bad address ".to_string() + &quoted(ip))))
}

pub fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let obj = Object::new();
    for (key, value) in fields {
        // Setting a property on a fresh plain object cannot fail.
        let _ = Reflect::set(&obj, &JsValue::from_str(key), value);
    }
    obj.into()
}

fn s(text: &str) -> JsValue {
    JsValue::from_str(text)
}

fn n(value: impl Into<f64>) -> JsValue {
    JsValue::from_f64(value.into())
}

pub fn action_to_js(action: Action) -> JsValue {
    let id = n(action.id());
    match action {
        Action::Resolve { host, .. } => {
            object(&[("type", s("resolve")), ("id", id), ("host", s(&host))])
        }
        Action::Connect { addr, protocol, .. } => object(&[
            ("type", s("connect")),
            ("id", id),
            ("ip", s(&ip_text(&addr.ip()))),
            ("port", n(addr.port())),
            ("protocol", s(protocol.name())),
        ]),
        // The same `connect` action, with the name instead of an address (no `ip`).
        Action::ConnectName {
            host,
            port,
            protocol,
            ..
        } => object(&[
            ("type", s("connect")),
            ("id", id),
            ("host", s(&host)),
            ("port", n(port)),
            ("protocol", s(protocol.name())),
        ]),
        Action::Send { data, to, .. } => {
            let bytes = Uint8Array::from(data.as_slice());
            let mut fields = vec![("type", s("send")), ("id", id), ("data", bytes.into())];
            if let Some(to) = to {
                fields.push(("ip", s(&ip_text(&to.ip()))));
                fields.push(("port", n(to.port())));
            }
            object(&fields)
        }
        Action::SendHeld { data, .. } => object(&[
            ("type", s("send")),
            ("id", id),
            (
                "data",
                super::shelf::value_of(&data)
                    .cloned()
                    .unwrap_or(JsValue::UNDEFINED),
            ),
        ]),
        Action::Shutdown { .. } => object(&[("type", s("shutdown")), ("id", id)]),
        Action::EndOutput { .. } => object(&[("type", s("endOutput")), ("id", id)]),
        // keepAlive: -1 for off, else the delay in ms (0: the system's).
        Action::Configure {
            no_delay,
            keep_alive,
            ..
        } => object(&[
            ("type", s("configure")),
            ("id", id),
            ("noDelay", JsValue::from_bool(no_delay)),
            ("keepAlive", n(keep_alive.map_or(-1.0, |ms| ms as f64))),
        ]),
        Action::Abort { .. } => object(&[("type", s("abort")), ("id", id)]),
        Action::PauseReading { .. } => object(&[("type", s("pause")), ("id", id)]),
        Action::ResumeReading { .. } => object(&[("type", s("resume")), ("id", id)]),
        Action::StartTls { tls, .. } => object(&[
            ("type", s("startTls")),
            ("id", id),
            ("tls", tls_to_js(&tls)),
        ]),
        Action::Listen {
            addr,
            ipv6_only,
            protocol,
            ..
        } => object(&[
            ("type", s("listen")),
            ("id", id),
            ("ip", s(&ip_text(&addr.ip()))),
            ("port", n(addr.port())),
            ("ipv6Only", JsValue::from_bool(ipv6_only)),
            ("protocol", s(protocol.name())),
        ]),
    }
}

pub fn event_to_js(event: Event) -> JsValue {
    match event {
        Event::StateChanged(status) => object(&[
            ("type", s("stateChanged")),
            ("status", n(status.number())),
            ("name", s(status.name())),
        ]),
        Event::HostFound => object(&[("type", s("hostFound"))]),
        Event::Connected => object(&[("type", s("connected"))]),
        Event::ConnectFailed { code, reason } => object(&[
            ("type", s("connectFailed")),
            ("code", s(code.name())),
            ("reason", s(&reason)),
        ]),
        Event::Error {
            code,
            message,
            fatal,
        } => object(&[
            ("type", s("error")),
            ("code", s(code.name())),
            ("message", s(&message)),
            ("fatal", JsValue::from_bool(fatal)),
        ]),
        Event::DataAvailable(length) => {
            object(&[("type", s("dataAvailable")), ("length", n(length as f64))])
        }
        Event::Disconnected(error) => object(&[("type", s("disconnected")), ("error", s(&error))]),
        Event::IncomingConnection => object(&[("type", s("incomingConnection"))]),
        Event::Drain => object(&[("type", s("drain"))]),
        Event::Idle => object(&[("type", s("idle"))]),
        Event::Secure => object(&[("type", s("secure"))]),
        Event::Listening { local } => object(&[
            ("type", s("listening")),
            ("ip", s(&ip_text(&local.ip()))),
            ("port", n(local.port())),
        ]),
    }
}
