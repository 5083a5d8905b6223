//! The proxy URL from its template (SPEC.md, Hosts).

use js_sys::encode_uri_component;

/// `{host}` and `{port}` replaced, URI-encoded (an IPv6 address's colons too); a template without
/// placeholders (websockify's one-target mode) is used as it is.
pub fn proxy_url(template: &str, host: &str, port: u16) -> String {
    let host = String::from(encode_uri_component(host));
    template
        .replace("{host}", &host)
        .replace("{port}", &port.to_string())
}
