//! TCP options beside KVIrc's API (src/engine/socket/options.rs): half-close with `end()`,
//! the idle timeout, and no-delay / keep-alive handed to the host as `Configure`.

mod common;

use common::*;
use kvsocket::engine::*;

// ----- end(): half-close -----------------------------------------------------------------------

#[test]
fn given_connected_with_output_when_end_then_send_then_end_output_and_reading_goes_on() {
    let (mut e, id) = connected_engine();
    assert_eq!(e.write(b"question".to_vec()), 8);
    drain_actions(&mut e);
    assert_eq!(e.end(), Ok(()));
    assert_eq!(drain_actions(&mut e), [Action::EndOutput { id }]);
    assert_eq!(
        e.status(),
        Status::Connected,
        "half-closed is still Connected"
    );
    assert_eq!(e.write(b"more".to_vec()), 0);
    assert!(e.last_error().contains("after end()"), "{}", e.last_error());
    received(&mut e, id, b"answer");
    assert_eq!(drain_events(&mut e), [Event::DataAvailable(6)]);
    assert_eq!(e.read_text(None), "answer");
    e.handle(Input::PeerClosed { id });
    assert_eq!(drain_actions(&mut e), [Action::Shutdown { id }]);
    assert_eq!(
        drain_events(&mut e),
        [
            Event::StateChanged(Status::Unconnected),
            Event::Disconnected(String::new())
        ]
    );
}

#[test]
fn end_waits_for_output_still_queued_behind_a_reservation() {
    let (mut e, id) = connected_engine();
    let slot = e.reserve(3).expect("a reservation");
    e.end().unwrap();
    assert_eq!(
        drain_actions(&mut e),
        [],
        "the FIN waits for the reserved bytes"
    );
    e.fill(slot, b"abc".to_vec());
    assert_eq!(
        drain_actions(&mut e),
        [
            Action::Send {
                id,
                data: b"abc".to_vec(),
                to: None
            },
            Action::EndOutput { id }
        ]
    );
}

#[test]
fn end_twice_sends_one_fin_and_the_next_connection_starts_open() {
    let (mut e, id) = connected_engine();
    e.end().unwrap();
    e.end().unwrap();
    assert_eq!(drain_actions(&mut e), [Action::EndOutput { id }]);
    e.close();
    drain(&mut e);
    assert_eq!(e.status(), Status::Unconnected);
    e.connect(Some("127.0.0.1"), &port(80), 0).unwrap();
    let next = e.current_id().unwrap();
    e.handle(Input::Connected {
        id: next,
        local: addr(LOCAL),
        remote: addr(REMOTE),
    });
    assert_eq!(
        e.write(b"x".to_vec()),
        1,
        "a new connection takes writes again"
    );
}

#[test]
fn end_while_connecting_follows_the_connection_and_its_queued_output() {
    let (mut e, id) = connecting_engine();
    e.write(b"early".to_vec());
    assert_eq!(e.end(), Ok(()));
    assert_eq!(e.write(b"late".to_vec()), 0, "no writes after end()");
    assert!(drain_actions(&mut e).is_empty());
    connected(&mut e, id);
    assert_eq!(
        drain_actions(&mut e),
        [
            Action::Send {
                id,
                data: b"early".to_vec(),
                to: None
            },
            Action::EndOutput { id }
        ]
    );
}

#[test]
fn end_is_refused_for_udp_and_sockets_that_are_not_connecting_or_connected() {
    let (mut listening, _) = listening_engine();
    assert!(listening.end().is_err());
    assert!(
        listening.last_error().contains("Listening"),
        "{}",
        listening.last_error()
    );
    let mut fresh = Engine::new();
    assert!(fresh.end().is_err());
    let (mut udp, _) = connected_udp_engine();
    assert!(udp.end().is_err());
    assert!(udp.last_error().contains("UDP"), "{}", udp.last_error());
    assert!(drain_actions(&mut udp).is_empty());
}

// ----- the idle timeout ----------------------------------------------------------------------

/// Advances the clock tick by tick from `from` to `to` (ms), answering each deadline.
fn run_clock(e: &mut Engine, mut now: Millis, to: Millis) -> (Millis, Vec<Millis>) {
    let mut idles = Vec::new();
    while let Some(at) = e.poll_timeout() {
        if at > to {
            break;
        }
        now = now.max(at);
        e.handle_timeout(now);
        for event in drain_events(e) {
            if event == Event::Idle {
                idles.push(now);
            }
        }
    }
    (now, idles)
}

#[test]
fn idle_fires_once_per_quiet_period_between_one_and_one_and_a_quarter_timeouts() {
    let (mut e, id) = connected_engine();
    e.set_idle_timeout(1000.0, 10_000).unwrap();
    assert_eq!(
        e.poll_timeout(),
        Some(10_000),
        "the first tick is due at once"
    );
    let (_, idles) = run_clock(&mut e, 10_000, 13_000);
    assert_eq!(idles.len(), 1, "one idle in 3 s of quiet: {idles:?}");
    assert!((11_000..=11_250).contains(&idles[0]), "{idles:?}");
    // Activity resets the period.
    received(&mut e, id, b"x");
    drain_events(&mut e);
    let (_, idles) = run_clock(&mut e, 13_000, 13_900);
    assert!(idles.is_empty(), "{idles:?}");
}

#[test]
fn idle_counts_output_as_activity_and_stops_with_the_connection() {
    let (mut e, id) = connected_engine();
    e.set_idle_timeout(400.0, 0).unwrap();
    let mut now = 0;
    for _ in 0..10 {
        e.write(b"tick".to_vec());
        e.handle(Input::Sent { id, len: 4 });
        let (n, idles) = run_clock(&mut e, now, now + 300);
        assert!(
            idles.is_empty(),
            "traffic every 300 ms keeps a 400 ms timeout quiet"
        );
        now = n + 1;
    }
    e.close();
    drain(&mut e);
    assert_eq!(e.poll_timeout(), None, "no ticks while Unconnected");
}

#[test]
fn idle_timeout_zero_is_off_and_bad_values_are_refused() {
    let (mut e, _) = connected_engine();
    e.set_idle_timeout(100.0, 0).unwrap();
    assert!(e.poll_timeout().is_some());
    e.set_idle_timeout(0.0, 0).unwrap();
    assert_eq!(e.poll_timeout(), None);
    assert_eq!(e.idle_timeout(), 0);
    // Past Number.MAX_SAFE_INTEGER a script would read back another value than it set.
    let too_large = 9_007_199_254_740_992.0;
    for bad in [-1.0, 1.5, f64::NAN, f64::INFINITY, 1e300, too_large] {
        assert!(e.set_idle_timeout(bad, 0).is_err(), "{bad}");
    }
    e.set_idle_timeout(9_007_199_254_740_991.0, 0).unwrap();
    assert_eq!(e.idle_timeout(), 9_007_199_254_740_991);
    assert!(
        e.last_error().contains("idle timeout"),
        "{}",
        e.last_error()
    );
}

#[test]
fn an_idle_timeout_set_before_connecting_starts_when_connected() {
    let (mut e, id) = connecting_engine();
    e.set_idle_timeout(200.0, 0).unwrap();
    assert_eq!(
        e.poll_timeout(),
        Some(60_000),
        "only the connect deadline while Connecting"
    );
    connected(&mut e, id);
    drain(&mut e);
    let (_, idles) = run_clock(&mut e, 0, 1_000);
    assert!(!idles.is_empty());
}

// ----- no-delay and keep-alive -----------------------------------------------------------------

#[test]
fn default_options_configure_nothing_changes_are_told_while_connected() {
    let (mut e, id) = connected_engine();
    e.set_no_delay(false);
    assert_eq!(
        drain_actions(&mut e),
        [Action::Configure {
            id,
            no_delay: false,
            keep_alive: None
        }]
    );
    e.set_keep_alive(true, 30_000.0).unwrap();
    assert_eq!(
        drain_actions(&mut e),
        [Action::Configure {
            id,
            no_delay: false,
            keep_alive: Some(30_000)
        }]
    );
    assert!(e.set_keep_alive(true, -5.0).is_err());
    assert!(e.set_keep_alive(true, 0.5).is_err());
    assert!(e.set_keep_alive(true, 1e300).is_err());
    assert!(drain_actions(&mut e).is_empty());
}

#[test]
fn options_set_before_a_connection_are_told_when_it_comes_up() {
    let mut e = Engine::new();
    e.set_keep_alive(true, 0.0).unwrap();
    assert!(
        drain_actions(&mut e).is_empty(),
        "nothing to configure while Unconnected"
    );
    e.connect(Some("127.0.0.1"), &port(80), 0).unwrap();
    let id = e.current_id().unwrap();
    drain(&mut e);
    connected(&mut e, id);
    assert_eq!(
        drain_actions(&mut e),
        [Action::Configure {
            id,
            no_delay: true,
            keep_alive: Some(0)
        }]
    );
}

#[test]
fn an_incoming_connection_gets_its_listeners_options() {
    let (mut l, lid) = listening_engine();
    l.set_no_delay(false);
    l.set_idle_timeout(1000.0, 0).unwrap();
    let mut child = l
        .handle_incoming(lid, addr(LOCAL), addr(REMOTE))
        .expect("a child");
    let id = child.current_id().unwrap();
    assert_eq!(
        drain_actions(&mut child),
        [Action::Configure {
            id,
            no_delay: false,
            keep_alive: None
        }]
    );
    assert_eq!(child.idle_timeout(), 1000);
}

// ----- configure: new Socket(options) ----------------------------------------------------------

#[test]
fn configure_applies_each_option_by_its_setters_rule() {
    let mut e = Engine::new();
    let options = Options {
        proxy: Some("ws://127.0.0.1:1/".into()),
        connect_timeout: Some(1500.0),
        idle_timeout: Some(300.0),
        protocol: Some("UDP".into()),
        ..Options::default()
    };
    assert_eq!(e.configure(&options, 0), Ok(()));
    assert_eq!(e.connect_timeout(), 1500);
    assert_eq!(e.idle_timeout(), 300);
    assert_eq!(e.protocol(), Protocol::Udp);
    assert_eq!(Engine::new().configure(&Options::default(), 0), Ok(()));
}

#[test]
fn configure_refuses_what_the_setters_refuse() {
    let bad = [
        Options {
            connect_timeout: Some(0.0),
            ..Options::default()
        },
        Options {
            idle_timeout: Some(-1.0),
            ..Options::default()
        },
        Options {
            protocol: Some("sctp".into()),
            ..Options::default()
        },
    ];
    for options in bad {
        let mut e = Engine::new();
        assert!(e.configure(&options, 0).is_err(), "{options:?}");
        assert_ne!(e.last_error(), "");
    }
}
