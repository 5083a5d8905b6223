//! What a browser socket's proxy URL lets it do (src/engine/proxy.rs): the refusals that make
//! `connect()` / `listen()` return false, with their `lastError()` text.

use kvsocket::engine::proxy::{browser_refusal, is_kvsocket_proxy, NO_LISTEN, NO_PROXY, NO_UDP};

const TUNNEL: &str = "ws://127.0.0.1:8081/?host={host}&port={port}";
const ONE_TARGET: &str = "ws://127.0.0.1:6080/websockify";

#[test]
fn no_proxy_url_refuses_everything() {
    for proxy in [None, Some("")] {
        for (listen, udp) in [(false, false), (true, false), (false, true), (true, true)] {
            assert_eq!(
                browser_refusal(proxy, listen, udp).as_deref(),
                Some(NO_PROXY)
            );
        }
    }
}

#[test]
fn kvsocket_proxy_does_everything() {
    assert!(is_kvsocket_proxy(TUNNEL));
    assert!(is_kvsocket_proxy("ws://127.0.0.1/{port}"));
    for (listen, udp) in [(false, false), (true, false), (false, true), (true, true)] {
        assert_eq!(browser_refusal(Some(TUNNEL), listen, udp), None);
    }
}

#[test]
fn a_one_target_proxy_connects_over_tcp_only() {
    assert!(!is_kvsocket_proxy(ONE_TARGET));
    assert_eq!(browser_refusal(Some(ONE_TARGET), false, false), None);
    assert_eq!(
        browser_refusal(Some(ONE_TARGET), true, false).as_deref(),
        Some(NO_LISTEN)
    );
    // UDP is named first: a UDP listen needs the datagram mode as well.
    for listen in [false, true] {
        assert_eq!(
            browser_refusal(Some(ONE_TARGET), listen, true).as_deref(),
            Some(NO_UDP)
        );
    }
}

#[test]
fn a_scheme_no_websocket_takes_is_refused_with_it() {
    for (url, scheme) in [
        ("ftp://127.0.0.1/{host}", "ftp:"),
        ("FILE:///tmp/x", "file:"),
        ("wisp+http://127.0.0.1/", "wisp+http:"),
    ] {
        assert_eq!(
            browser_refusal(Some(url), false, false),
            Some(
                "the proxy URL must be a WebSocket URL (ws:, wss:, http: or https:), not "
                    .to_string()
                    + scheme
            )
        );
    }
    // ws, wss, http and https in any case, and relative URLs, which have no scheme.
    for url in [
        "WS://127.0.0.1/{host}",
        "wss://127.0.0.1/{host}",
        "http://127.0.0.1/{host}",
        "HTTPS://127.0.0.1/{host}",
        "/proxy?host={host}&port={port}",
        "1x://127.0.0.1/{host}",
    ] {
        assert_eq!(browser_refusal(Some(url), false, false), None, "{url}");
    }
}

#[test]
fn node_refuses_a_proxy_option_other_than_a_wisp_url() {
    use kvsocket::engine::proxy::node_proxy_refusal;
    assert_eq!(node_proxy_refusal(false, false), None);
    assert_eq!(node_proxy_refusal(true, true), None);
    assert_eq!(
        node_proxy_refusal(true, false),
        Some(
            "Socket: the proxy option is for browsers; in Node kvsocket connects directly, so leave it out"
        )
    );
}
