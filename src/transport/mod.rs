//! The browser host: performs the engine's actions over WebSockets to a TCP-over-WebSocket proxy
//! (kvsocket-proxy, or websockify in its one-target mode) and feeds back what happens
//! (docs/spec.md, Hosts). Like the Node host it decides nothing; what differs is only what a browser
//! cannot do: it cannot pause a WebSocket (pause/resume are no-ops, so input keeps buffering), it
//! never resolves names (the engine is told to send them to the proxy as they are), and it can
//! listen and use UDP only through kvsocket-proxy's reverse tunnel and datagram mode.

pub(crate) mod js;
mod listen;
mod session;
mod tunnel;
mod udp;
mod url;
mod wisp;

use wasm_bindgen::prelude::*;

use crate::engine::text::quoted;
use js::get;
use url::is_kvsocket_proxy;
pub use url::proxy_url;
pub use wisp::{is_wisp_url, wisp_refusal, WispClient};

/// What this host cannot do: resolve names itself, or listen / use UDP through a proxy other
/// than kvsocket-proxy (the JS adapter refuses those before the engine starts them).
const UNSUPPORTED: &str = "UnsupportedSocketOperation";

/// Whether a proxy URL template is kvsocket-proxy's form (placeholders), which can also listen
/// and carry UDP; for the browser entry's `refuse`, so that the rule has one place.
#[wasm_bindgen(js_name = isKvsocketProxy)]
pub fn is_kvsocket_proxy_template(template: &str) -> bool {
    is_kvsocket_proxy(template)
}

/// `host.perform(action, link)` for the JS facade, in Rust over `web_sys::WebSocket`.
#[wasm_bindgen]
#[derive(Default)]
pub struct BrowserHost {}

#[wasm_bindgen]
impl BrowserHost {
    #[wasm_bindgen(constructor)]
    pub fn new() -> BrowserHost {
        BrowserHost {}
    }

    /// Performs one engine action (`{type, id, …}`) for the socket behind `link`.
    pub fn perform(&self, action: &JsValue, link: &JsValue) -> Result<(), JsValue> {
        let kind = get(action, "type").as_string().unwrap_or_default();
        if !matches!(kind.as_str(), "connect" | "listen" | "resolve") {
            // An action on a connection: its transport, so the proxy URL is not read for
            // every send.
            let link: &js::Link = link.unchecked_ref();
            let t = Some(link.transport(&get(action, "id"))).filter(JsValue::is_object);
            return on_transport(&kind, action, t);
        }
        // Wisp URLs are the JS entries' (js/wisp/ performs their sockets' actions before this
        // host sees them); the Rust async stream (src/stream.rs) takes tunnel URLs only.
        if tunnel::template(link).is_some_and(|t| is_wisp_url(&t)) {
            return fail_at_once(action, link, "connectFailed");
        }
        let udp = get(action, "protocol").as_string().as_deref() == Some("udp");
        // Listening and UDP need kvsocket-proxy's own modes; the URL is derived from its template.
        let special = (kind == "listen" || (kind == "connect" && udp))
            .then(|| tunnel::template(link).filter(|t| is_kvsocket_proxy(t)));
        let template = match special {
            Some(None) => {
                let input = if kind == "listen" {
                    "listenFailed"
                } else {
                    "connectFailed"
                };
                return fail_at_once(action, link, input);
            }
            Some(Some(template)) => template,
            None => String::new(),
        };
        match kind.as_str() {
            "connect" if udp => udp::connect(action, link, &template),
            "connect" => tunnel::open(action, link),
            "listen" if udp => udp::bind(action, link, &template),
            "listen" => listen::open(action, link, &template),
            // Only with an engine not told that the proxy resolves names.
            _ => fail_at_once(action, link, "connectFailed"),
        }
    }
}

/// An action on an open connection (`t`: its transport, `None` once it is gone).
fn on_transport(kind: &str, action: &JsValue, t: Option<JsValue>) -> Result<(), JsValue> {
    match kind {
        "send" => t.map_or(Ok(()), |t| {
            if js::tr(&t).udp() {
                udp::send(&t, action)
            } else {
                tunnel::send_stream(&t, &get(action, "data"))
            }
        }),
        "shutdown" => t.map_or(Ok(()), |t| tunnel::shutdown(&t)),
        "endOutput" => t.map_or(Ok(()), |t| tunnel::end_output(&t)),
        // The tunnel's protocol carries no TCP options: the proxy's socket keeps its own.
        "configure" => Ok(()),
        "abort" => {
            t.inspect(tunnel::abort);
            Ok(())
        }
        // A WebSocket cannot be paused: received bytes keep buffering (docs/spec.md, Backpressure).
        "pause" | "resume" => Ok(()),
        other => Err(JsValue::from_str(
            &("kvsocket: unknown engine action ".to_string() + &quoted(other)),
        )),
    }
}

/// Answers an action this host cannot perform with a failure input for it.
fn fail_at_once(action: &JsValue, link: &JsValue, input: &str) -> Result<(), JsValue> {
    let args = [input.into(), get(action, "id"), UNSUPPORTED.into()];
    js::call(link, "feed", &args).map(drop)
}
