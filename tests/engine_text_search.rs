//! src/engine/text.rs's byte search and replace (used instead of `str::find` / `replace`, for
//! module size) give std's answers, on random text with matches and near-misses.

// proptest does not build for wasm32 (Cargo.toml).
#![cfg(not(target_arch = "wasm32"))]

use kvsocket::engine::text::{find, replace};
use proptest::prelude::*;

/// Short texts over a small alphabet (so that needles occur, overlap and nearly occur), with a
/// few multi-byte characters.
fn text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop::sample::select(vec!['a', 'b', ':', ' ', '{', '}', 'é', '€']),
        0..24,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

proptest! {
    #[test]
    fn find_is_strs(hay in text(), needle in text()) {
        prop_assert_eq!(find(&hay, &needle), hay.find(needle.as_str()));
    }

    #[test]
    fn replace_is_strs(hay in text(), from in text().prop_filter("not empty", |s| !s.is_empty()), to in text()) {
        prop_assert_eq!(replace(&hay, &from, &to, true), hay.replace(from.as_str(), &to));
        prop_assert_eq!(replace(&hay, &from, &to, false), hay.replacen(from.as_str(), &to, 1));
    }
}

#[test]
fn the_uses_here() {
    assert_eq!(find("ECONNREFUSED: the target refused", ": "), Some(12));
    assert_eq!(
        replace("wss://p/{host}/{port}?h={host}", "{host}", "10.0.0.1", true),
        "wss://p/10.0.0.1/{port}?h=10.0.0.1"
    );
    assert_eq!(
        replace("a: Error: b: Error: c", ": Error: ", ": ", false),
        "a: b: Error: c"
    );
}
