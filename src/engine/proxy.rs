//! What a browser socket's proxy URL (`options.proxy` or `Socket.defaultProxy`) lets it do, and
//! the text `lastError()` gives when it cannot: `connect()` / `listen()` then return false
//! (docs/spec.md, Hosts; docs/browser-host.md). A Wisp URL's own refusals are the Wisp client's
//! (src/transport/wisp/url.rs); the bindings ask that one first.

use super::text::find;

/// No proxy URL at all.
pub const NO_PROXY: &str = "no proxy URL configured: set options.proxy or Socket.defaultProxy";
/// A one-target proxy (websockify) asked to listen.
pub const NO_LISTEN: &str = "listen in a browser needs kvsocket-proxy's reverse tunnel: this \
    proxy URL has no {host}/{port} placeholders, so it is a one-target proxy (websockify), \
    which cannot listen";
/// A one-target proxy (websockify) asked for UDP.
pub const NO_UDP: &str = "UDP in a browser needs kvsocket-proxy's datagram mode: this proxy URL \
    has no {host}/{port} placeholders, so it is a one-target proxy (websockify), which carries \
    TCP only";

/// Whether a proxy URL template is kvsocket-proxy's form: with `{host}` or `{port}`
/// placeholders (its reverse tunnel and datagram mode live at the same address). One without is
/// websockify's one-target mode.
pub fn is_kvsocket_proxy(template: &str) -> bool {
    find(template, "{host}").is_some() || find(template, "{port}").is_some()
}

/// The scheme of a template a browser's `new WebSocket()` would throw for (anything but ws:,
/// wss:, http: and https:), as `scheme:` in lower case. A template without a scheme is a
/// relative URL, which the browser resolves against the page's own.
fn rejected_scheme(template: &str) -> Option<String> {
    let (scheme, _) = template.split_once(':')?;
    let mut chars = scheme.chars();
    let first = chars.next()?;
    let is_scheme = first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !is_scheme {
        return None;
    }
    let lower = scheme.to_ascii_lowercase();
    match lower.as_str() {
        "ws" | "wss" | "http" | "https" => None,
        _ => Some(lower + ":"),
    }
}

/// Why a browser socket with this proxy URL (`None`: not a string, or none) cannot `listen`
/// (else connect) over `udp` (else TCP), or `None` when it can. Not for Wisp URLs.
pub fn browser_refusal(proxy: Option<&str>, listen: bool, udp: bool) -> Option<String> {
    let proxy = match proxy {
        Some(p) if !p.is_empty() => p,
        _ => return Some(NO_PROXY.into()),
    };
    // new WebSocket() throws for any other scheme: refused here, with the reason, rather than
    // a ProxyNotFound event after connect() returned true.
    if let Some(scheme) = rejected_scheme(proxy) {
        return Some(
            "the proxy URL must be a WebSocket URL (ws:, wss:, http: or https:), not ".to_string()
                + &scheme,
        );
    }
    if is_kvsocket_proxy(proxy) {
        None
    } else if udp {
        Some(NO_UDP.into())
    } else if listen {
        Some(NO_LISTEN.into())
    } else {
        None
    }
}

/// Node connects directly: a `proxy` option other than a Wisp server's URL would be ignored
/// without a word, so `new Socket(options)` refuses it (a TypeError with this text;
/// docs/spec.md, Construction and lifetime). `given`: the option is there at all (not
/// `undefined`); `wisp`: it is a Wisp URL.
pub fn node_proxy_refusal(given: bool, wisp: bool) -> Option<&'static str> {
    (given && !wisp).then_some(
        "Socket: the proxy option is for browsers; in Node kvsocket connects directly, so leave it out",
    )
}
