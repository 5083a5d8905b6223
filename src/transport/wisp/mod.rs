//! Sockets over Wisp (src/wisp/): every Socket whose proxy URL names the same Wisp server
//! (`wisp+ws://host:port/path/`, `wisp+wss://…`) shares one WebSocket, one stream each. This is
//! the host side, for browsers and Node alike: it opens the WebSocket (the browser's own, or the
//! constructor Node hands in; websocket.rs), carries the client's packets and turns its events
//! into each socket's engine inputs (session.rs). The protocol (handshake, credit, closes) is
//! the client's; the rules of a socket are its engine's.

mod session;
mod url;
mod websocket;

use js_sys::{Function, Uint8Array};
use wasm_bindgen::prelude::*;

use super::js::{call, get, number, set, set_timeout};
use super::tunnel::finish;
use crate::engine::text::quoted;
use crate::wisp::StreamType;
use session::{pump, schedule, session, Session};
pub use url::{is_wisp_url, wisp_refusal};
use websocket::{Factory, JsBytes};

/// Performs engine actions for sockets whose proxy URL is a Wisp URL.
#[wasm_bindgen]
pub struct WispHost {
    factory: Factory,
}

impl WispHost {
    /// The browser's: WebSockets from the global constructor.
    pub fn global() -> WispHost {
        WispHost {
            factory: Factory::Global,
        }
    }
}

#[wasm_bindgen]
impl WispHost {
    /// `openWebSocket(url, protocol)` returns a WebSocket (or an object with its members:
    /// `binaryType`, `send`, `close`, `onopen`, `onmessage`, `onclose`; binary messages as
    /// ArrayBuffers or Uint8Arrays); `sendData(ws, stream, payload)` sends the DATA packet of
    /// `payload` on `stream`; `whenRoom(ws, callback)` calls back once DATA in flight has left
    /// (js/node/wisp-data.js).
    #[wasm_bindgen(constructor)]
    pub fn new(open_web_socket: Function, send_data: Function, when_room: Function) -> WispHost {
        WispHost {
            factory: Factory::Function {
                open: open_web_socket,
                send_data,
                when_room,
            },
        }
    }

    /// Performs one engine action (`{type, id, …}`) for the socket behind `link`.
    pub fn perform(&self, action: &JsValue, link: &JsValue) -> Result<(), JsValue> {
        let kind = get(action, "type").as_string().unwrap_or_default();
        let transport = || {
            let t = call(link, "get", &[get(action, "id")]).unwrap_or(JsValue::UNDEFINED);
            let key = get(&t, "wisp").as_string()?;
            Some((t, session(&key)?))
        };
        match kind.as_str() {
            "connect" => self.connect(action, link),
            "send" => {
                if let Some((t, s)) = transport() {
                    let data: Uint8Array = get(action, "data").dyn_into()?;
                    let stream = number(&t, "stream") as u32;
                    s.client.borrow_mut().send(stream, JsBytes(data));
                    pump(&s);
                }
                Ok(())
            }
            "shutdown" => {
                if let Some((t, s)) = transport() {
                    s.client.borrow_mut().close(number(&t, "stream") as u32);
                    pump(&s);
                }
                Ok(())
            }
            "abort" => {
                if let Some((t, s)) = transport() {
                    let stream = number(&t, "stream") as u32;
                    s.streams.borrow_mut().remove(&stream);
                    s.client.borrow_mut().abort(stream);
                    finish(&t);
                    pump(&s);
                }
                Ok(())
            }
            // A WebSocket cannot be paused, and Wisp has no receive window (docs).
            "pause" | "resume" => Ok(()),
            // Wisp has no half-close (its CLOSE ends both ways) and no TCP options: the output
            // stays open after end() until close() (docs/promises-and-streams.md).
            "endOutput" | "configure" => Ok(()),
            // The entries refuse these first (`refuse`); an engine not told that the server
            // resolves names would ask to resolve.
            "listen" => fail_later(action, link, "listenFailed"),
            "resolve" => fail_later(action, link, "connectFailed"),
            other => Err(JsValue::from_str(
                &("kvsocket: unknown engine action ".to_string() + &quoted(other)),
            )),
        }
    }
}

impl WispHost {
    fn connect(&self, action: &JsValue, link: &JsValue) -> Result<(), JsValue> {
        let key = get(&get(link, "options"), "proxy")
            .as_string()
            .unwrap_or_default();
        let port = number(action, "port") as u16;
        let ip = get(action, "ip").as_string();
        let host = ip
            .clone()
            .or_else(|| get(action, "host").as_string())
            .unwrap_or_default();
        let udp = get(action, "protocol").as_string().as_deref() == Some("udp");
        let t: JsValue = js_sys::Object::new().into();
        call(link, "open", &[get(action, "id"), t.clone()])?;
        set(&t, "wisp", key.as_str());
        set(&t, "udp", udp);
        // The page never learns which address the server used for a name.
        set(&t, "remoteIp", ip.unwrap_or_else(|| "0.0.0.0".into()));
        set(&t, "remotePort", port);
        let s = match session(&key) {
            Some(s) => s,
            None => Session::open(&key, &self.factory),
        };
        let kind = if udp {
            StreamType::Udp
        } else {
            StreamType::Tcp
        };
        let stream = s.client.borrow_mut().open(kind, &host, port);
        set(&t, "stream", stream);
        s.streams.borrow_mut().insert(stream, t);
        // Never inside connect(): what the stream's opening says is told on a later turn.
        schedule(&s);
        Ok(())
    }
}

/// Answers an action Wisp cannot perform, a turn later.
fn fail_later(action: &JsValue, link: &JsValue, input: &str) -> Result<(), JsValue> {
    let args = [
        input.into(),
        get(action, "id"),
        "UnsupportedSocketOperation".into(),
    ];
    let link = link.clone();
    set_timeout(0, move || {
        let _ = call(&link, "feed", &args);
    });
    Ok(())
}
