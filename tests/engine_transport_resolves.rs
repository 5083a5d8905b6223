//! The browser's option: host names go to the transport (its proxy resolves them), so a connect
//! by name skips HostLookUp (docs/spec.md, Hosts) and every other rule stays as it is.

mod common;

use common::*;
use kvsocket::engine::*;

fn browser_engine() -> Engine {
    let mut e = Engine::new();
    e.set_transport_resolves_names(true);
    e
}

#[test]
fn connect_by_name_goes_straight_to_connecting_with_the_name() {
    let mut e = browser_engine();
    e.connect(Some("irc.example"), &PortArg::Number(6667.0), 0)
        .unwrap();
    assert_eq!(e.status(), Status::Connecting);
    let id = e.current_id().unwrap();
    assert_eq!(
        drain_actions(&mut e),
        [Action::ConnectName {
            id,
            host: "irc.example".into(),
            port: 6667,
            protocol: Protocol::Tcp
        }]
    );
    assert_eq!(
        drain_events(&mut e),
        [Event::StateChanged(Status::Connecting)]
    );
    assert_eq!(e.poll_timeout(), Some(60_000), "the connect timeout runs");

    e.handle(Input::Connected {
        id,
        local: addr("0.0.0.0:0"),
        remote: addr("0.0.0.0:6667"),
    });
    assert_eq!(
        drain_events(&mut e),
        [Event::StateChanged(Status::Connected), Event::Connected],
        "no hostFound: there was no lookup"
    );
    assert_eq!(e.remote(), Some(addr("0.0.0.0:6667")));
}

#[test]
fn ip_literals_are_unchanged_and_the_option_is_off_by_default() {
    let mut e = browser_engine();
    e.connect(Some("127.0.0.1"), &PortArg::Number(7000.0), 0)
        .unwrap();
    assert!(
        matches!(&drain_actions(&mut e)[..], [Action::Connect { addr: a, .. }] if *a == addr("127.0.0.1:7000"))
    );

    let mut plain = Engine::new();
    plain
        .connect(Some("irc.example"), &PortArg::Number(6667.0), 0)
        .unwrap();
    assert_eq!(plain.status(), Status::HostLookUp);
    assert!(matches!(
        &drain_actions(&mut plain)[..],
        [Action::Resolve { .. }]
    ));
}

/// kvsocket-proxy's `TargetDenied` with its words (`NAME: detail`): the engine classifies the
/// name as ProxyDenied and puts the proxy's reason after the code's message, in the reason,
/// the error's message and lastError().
#[test]
fn a_proxy_denial_is_proxy_denied_with_the_proxys_reason() {
    let mut e = browser_engine();
    e.connect(Some("irc.example"), &PortArg::Number(6667.0), 0)
        .unwrap();
    let id = e.current_id().unwrap();
    drain_events(&mut e);
    drain_actions(&mut e);
    e.handle(Input::Failed {
        id,
        error: "TargetDenied: target denied: irc.example:6667: no --allow rule matches".into(),
    });
    let code = ErrorCode::ProxyDenied;
    let said = "Proxy denied the connection by its rules: target denied: irc.example:6667: no --allow rule matches";
    assert_eq!(
        drain_events(&mut e),
        [
            Event::ConnectFailed {
                code,
                reason: said.into()
            },
            Event::Error {
                code,
                message: said.into(),
                fatal: true,
            },
            Event::StateChanged(Status::Unconnected),
        ]
    );
    assert_eq!(e.last_error(), said);
}

/// The target's answer relayed by a proxy keeps the message Node's host gives: the proxy's
/// words are for its own refusals.
#[test]
fn a_relayed_refusal_keeps_the_codes_message() {
    let mut e = browser_engine();
    e.connect(Some("irc.example"), &PortArg::Number(6667.0), 0)
        .unwrap();
    let id = e.current_id().unwrap();
    drain_events(&mut e);
    drain_actions(&mut e);
    e.handle(Input::Failed {
        id,
        error: "ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:6667".into(),
    });
    let code = ErrorCode::ConnectionRefused;
    assert_eq!(
        drain_events(&mut e)[..2],
        [
            Event::ConnectFailed {
                code,
                reason: code.message().into()
            },
            Event::Error {
                code,
                message: code.message().into(),
                fatal: true,
            },
        ]
    );
}

#[test]
fn a_proxy_refusal_of_a_name_is_a_connect_failure() {
    let mut e = browser_engine();
    e.connect(Some("irc.example"), &PortArg::Number(6667.0), 0)
        .unwrap();
    let id = e.current_id().unwrap();
    drain_events(&mut e);
    drain_actions(&mut e);
    e.handle(Input::Failed {
        id,
        error: "ProxyConnectionRefused".into(),
    });
    let code = ErrorCode::ProxyConnectionRefused;
    assert_eq!(
        drain_events(&mut e),
        [
            Event::ConnectFailed {
                code,
                reason: code.message().into()
            },
            Event::Error {
                code,
                message: code.message().into(),
                fatal: true,
            },
            Event::StateChanged(Status::Unconnected),
        ]
    );
    assert_eq!(drain_actions(&mut e), [Action::Abort { id }]);
}

#[test]
fn timeout_of_a_name_connect_aborts_it() {
    let mut e = browser_engine();
    e.set_connect_timeout(500.0).unwrap();
    e.connect(Some("irc.example"), &PortArg::Number(6667.0), 10)
        .unwrap();
    let id = e.current_id().unwrap();
    drain_actions(&mut e);
    e.handle_timeout(510);
    assert_eq!(drain_actions(&mut e), [Action::Abort { id }]);
    assert_eq!(e.status(), Status::Unconnected);
}
