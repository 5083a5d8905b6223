//! Wisp proxy URLs: `wisp+ws://[user:password@]host:port/path/[?query]`.

use js_sys::decode_uri_component;
use wasm_bindgen::prelude::*;

/// Whether a proxy URL names a Wisp server: `wisp+ws:` or `wisp+wss:` (any case).
#[wasm_bindgen(js_name = isWispUrl)]
pub fn is_wisp_url(url: &str) -> bool {
    split_scheme(url).is_some()
}

/// Why a socket with this Wisp proxy URL cannot do `command` ('connect' or 'listen'), or ''
/// when it can: for the entries' `refuse`, so that `connect()` / `listen()` return false with
/// this as `lastError()`.
#[wasm_bindgen(js_name = wispRefusal)]
pub fn wisp_refusal(url: &str, command: &str) -> String {
    match parse(url) {
        Err(problem) => problem,
        Ok(_) if command == "listen" => "listen over Wisp is not possible: the protocol has no \
            listening streams (kvsocket-proxy's reverse tunnel listens: a ws:// URL with \
            {host}/{port})"
            .into(),
        Ok(_) => String::new(),
    }
}

/// `wisp+ws://…` → (`ws`, `//…`).
fn split_scheme(url: &str) -> Option<(&'static str, &str)> {
    let (scheme, rest) = url.split_once(':')?;
    // No lowercased copy: this runs for every action of the browser host (is_wisp_url).
    if scheme.eq_ignore_ascii_case("wisp+ws") {
        Some(("ws", rest))
    } else if scheme.eq_ignore_ascii_case("wisp+wss") {
        Some(("wss", rest))
    } else {
        None
    }
}

/// The WebSocket URL and the credentials (the userinfo, which a WebSocket URL cannot carry:
/// they go in the v2 handshake's password extension).
pub(super) fn parse(url: &str) -> Result<(String, Option<(String, String)>), String> {
    let (scheme, rest) = split_scheme(url)
        .ok_or_else(|| "not a Wisp URL (wisp+ws: or wisp+wss:): ".to_string() + url)?;
    let rest = rest.split('#').next().unwrap_or(rest);
    let after = rest
        .strip_prefix("//")
        .ok_or_else(|| ["a Wisp URL needs a host: ", scheme, "://host:port/path/"].concat())?;
    let end = after.find(['/', '?']).unwrap_or(after.len());
    let (authority, tail) = after.split_at_checked(end).unwrap_or((after, ""));
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    if hostport.is_empty() {
        return Err("a Wisp URL needs a host: ".to_string() + url);
    }
    let (path, query) = match tail.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (tail, None),
    };
    let path = if path.is_empty() { "/" } else { path };
    if !path.ends_with('/') {
        return Err(
            "a Wisp URL's path must end with '/' (the protocol's rule; servers take \
             other paths for one-target wsproxy): "
                .to_string()
                + url,
        );
    }
    let decode = |s: &str| -> Result<String, String> {
        decode_uri_component(s)
            .map(String::from)
            .map_err(|_| "bad %-escape in the Wisp URL's credentials: ".to_string() + url)
    };
    let credentials = match userinfo {
        Some(u) => {
            let (user, pass) = u.split_once(':').unwrap_or((u, ""));
            Some((decode(user)?, decode(pass)?))
        }
        None => None,
    };
    let query = query.map_or(String::new(), |q| "?".to_string() + q);
    Ok((
        [scheme, "://", hostport, path, &query].concat(),
        credentials,
    ))
}
