//! The accept window (docs/spec.md, Incoming connections): `accept` only while
//! `incomingConnectionEvent` runs for the offered connection, its refusals and their texts, and
//! the close of a connection the script did not accept. The facade reports the window
//! (`offer_open` / `offer_close`) and the facts only it sees (which socket is which, which were
//! destroyed); these rules moved here from js/socket.js (issue 19).

mod common;

use common::*;
use kvsocket::engine::*;

const LOCAL: &str = "127.0.0.1:4000";
const REMOTE: &str = "127.0.0.1:50000";

fn offered() -> (Engine, Engine) {
    let (mut server, id) = listening_engine();
    let child = server
        .handle_incoming(id, addr(LOCAL), addr(REMOTE))
        .unwrap();
    drain(&mut server);
    (server, child)
}

const ITSELF: AcceptArgs = AcceptArgs {
    same: true,
    offered_destroyed: false,
    other_destroyed: false,
};
const OTHER: AcceptArgs = AcceptArgs {
    same: false,
    offered_destroyed: false,
    other_destroyed: false,
};

#[test]
fn accept_is_refused_outside_the_handler() {
    let (mut server, child) = offered();
    for args in [ITSELF, OTHER] {
        assert_eq!(server.accept(args), Err(CommandError::AcceptOutside));
        assert_eq!(
            server.last_error(),
            "accept is only valid inside incomingConnectionEvent"
        );
    }
    // After the handler returned, too.
    server.offer_open();
    server.offer_close();
    assert_eq!(server.accept(ITSELF), Err(CommandError::AcceptOutside));
    // A socket that is not listening never has a window.
    let mut plain = Engine::new();
    plain.offer_close();
    assert_eq!(plain.accept(ITSELF), Err(CommandError::AcceptOutside));
    assert!(
        child.offer_unaccepted(),
        "not accepted: closed when the handler ends"
    );
}

#[test]
fn inside_the_handler_the_offered_socket_or_another_takes_it() {
    let (mut server, mut child) = offered();
    server.offer_open();
    assert_eq!(server.accept(ITSELF), Ok(AcceptAs::Itself));
    child.mark_accepted();
    server.offer_close();
    assert!(!child.offer_unaccepted());
    assert_eq!(server.last_error(), "");

    let (mut server, mut child) = offered();
    server.offer_open();
    assert_eq!(server.accept(OTHER), Ok(AcceptAs::Other));
    let mut other = Engine::new();
    assert_eq!(other.adopt(&mut child), Ok(()));
    server.offer_close();
    assert!(!child.offer_unaccepted(), "moved: nothing left to close");
    assert_eq!(other.status(), Status::Connected);
}

#[test]
fn destroyed_sockets_are_refused_with_their_own_texts() {
    let (mut server, _child) = offered();
    server.offer_open();
    let gone = AcceptArgs {
        offered_destroyed: true,
        ..ITSELF
    };
    assert_eq!(
        server.accept(gone).unwrap_err().message(),
        "accept: the incoming connection was destroyed"
    );
    // The offered socket is named first, also when another is passed.
    assert_eq!(
        server
            .accept(AcceptArgs {
                offered_destroyed: true,
                other_destroyed: true,
                ..OTHER
            })
            .unwrap_err()
            .message(),
        "accept: the incoming connection was destroyed"
    );
    let other_gone = AcceptArgs {
        other_destroyed: true,
        ..OTHER
    };
    assert_eq!(
        server.accept(other_gone).unwrap_err().message(),
        "accept: the accepting socket was destroyed"
    );
    assert_eq!(
        server.last_error(),
        "accept: the accepting socket was destroyed"
    );
}

#[test]
fn a_destroyed_listener_accepts_nothing() {
    let (mut server, mut child) = offered();
    server.offer_open();
    server.destroy();
    assert_eq!(server.accept(ITSELF), Err(CommandError::Destroyed));
    // A destroyed offered socket is not closed again when the handler ends.
    child.destroy();
    assert!(!child.offer_unaccepted());
}
