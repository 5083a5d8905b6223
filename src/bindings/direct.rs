//! The Direct Sockets constructors' arguments read into Rust (src/engine/direct.rs), off the hot
//! path (once per constructor): `directCheck(kind, options, address, port)` throws the
//! TypeError a wrong argument gets — options that are not an object, an option kvsocket does not
//! know, a value of the wrong type (serde's), or a value the constructor's rules refuse — and
//! otherwise returns TCPServerSocket's backlog (0 for the others); js/direct/ then reads the
//! values it was given.

use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;

use super::options::{describe, refused, serde_message};
use crate::engine::direct::DirectOptions;
use crate::engine::text::quoted;

/// `kind`: "TCPSocket" (`address`, `port`: the remote ones), "UDPSocket" (no positional
/// arguments: they are options there), "TCPServerSocket" (`address`: the local one) or
/// "connect" (connect()'s options; its address is parsed by js/connect.js).
#[wasm_bindgen(js_name = directCheck)]
pub fn direct_check(
    kind: &str,
    options: &JsValue,
    address: &JsValue,
    port: &JsValue,
) -> Result<u32, JsValue> {
    let given = |name: &str| {
        options.is_object()
            && !Reflect::get(options, &JsValue::from_str(name))
                .unwrap_or(JsValue::UNDEFINED)
                .is_undefined()
    };
    let field = |name: &str| Reflect::get(options, &JsValue::from_str(name)).ok();
    let rule = |problem: String| refused(&[kind, ": ", &problem]);
    match kind {
        "TCPSocket" => {
            check_address(kind, "remoteAddress", address)?;
            check_port(kind, "remotePort", port)?;
            let o = read(kind, options, &DirectOptions::TCP_NAMES)?;
            o.check_tcp().map_err(rule).map(|()| 0)
        }
        "UDPSocket" => {
            if options.is_undefined() || options.is_null() {
                return Err(rule(
                    "give either remoteAddress and remotePort (connected mode) or \
                     localAddress (bound mode)"
                        .into(),
                ));
            }
            let o = read(kind, options, &DirectOptions::UDP_NAMES)?;
            // The addresses' and ports' own words (a wrong type there is a wrong argument).
            for (name, is_port) in [
                ("remoteAddress", false),
                ("remotePort", true),
                ("localAddress", false),
                ("localPort", true),
            ] {
                if let Some(value) = field(name).filter(|v| !v.is_undefined()) {
                    if is_port {
                        check_port(kind, name, &value)?;
                    } else {
                        check_address(kind, name, &value)?;
                    }
                }
            }
            o.check_udp(given).map_err(rule).map(|()| 0)
        }
        "TCPServerSocket" => {
            check_address(kind, "localAddress", address)?;
            if let Some(value) = field("localPort").filter(|v| !v.is_undefined()) {
                check_port(kind, "localPort", &value)?;
            }
            let o = read(kind, options, &DirectOptions::SERVER_NAMES)?;
            let zero = field("localPort").and_then(|v| v.as_f64()) == Some(0.0);
            o.check_server(zero).map_err(rule)
        }
        "connect" => {
            let o = read("connect()", options, &DirectOptions::CONNECT_NAMES)?;
            let tls = field("tls").filter(|v| !v.is_undefined());
            if let Some(tls) = tls.as_ref().filter(|v| !v.is_object()) {
                return Err(refused(&[
                    "connect(): tls must be an object, got ",
                    &describe(tls),
                ]));
            }
            o.check_connect(tls.is_some())
                .map_err(|problem| refused(&["connect(): ", &problem]))
                .map(|()| 0)
        }
        _ => Err(refused(&[
            "directCheck: unknown constructor ",
            &quoted(kind),
        ])),
    }
}

/// The options object read into `T`: `undefined`/`null` are no options.
fn read(kind: &str, value: &JsValue, names: &[&str]) -> Result<DirectOptions, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(DirectOptions::default());
    }
    if !value.is_object() || value.is_function() || js_sys::Array::is_array(value) {
        return Err(refused(&[
            kind,
            ": options must be an object, got ",
            &describe(value),
        ]));
    }
    for key in Object::keys(value.unchecked_ref::<Object>()).iter() {
        let key = key.as_string().unwrap_or_default();
        if !names.contains(&key.as_str()) {
            return Err(refused(&[
                kind,
                ": unknown option ",
                &quoted(&key),
                "; the options are ",
                &names.join(", "),
            ]));
        }
    }
    serde_wasm_bindgen::from_value(value.clone())
        .map_err(|e| refused(&[kind, ": option ", &serde_message(e)]))
}

/// An address argument must be a string (an IP literal or a host name: whether it is a valid
/// one is the Socket's rule, and a bad one rejects `opened`).
fn check_address(kind: &str, name: &str, value: &JsValue) -> Result<(), JsValue> {
    match value.is_string() {
        true => Ok(()),
        false => Err(refused(&[
            kind,
            ": ",
            name,
            " must be a string, got ",
            &describe(value),
        ])),
    }
}

/// A port argument must be a number or a string (its range is the Socket's rule: a port out of
/// range rejects `opened`).
fn check_port(kind: &str, name: &str, value: &JsValue) -> Result<(), JsValue> {
    match value.is_string() || value.as_f64().is_some() {
        true => Ok(()),
        false => Err(refused(&[
            kind,
            ": ",
            name,
            " must be a number, got ",
            &describe(value),
        ])),
    }
}
