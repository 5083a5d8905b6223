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
use js::{flag, get};
use url::is_kvsocket_proxy;
pub use url::proxy_url;
pub use wisp::{is_wisp_url, wisp_refusal, WispHost};

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
        // Sockets of a Wisp server share its WebSocket (wisp/).
        if tunnel::template(link).is_some_and(|t| is_wisp_url(&t)) {
            return WispHost::global().perform(action, link);
        }
        let kind = get(action, "type").as_string().unwrap_or_default();
        let transport = || {
            let t = js::call(link, "get", &[get(action, "id")]).unwrap_or(JsValue::UNDEFINED);
            Some(t).filter(|t| t.is_object())
        };
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
            "send" => transport().map_or(Ok(()), |t| {
                if flag(&t, "udp") {
                    udp::send(&t, action)
                } else {
                    tunnel::send_stream(&t, &get(action, "data"))
                }
            }),
            "shutdown" => transport().map_or(Ok(()), |t| tunnel::shutdown(&t)),
            "endOutput" => transport().map_or(Ok(()), |t| tunnel::end_output(&t)),
            // The tunnel's protocol carries no TCP options: the proxy's socket keeps its own.
            "configure" => Ok(()),
            "abort" => {
                transport().inspect(tunnel::abort);
                Ok(())
            }
            // A WebSocket cannot be paused: received bytes keep buffering (docs/spec.md, Backpressure).
            "pause" | "resume" => Ok(()),
            // Only with an engine not told that the proxy resolves names.
            "resolve" => fail_at_once(action, link, "connectFailed"),
            other => Err(JsValue::from_str(
                &("kvsocket: unknown engine action ".to_string() + &quoted(other)),
            )),
        }
    }
}

/// Answers an action this host cannot perform with a failure input for it.
fn fail_at_once(action: &JsValue, link: &JsValue, input: &str) -> Result<(), JsValue> {
    let args = [input.into(), get(action, "id"), UNSUPPORTED.into()];
    js::call(link, "feed", &args).map(drop)
}
