//! The bindings in wasm (`wasm-pack test --node -- --test wasm_node`): JS values in, plain
//! objects out, bytes across the boundary unchanged, errors as thrown TypeErrors.
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Reflect, Uint8Array};
use kvsocket::bindings::{hex_to_bytes, Engine};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(key)).expect("a plain object")
}

fn text(obj: &JsValue, key: &str) -> String {
    get(obj, key).as_string().unwrap_or_default()
}

fn num(obj: &JsValue, key: &str) -> f64 {
    get(obj, key).as_f64().unwrap_or(f64::NAN)
}

fn events(engine: &mut Engine) -> Vec<String> {
    std::iter::from_fn(|| Some(engine.poll_event()).filter(|e| !e.is_undefined()))
        .map(|e| text(&e, "type"))
        .collect()
}

/// A connected engine and the id of its connection.
fn connected() -> (Engine, u32) {
    let mut e = Engine::new();
    assert!(e.connect("127.0.0.1".into(), JsValue::from_f64(6667.0), 0.0));
    let action = e.poll_action();
    assert_eq!(text(&action, "type"), "connect");
    assert_eq!(text(&action, "ip"), "127.0.0.1");
    assert_eq!(num(&action, "port"), 6667.0);
    let id = num(&action, "id") as u32;
    e.connected(id, "127.0.0.1", 50000, "127.0.0.1", 6667)
        .unwrap();
    (e, id)
}

#[wasm_bindgen_test]
fn connect_by_name_asks_the_host_to_resolve() {
    let mut e = Engine::new();
    assert!(e.connect("localhost".into(), "80".into(), 0.0));
    let action = e.poll_action();
    assert_eq!(text(&action, "type"), "resolve");
    assert_eq!(text(&action, "host"), "localhost");
    assert_eq!(e.status_name(), "HostLookUp");
    assert_eq!(e.poll_timeout(), 60_000.0);
    let id = num(&action, "id") as u32;
    let addrs = Array::of2(&"::1".into(), &"127.0.0.1".into());
    e.resolved(id, addrs);
    let next = e.poll_action();
    assert_eq!(text(&next, "type"), "connect");
    assert_eq!(text(&next, "ip"), "::1");
    assert_eq!(
        events(&mut e),
        ["stateChanged", "hostFound", "stateChanged"]
    );
}

#[wasm_bindgen_test]
fn bad_arguments_return_false_with_a_reason() {
    let mut e = Engine::new();
    assert!(!e.connect(JsValue::NULL, JsValue::from_f64(80.0), 0.0));
    assert!(e.last_error().contains("host"));
    assert!(!e.connect("127.0.0.1".into(), JsValue::from_f64(70000.0), 0.0));
    assert!(e.last_error().contains("port"));
    assert!(!e.connect("127.0.0.1".into(), JsValue::NULL, 0.0));
    assert!(!e.listen(JsValue::from_f64(80.0), JsValue::from_f64(1.0), false));
    assert!(e.poll_action().is_undefined(), "nothing started");
    let err = e.set_connect_timeout(JsValue::from_f64(-5.0)).unwrap_err();
    assert!(err.is_instance_of::<js_sys::TypeError>());
    let err = hex_to_bytes("abc").unwrap_err();
    assert!(err.is_instance_of::<js_sys::TypeError>());
    assert_eq!(hex_to_bytes("00ff").unwrap(), vec![0, 255]);
}

#[wasm_bindgen_test]
fn bytes_cross_unchanged_both_ways() {
    let (mut e, id) = connected();
    let all: Vec<u8> = (0..=255).collect();
    assert_eq!(e.write(all.clone()), 256);
    let send = e.poll_action();
    assert_eq!(text(&send, "type"), "send");
    let data: Uint8Array = get(&send, "data").dyn_into().unwrap();
    assert_eq!(data.to_vec(), all);
    assert_eq!(e.buffered_amount(), 256.0);
    e.sent(id, 256.0);
    assert_eq!(e.buffered_amount(), 0.0);

    e.received(id, all.clone(), None, None).unwrap();
    assert_eq!(e.bytes_available(), 256.0);
    assert_eq!(e.read_bytes(JsValue::from_f64(2.0)), vec![0, 1]);
    assert_eq!(e.read_hex(JsValue::from_f64(2.0)), "0203");
    e.received(id, b"a\0b".to_vec(), None, None).unwrap();
    let rest = e.read_bytes(JsValue::from_f64(252.0));
    assert_eq!(rest, (4..=255).collect::<Vec<u8>>());
    assert_eq!(e.read(JsValue::UNDEFINED), "a\u{ff}b");
}

#[wasm_bindgen_test]
fn events_are_plain_objects_with_spec_fields() {
    let (mut e, id) = connected();
    let first = e.poll_event();
    assert_eq!(text(&first, "type"), "stateChanged");
    assert_eq!(num(&first, "status"), 2.0);
    assert_eq!(text(&first, "name"), "Connecting");
    e.received(id, b"xyz".to_vec(), None, None).unwrap();
    e.failed(id, "ECONNRESET");
    let rest: Vec<JsValue> =
        std::iter::from_fn(|| Some(e.poll_event()).filter(|v| !v.is_undefined())).collect();
    let kinds: Vec<String> = rest.iter().map(|v| text(v, "type")).collect();
    assert_eq!(
        kinds,
        [
            "stateChanged",
            "connected",
            "dataAvailable",
            "error",
            "stateChanged",
            "disconnected"
        ]
    );
    assert_eq!(num(&rest[2], "length"), 3.0);
    assert_eq!(text(&rest[3], "code"), "RemoteHostClosed");
    assert_eq!(text(&rest[5], "error"), text(&rest[3], "message"));
    assert_eq!(
        e.read(JsValue::UNDEFINED),
        "xyz",
        "bytes stay readable after the end"
    );
}

#[wasm_bindgen_test]
fn incoming_connections_can_move_to_another_engine() {
    let mut listener = Engine::new();
    assert!(listener.listen(JsValue::from_f64(0.0), JsValue::UNDEFINED, false));
    let listen = listener.poll_action();
    assert_eq!(text(&listen, "type"), "listen");
    assert_eq!(text(&listen, "ip"), "0.0.0.0");
    let id = num(&listen, "id") as u32;
    listener.listening(id, "0.0.0.0", 4321).unwrap();
    assert_eq!(listener.local_port(), 4321);
    let mut child = listener
        .incoming(id, "127.0.0.1", 4321, "127.0.0.1", 55555)
        .unwrap()
        .expect("a connected engine");
    assert_eq!(child.status_name(), "Connected");
    assert_eq!(child.remote_port(), 55555);
    child
        .received(child.current_id(), b"early".to_vec(), None, None)
        .unwrap();

    let mut other = Engine::new();
    assert!(other.adopt(&mut child));
    assert_eq!(other.status_name(), "Connected");
    assert!(child.is_destroyed());
    assert_eq!(
        other.read(JsValue::UNDEFINED),
        "early",
        "data before accept is kept"
    );
    assert!(
        !Engine::new().adopt(&mut child),
        "a moved connection cannot move again"
    );
}
