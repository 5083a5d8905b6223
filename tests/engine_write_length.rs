//! `write(data, length)`: how many bytes a `length` takes, and a write of nothing (docs/spec.md,
//! write). The facade asks the engine (`Engine.writeLength`) and takes that many.

mod common;

use common::*;
use kvsocket::engine::*;

#[test]
fn a_length_caps_the_bytes_taken_rounded_down() {
    assert_eq!(write_length(10, None), Ok(10));
    assert_eq!(write_length(10, Some(4.0)), Ok(4));
    assert_eq!(write_length(10, Some(4.9)), Ok(4));
    assert_eq!(write_length(10, Some(10.0)), Ok(10));
    assert_eq!(write_length(10, Some(1e300)), Ok(10));
    assert_eq!(write_length(10, Some(f64::INFINITY)), Ok(10));
    assert_eq!(write_length(10, Some(0.0)), Ok(0));
    assert_eq!(write_length(10, Some(-0.0)), Ok(0));
    assert_eq!(write_length(0, Some(3.0)), Ok(0));
}

#[test]
fn a_negative_or_nan_length_is_refused() {
    for bad in [-1.0, -0.5, f64::NEG_INFINITY, f64::NAN] {
        let err = write_length(10, Some(bad)).unwrap_err();
        assert_eq!(err, CommandError::WriteLength);
        assert_eq!(err.message(), "write: length must be a non-negative number");
    }
}

#[test]
fn a_write_of_nothing_takes_nothing_and_queues_nothing() {
    let (mut e, _) = connected_engine();
    assert_eq!(e.write(Vec::new()), 0);
    assert_eq!(e.write_held(held(0)), 0);
    assert_eq!(through(&mut e, 0, 1), Through::Refused);
    assert_eq!(e.reserve(0), None);
    assert_eq!(drain_actions(&mut e), []);
    assert_eq!(drain_events(&mut e), []);
    assert_eq!(e.buffered_amount(), 0);
    assert_eq!(e.last_error(), "");
}

#[test]
fn a_destroyed_socket_takes_no_write() {
    let (mut e, _) = connected_engine();
    e.destroy();
    drain(&mut e);
    assert_eq!(e.write(b"x".to_vec()), 0);
    assert_eq!(e.write_held(held(1)), 0);
    assert_eq!(through(&mut e, 1, 1), Through::Refused);
    assert_eq!(e.reserve(1), None);
    assert_eq!(drain_actions(&mut e), []);
    assert_eq!(e.last_error(), "the socket was destroyed");
}
