//! A WebSocket's close as a browser host reports it (`Input::WsClosed`: the raw code and reason,
//! and whether it opened), classified by the engine's state (src/engine/ws_close.rs). The table
//! lived in js/browser/host.js before (issue 19).

mod common;

use common::*;
use kvsocket::engine::*;

fn ws_closed(e: &mut Engine, id: ConnId, code: u16, reason: &str, opened: bool) {
    e.handle(Input::WsClosed {
        id,
        code,
        reason: reason.into(),
        opened,
    });
}

/// The error code of the `Error` event a close produced, if any.
fn error_of(events: &[Event]) -> Option<ErrorCode> {
    events.iter().find_map(|e| match e {
        Event::Error { code, .. } => Some(*code),
        _ => None,
    })
}

#[test]
fn a_connect_the_proxy_reports_failed_names_its_error() {
    for (code, reason, expect) in [
        (1011, "ECONNREFUSED", ErrorCode::ConnectionRefused),
        (1011, "ENOTFOUND", ErrorCode::HostNotFound),
        (1011, "ETIMEDOUT", ErrorCode::SocketTimeout),
        (1011, "TargetDenied", ErrorCode::ProxyDenied),
        // Not a bare name, another code, or no code at all: the proxy refused.
        (
            1011,
            "connect ECONNREFUSED 127.0.0.1:1",
            ErrorCode::ProxyConnectionRefused,
        ),
        (1011, "", ErrorCode::ProxyConnectionRefused),
        (1000, "", ErrorCode::ProxyConnectionRefused),
        (1002, "", ErrorCode::ProxyConnectionRefused),
        (1006, "", ErrorCode::ProxyConnectionRefused),
    ] {
        let (mut e, id) = connecting_engine();
        ws_closed(&mut e, id, code, reason, true);
        let events = drain_events(&mut e);
        assert_eq!(events, connect_failed(expect), "{code} {reason:?}");
        assert_eq!(e.status(), Status::Unconnected);
    }
}

#[test]
fn a_websocket_that_never_opened_is_the_proxy_refusing() {
    let (mut e, id) = connecting_engine();
    ws_closed(&mut e, id, 1006, "", false);
    assert_eq!(
        drain_events(&mut e),
        connect_failed(ErrorCode::ProxyConnectionRefused)
    );
    // An incoming connection's claim (born Connected) refused before open: it fails.
    let (mut e, id) = connected_engine();
    ws_closed(&mut e, id, 1006, "", false);
    let events = drain_events(&mut e);
    assert_eq!(error_of(&events), Some(ErrorCode::ProxyConnectionRefused));
    assert_eq!(e.status(), Status::Unconnected);
}

#[test]
fn a_tcp_connection_closed_with_1000_or_1005_ended_cleanly() {
    for code in [1000, 1005] {
        let (mut e, id) = connected_engine();
        ws_closed(&mut e, id, code, "", true);
        assert_eq!(
            drain_events(&mut e),
            [
                Event::StateChanged(Status::Unconnected),
                Event::Disconnected(String::new())
            ],
            "{code}"
        );
        assert_eq!(drain_actions(&mut e), [Action::Shutdown { id }]);
        // Closing: the proxy's close after our end confirms that the bytes reached the target
        // (the host reports them sent first): a clean end.
        let (mut e, id) = closing_engine(b"bye");
        e.handle(Input::Sent { id, len: 3 });
        ws_closed(&mut e, id, code, "", true);
        assert_eq!(e.status(), Status::Unconnected, "{code}");
        assert_eq!(
            drain_events(&mut e).last(),
            Some(&Event::Disconnected(String::new()))
        );
        // Bytes never reported sent were lost with the transport.
        let (mut e, id) = closing_engine(b"bye");
        ws_closed(&mut e, id, code, "", true);
        assert_eq!(e.status(), Status::Unconnected, "{code}");
        assert_eq!(
            drain_events(&mut e).last(),
            Some(&Event::Disconnected(
                ErrorCode::RemoteHostClosed.message().into()
            ))
        );
    }
}

#[test]
fn other_closes_of_an_open_connection_are_failures() {
    for (code, reason, expect) in [
        (1011, "ECONNRESET", ErrorCode::RemoteHostClosed),
        (1011, "not a name", ErrorCode::ProxyConnectionClosed),
        (1002, "", ErrorCode::ProxyProtocol),
        (1003, "", ErrorCode::ProxyProtocol),
        (1007, "", ErrorCode::ProxyProtocol),
        (1009, "", ErrorCode::ProxyProtocol),
        (1010, "", ErrorCode::ProxyProtocol),
        (1001, "", ErrorCode::ProxyConnectionClosed),
        (1006, "", ErrorCode::ProxyConnectionClosed),
        (4000, "", ErrorCode::ProxyConnectionClosed),
    ] {
        let (mut e, id) = connected_engine();
        ws_closed(&mut e, id, code, reason, true);
        let events = drain_events(&mut e);
        assert_eq!(error_of(&events), Some(expect), "{code} {reason:?}");
        assert_eq!(
            events.last(),
            Some(&Event::Disconnected(expect.message().into()))
        );
    }
}

#[test]
fn a_session_has_no_clean_end() {
    // A listener's or a UDP socket's session: even 1000 is the proxy closing it.
    for code in [1000, 1005] {
        let (mut e, id) = listening_engine();
        ws_closed(&mut e, id, code, "", true);
        assert_eq!(
            error_of(&drain_events(&mut e)),
            Some(ErrorCode::ProxyConnectionClosed)
        );
        assert_eq!(e.status(), Status::Unconnected);
        let (mut e, id) = bound_udp_engine();
        ws_closed(&mut e, id, code, "", true);
        assert_eq!(
            error_of(&drain_events(&mut e)),
            Some(ErrorCode::ProxyConnectionClosed)
        );
        let (mut e, id) = connected_udp_engine();
        ws_closed(&mut e, id, code, "", true);
        assert_eq!(
            error_of(&drain_events(&mut e)),
            Some(ErrorCode::ProxyConnectionClosed)
        );
        assert_eq!(e.status(), Status::Unconnected);
    }
}

#[test]
fn a_close_for_another_transport_is_stale() {
    let (mut e, id) = connected_engine();
    ws_closed(&mut e, id + 1000, 1011, "ECONNRESET", true);
    assert_eq!(drain_events(&mut e), []);
    assert_eq!(e.status(), Status::Connected);
}

#[test]
fn what_the_page_knows_beside_the_close_follows_the_message() {
    // The proxy's words before its 1011 (report=1's error message), as the browser host adds them.
    let (mut e, id) = connecting_engine();
    ws_closed(
        &mut e,
        id,
        1011,
        "TargetDenied: target denied: 127.0.0.1:9: no --allow rule matches it",
        true,
    );
    let said = "Proxy denied the connection by its rules: target denied: 127.0.0.1:9: no --allow rule matches it";
    assert_eq!(
        drain_events(&mut e)[0],
        Event::ConnectFailed {
            code: ErrorCode::ProxyDenied,
            reason: said.into()
        }
    );
    assert_eq!(e.last_error(), said);
    // A WebSocket that never opened: where the page looked for the proxy.
    let (mut e, id) = connecting_engine();
    ws_closed(
        &mut e,
        id,
        1006,
        "ProxyConnectionRefused: no WebSocket to the proxy at ws://127.0.0.1:9/",
        false,
    );
    let Event::ConnectFailed { code, reason } = &drain_events(&mut e)[0] else {
        panic!("expected connectFailed")
    };
    assert_eq!(*code, ErrorCode::ProxyConnectionRefused);
    assert!(
        reason.ends_with(": no WebSocket to the proxy at ws://127.0.0.1:9/"),
        "{reason}"
    );
}
