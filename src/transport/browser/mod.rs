//! The browser transport (docs/browser-host.md), in Rust over web-sys: it performs the engine's
//! actions over WebSockets to a TCP-over-WebSocket proxy (kvsocket-proxy, or websockify in its
//! one-target mode) and feeds back what happens through the socket's link. Like the Node host
//! it decides nothing: status, buffering, high-water marks, decoding and event order are the
//! engine's. What differs is what a browser cannot do: pause a WebSocket (a TCP tunnel through
//! another proxy is a WebSocketStream where the browser has one, whose reading stops;
//! kvsocket-proxy is asked to stop reading the target instead), resolve names (the engine hands
//! them to the proxy), listen or use UDP except through kvsocket-proxy's reverse tunnel and
//! datagram mode.
//!
//! One call into wasm per WebSocket event: the four handlers are shared by every WebSocket and
//! find their transport by a key on it; received bytes go on to the link as the browser's own
//! ArrayBuffer (no copy).

mod owner;
mod session;
mod socket;
mod timer;
mod transport;
mod tunnel;
mod url;

use js_sys::Function;
use wasm_bindgen::prelude::*;
use web_sys::{CloseEvent, Event, MessageEvent};

pub use super::link::{Action, Link};
pub use owner::{Owner, RustOwner};
pub use timer::{now, set_timeout};
pub use url::{is_kvsocket_proxy, proxy_url};

use socket::{Handlers, Keyed};
use transport::{Kind, T, UNSUPPORTED};

thread_local! {
    static HANDLERS: Handlers = Handlers {
        open: handler(|t, _| match kind_of(&t) {
            Kind::Tunnel => tunnel::on_open(&t),
            _ => transport::opened(&t),
        }),
        message: handler(|t, e| {
            let data = e.unchecked_ref::<MessageEvent>().data();
            match kind_of(&t) {
                Kind::Tunnel => tunnel::on_message(&t, data),
                _ => session::on_message(&t, data),
            }
        }),
        // A session's close that follows an error says all there is to say.
        error: handler(|t, _| {
            if kind_of(&t) == Kind::Tunnel {
                tunnel::on_error(&t);
            }
        }),
        close: handler(|t, e| {
            let e = e.unchecked_ref::<CloseEvent>();
            let (code, reason) = (e.code(), e.reason());
            match kind_of(&t) {
                Kind::Tunnel => tunnel::on_close(&t, code, reason),
                _ => session::on_close(&t, code, reason),
            }
        }),
    };
}

/// (Read into a value first: a `match` on the borrow would hold it through the arms.)
fn kind_of(t: &T) -> Kind {
    t.borrow().kind
}

/// A handler shared by every WebSocket: `f` with the live transport the event's WebSocket is
/// for (none once it finished: its handlers are released then, this is the second line).
fn handler(f: fn(T, &JsValue)) -> Function {
    Closure::<dyn Fn(JsValue)>::new(move |e: JsValue| {
        let key = e
            .unchecked_ref::<Event>()
            .target()
            .and_then(|target| target.unchecked_into::<Keyed>().key());
        if let Some(t) = key.and_then(transport::live) {
            f(t, &e);
        }
    })
    .into_js_value()
    .unchecked_into()
}

/// Starts a `connect` or `listen`. Listening and UDP need kvsocket-proxy's own modes (a
/// template with placeholders); the entry's `refuse` turns the others down first, this is the
/// second line (and the only one for the Rust stream).
fn start(action: &Action, owner: &Owner, listen: bool) {
    let udp = action.protocol().as_deref() == Some("udp");
    if !listen && !udp {
        return tunnel::open_tunnel(action, owner);
    }
    let Some(template) = owner.template().filter(|t| is_kvsocket_proxy(t)) else {
        return owner.reach(action.id()).failed(UNSUPPORTED);
    };
    match (listen, udp) {
        (false, _) => session::connect_udp(action, owner, &template),
        (true, true) => session::bind_udp(action, owner, &template),
        (true, false) => session::open_listener(action, owner, template),
    }
}

/// Performs one engine action (`{type, id, …}`, as the facade's batch reader makes it) for the
/// socket behind `link` (js/link.js).
#[wasm_bindgen(js_name = browserPerform)]
pub fn perform(action: &Action, link: &Link) -> Result<(), JsValue> {
    perform_for(action, &Owner::Js(link.clone()))
}

/// Performs one engine action for `owner`'s engine (a socket's link, or the Rust stream).
pub fn perform_for(action: &Action, owner: &Owner) -> Result<(), JsValue> {
    let kind = action.kind_name();
    let t = match kind.as_str() {
        "connect" | "listen" => {
            start(action, owner, kind == "listen");
            return Ok(());
        }
        // Only with an engine not told that the proxy resolves names.
        "resolve" => {
            owner.reach(action.id()).failed(UNSUPPORTED);
            return Ok(());
        }
        // The tunnel's protocol carries no TCP options: the proxy's socket keeps its own.
        "configure" => return Ok(()),
        "send" | "shutdown" | "endOutput" | "abort" | "pause" | "resume" => {
            // None: the transport finished (its socket is told, or will be).
            match owner.get(action.id()) {
                Some(t) => t,
                None => return Ok(()),
            }
        }
        _ => return Err(unknown(&kind)),
    };
    match kind.as_str() {
        "send" => match kind_of(&t) {
            Kind::UdpConnected | Kind::UdpBound => session::send_datagram(&t, action),
            _ => transport::send_stream(&t, &action.data()),
        },
        "shutdown" => transport::shutdown(&t),
        "endOutput" => transport::end_output(&t),
        "abort" => transport::abort(&t),
        "pause" => transport::pause_reading(&t, true),
        _ => transport::pause_reading(&t, false),
    }
    Ok(())
}

fn unknown(kind: &str) -> JsValue {
    js_sys::Error::new(&format!("kvsocket: unknown engine action \"{kind}\"")).into()
}

/// How often a WebSocket's `bufferedAmount` is looked at again while bytes wait in it (a Wisp
/// session's room wait, src/transport/wisp/session.rs): the tunnels' interval, in one place.
pub fn poll_ms() -> i32 {
    transport::POLL_MS
}

/// A field of a parsed control message or plain object.
fn field(obj: &JsValue, name: &str) -> JsValue {
    js_sys::Reflect::get(obj, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}
