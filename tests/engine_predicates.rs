//! What the promise, stream and Direct Sockets layers ask the engine instead of deciding
//! themselves: the error name of the last refusal or failure (`last_error_code`), the name a
//! write meets (`write_refusal`), and the predicates over the status (`is_over`,
//! `attempt_pending`, `bind_done`).

mod common;

use common::*;
use kvsocket::engine::*;

#[test]
fn a_refused_command_is_unknown_socket_and_a_failure_its_own_code() {
    let mut e = Engine::new();
    assert_eq!(e.last_error_code(), None, "nothing said yet");
    assert!(e.connect(Some("127.0.0.1"), &port(0), 0).is_err());
    assert_eq!(e.last_error_code(), Some(ErrorCode::UnknownSocket));

    let (mut e, id) = connecting_engine();
    e.handle(Input::Failed {
        id,
        error: "ECONNREFUSED".into(),
    });
    assert_eq!(e.last_error_code(), Some(ErrorCode::ConnectionRefused));
    assert_eq!(e.last_error(), "Connection refused");
    e.destroy();
    assert_eq!(e.last_error_code(), Some(ErrorCode::UnknownSocket));
}

#[test]
fn a_write_after_the_connection_ended_meets_remote_host_closed() {
    let mut fresh = Engine::new();
    assert_eq!(fresh.write_refusal(), Some(ErrorCode::UnknownSocket));
    assert_eq!(fresh.write(b"x".to_vec()), 0);
    assert_eq!(fresh.last_error_code(), Some(ErrorCode::UnknownSocket));

    let (mut e, id) = connected_engine();
    assert_eq!(e.write_refusal(), None);
    e.handle(Input::PeerClosed { id });
    assert_eq!(e.status(), Status::Unconnected);
    assert_eq!(e.write_refusal(), Some(ErrorCode::RemoteHostClosed));
    assert_eq!(e.write(b"x".to_vec()), 0);
    assert_eq!(e.last_error_code(), Some(ErrorCode::RemoteHostClosed));
    assert_eq!(
        e.last_error(),
        "write needs status Connecting or Connected, the socket is Unconnected"
    );

    let (closing, _) = closing_engine(b"pending");
    assert_eq!(closing.status(), Status::Closing);
    assert_eq!(closing.write_refusal(), Some(ErrorCode::RemoteHostClosed));

    // A new attempt is no connection that ended.
    assert!(e.connect(Some("127.0.0.1"), &port(7), 0).is_ok());
    assert_eq!(e.write_refusal(), None);
    e.destroy();
    assert_eq!(e.write_refusal(), Some(ErrorCode::UnknownSocket));
}

#[test]
fn the_status_predicates() {
    let over: Vec<Status> = Status::ALL.into_iter().filter(|s| s.is_over()).collect();
    assert_eq!(over, [Status::Unconnected, Status::Closing]);
    let attempt: Vec<Status> = Status::ALL.into_iter().filter(|s| s.is_attempt()).collect();
    assert_eq!(attempt, [Status::HostLookUp, Status::Connecting]);

    let (e, _) = lookup_engine();
    assert!(e.attempt_pending() && !e.is_over());
    let (e, _) = connected_engine();
    assert!(!e.attempt_pending() && !e.is_over());
    assert_eq!(e.bind_done(), None);

    let mut e = Engine::new();
    assert!(e.listen(&port(0), Some("127.0.0.1"), false).is_ok());
    assert_eq!(
        e.bind_done(),
        Some(false),
        "bound once the host reports Listening"
    );
    let id = e.current_id().unwrap();
    e.handle(Input::Listening {
        id,
        local: addr("127.0.0.1:4000"),
    });
    assert_eq!(e.bind_done(), Some(true));
    e.handle(Input::Failed {
        id,
        error: "EADDRINUSE".into(),
    });
    assert_eq!(e.bind_done(), None);
    assert!(e.is_over());
}
