//! Performs the engine's actions for sockets over Wisp (`proxy: 'wisp+ws://host:port/path/'`),
//! in browsers and Node alike: every socket with the same Wisp URL is one stream on one shared
//! WebSocket (session.rs). The protocol's rules are the client's (src/wisp/), a socket's are its
//! engine's; what a Wisp socket cannot do is answered here, in Rust, with the engine's error
//! name.

use js_sys::{Function, Object};
use wasm_bindgen::prelude::*;

use super::out::Chunk;
use super::session::{self, S};
use super::socket::later;
use crate::engine::ErrorCode;
use crate::transport::link::{template_of, Action, Handle, Link};

/// The action types a Wisp socket's engine emits.
#[derive(Clone, Copy)]
enum Kind {
    Send,
    Connect,
    Shutdown,
    Abort,
    Pause,
    Resume,
    EndOutput,
    Configure,
    Listen,
    Resolve,
}

/// Their names, in the order they are looked for (`send` is most of them).
const KINDS: [(&str, Kind); 10] = [
    ("send", Kind::Send),
    ("connect", Kind::Connect),
    ("shutdown", Kind::Shutdown),
    ("abort", Kind::Abort),
    ("pause", Kind::Pause),
    ("resume", Kind::Resume),
    ("endOutput", Kind::EndOutput),
    ("configure", Kind::Configure),
    ("listen", Kind::Listen),
    ("resolve", Kind::Resolve),
];

thread_local! {
    /// The type names as JS strings: an action's type is compared in JS (`===`), not copied
    /// into wasm.
    static NAMES: Vec<JsValue> = KINDS.iter().map(|(name, _)| JsValue::from_str(name)).collect();
}

/// Performs one engine action (`{type, id, …}`) for the Wisp socket behind `link` (js/link.js).
/// `open(url, protocol)` makes the session's WebSocket (Node's `ws`, js/node/wisp.js); without
/// it, the browser's own.
#[wasm_bindgen(js_name = wispPerform)]
pub fn perform(action: &Action, link: &Link, open: Option<Function>) -> Result<(), JsValue> {
    let name = action.kind();
    let Some(at) = NAMES.with(|names| names.iter().position(|n| *n == name)) else {
        let name = name.as_string().unwrap_or_default();
        let message = ["kvsocket: unknown engine action \"", &name, "\""].concat();
        return Err(js_sys::Error::new(&message).into());
    };
    let kind = KINDS[at].1;
    let id = action.id();
    match kind {
        Kind::Connect => {
            connect(action, link, open.as_ref());
            return Ok(());
        }
        Kind::Listen | Kind::Resolve => {
            // An engine not told that the server resolves names would ask to resolve; Wisp
            // has no listening streams (the entries refuse these first: `wispRefusal`).
            // Answered a turn later.
            let link = link.clone();
            later(0, move || {
                link.failed(id, ErrorCode::UnsupportedSocketOperation.name())
            });
            return Ok(());
        }
        // Wisp has no half-close (its CLOSE ends both ways) and no TCP options: the output
        // stays open after end() until close() (docs/promises-and-streams.md).
        Kind::EndOutput | Kind::Configure => return Ok(()),
        _ => {}
    }
    // None: the stream ended (its socket is told, or will be).
    let Some((s, stream)) = stream_of(link, id) else {
        return Ok(());
    };
    match kind {
        Kind::Send => {
            let lent = action.lent() == Some(true);
            session::send(&s, stream, Chunk::written(action.data(), lent), lent);
        }
        Kind::Shutdown => session::close(&s, stream),
        Kind::Abort => session::abort(&s, stream),
        // Told to a server that took the receive-pause extension; elsewhere the bytes keep
        // coming (docs/wisp.md).
        Kind::Pause => session::pause_reading(&s, stream, true),
        _ => session::pause_reading(&s, stream, false),
    }
    Ok(())
}

/// The session and stream of transport `id` of `link`, while the stream lives.
fn stream_of(link: &Link, id: u32) -> Option<(S, u32)> {
    let t = link.get(id);
    if !t.is_object() {
        return None;
    }
    let t: &Handle = t.unchecked_ref();
    Some((session::by_id(t.wisp()?)?, t.stream()))
}

fn connect(action: &Action, link: &Link, open: Option<&Function>) {
    let key = template_of(link).unwrap_or_default();
    let udp = action.protocol().as_deref() == Some("udp");
    let ip = action.ip();
    let host = ip.clone().or_else(|| action.host()).unwrap_or_default();
    // The page never learns which address the server used for a name.
    let remote = ip.unwrap_or_else(|| "0.0.0.0".into());
    let s = session::for_url(&key, open);
    let handle: Handle = Object::new().unchecked_into();
    handle.set_wisp(session::id_of(&s));
    link.open(action.id(), &handle);
    let stream = session::open_stream(&s, handle.clone(), udp, &host, action.port(), remote);
    handle.set_stream(stream);
}
