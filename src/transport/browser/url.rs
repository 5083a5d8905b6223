//! The proxy URLs of the browser transport (docs/browser-host.md, "Which proxy: the URL
//! decides"): a template with `{host}` / `{port}` is kvsocket-proxy's form, which can also
//! listen and carry UDP; one without is a one-target proxy (websockify).

pub use crate::engine::proxy::is_kvsocket_proxy;
use crate::engine::text::{decimal, find, replace};

/// JavaScript's `encodeURIComponent` (an IPv6 address's colons too): in Rust, so that building
/// a URL costs no call out of wasm.
pub fn encode(value: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(value.len());
    for &b in value.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 15) as usize] as char);
        }
    }
    out
}

/// `{host}` and `{port}` replaced, URI-encoded.
pub fn proxy_url(template: &str, host: &str, port: u16) -> String {
    let url = replace(template, "{host}", &encode(host), true);
    replace(&url, "{port}", &decimal(port.into()), true)
}

/// Without its fragment, which a WebSocket URL cannot carry.
fn unfragmented(url: &str) -> &str {
    url.split('#').next().unwrap_or(url)
}

/// `url` with `name=value` added to its query.
pub fn with_param(url: &str, name: &str, value: &str) -> String {
    let url = unfragmented(url);
    let sep = if !url.contains('?') {
        "?"
    } else if url.ends_with('?') || url.ends_with('&') {
        ""
    } else {
        "&"
    };
    format!("{url}{sep}{name}={}", encode(value))
}

/// The URL of another kvsocket-proxy session (`?listen=`, `?claim=`, `?udp=1…`): the template's
/// origin and path, its query replaced by `params`. Parameters of the template that hold no
/// placeholder (a deployment's token) are the proxy's and stay.
pub fn session_url(template: &str, params: &[(&str, &str)]) -> String {
    let template = unfragmented(template);
    let (base, query) = template.split_once('?').unwrap_or((template, ""));
    let kept = query.split('&').filter(|p| {
        let name = p.split('=').next().unwrap_or("");
        !p.is_empty() && !is_kvsocket_proxy(p) && !params.iter().any(|(n, _)| *n == name)
    });
    let added = params.iter().map(|(n, v)| format!("{n}={}", encode(v)));
    let query: Vec<String> = kept.map(str::to_owned).chain(added).collect();
    format!("{base}?{}", query.join("&"))
}

/// What a WebSocket that closed before opening says: where the proxy was expected (its scheme,
/// host and path: never the query, which may hold a token, nor credentials).
pub fn unreachable(url: &str) -> String {
    let url = url.split(['?', '#']).next().unwrap_or("");
    let parts = find(url, "//").and_then(|at| Some((url.get(..at)?, url.get(at + 2..)?)));
    let where_ = match parts {
        Some((scheme, rest)) => {
            let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            let host = authority.rsplit('@').next().unwrap_or(authority);
            format!(" at {scheme}//{host}{path}")
        }
        None => String::new(),
    };
    format!(
        "no WebSocket to the proxy{where_}: it is not running there, cannot be reached, or \
         refused the session (Origin, token, capacity)"
    )
}
