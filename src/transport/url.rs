//! The proxy URLs, from the template (docs/spec.md, Hosts).

use js_sys::encode_uri_component;

use crate::engine::text::{decimal, find, replace};

/// `{host}` and `{port}` replaced, URI-encoded (an IPv6 address's colons too); a template without
/// placeholders (websockify's one-target mode) is used as it is.
pub fn proxy_url(template: &str, host: &str, port: u16) -> String {
    let url = replace(template, "{host}", &encode(host));
    replace(&url, "{port}", &decimal(port.into()))
}

/// Whether the template is kvsocket-proxy's form. Only a proxy that takes its target from the
/// URL can also be asked to listen or to carry datagrams; a template without placeholders is
/// websockify's one-target mode, which has neither (docs/browser-host.md).
pub fn is_kvsocket_proxy(template: &str) -> bool {
    find(template, "{host}").is_some() || find(template, "{port}").is_some()
}

/// The URL of another kvsocket-proxy session (`?listen=`, `?claim=`, `?udp=1…`): the template's
/// origin and path, its query replaced by `params`. Query parameters of the template that hold
/// no placeholder (a deployment's token, say) are kept: they are the proxy's, not the target's.
pub fn session_url(template: &str, params: &[(&str, &str)]) -> String {
    let template = template.split('#').next().unwrap_or(template);
    let (base, query) = template.split_once('?').unwrap_or((template, ""));
    let ours = |name: &str| params.iter().any(|(p, _)| *p == name);
    let kept = query.split('&').filter(|p| {
        let name = p.split('=').next().unwrap_or(p);
        !p.is_empty() && !is_kvsocket_proxy(p) && !ours(name)
    });
    let added = params.iter().map(|(k, v)| [k, "=", &encode(v)].concat());
    let query: Vec<String> = kept.map(String::from).chain(added).collect();
    [base, "?", &query.join("&")].concat()
}

fn encode(text: &str) -> String {
    encode_uri_component(text).into()
}

/// `url` with `name=value` added to its query (a fragment, which a WebSocket URL cannot carry,
/// is dropped).
pub fn with_param(url: &str, name: &str, value: &str) -> String {
    let url = url.split('#').next().unwrap_or(url);
    let sep = match url.find('?') {
        None => "?",
        Some(_) if url.ends_with('?') || url.ends_with('&') => "",
        Some(_) => "&",
    };
    [url, sep, name, "=", &encode(value)].concat()
}
