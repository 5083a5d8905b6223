//! Fails when `wit/kvsocket.wit` and the Rust engine drift apart: an enum case, an input, an
//! action, an event or a socket command added, removed or renamed on one side only.
//!
//! Three layers, so that no drift slips through:
//! - an exhaustive `match` per Rust type maps each variant to its WIT case name: a Rust variant
//!   without a mapping does not compile;
//! - one sample value per variant, checked against the variants declared in `src/engine/io.rs`
//!   (read as text), so the samples cannot silently miss a variant;
//! - the mapped names against the cases parsed from the WIT, in both directions.
//!
//! The component crate (`component/`) converts the same types with exhaustive matches too, so
//! it stops compiling on the same drifts; this test catches them in the root `cargo test`.

use std::collections::BTreeSet;
use std::net::SocketAddr;

use kvsocket::engine::tls_options::TlsOptions;
use kvsocket::engine::{Action, ErrorCode, Event, Held, Input, Protocol, Status};

const WIT: &str = include_str!("../wit/kvsocket.wit");
const IO_RS: &str = include_str!("../src/engine/io.rs");
/// `impl Engine`, split by side over `socket.rs` and `socket/*.rs`: every file of it, so that a
/// command moved between them is still found (`rust_engine_methods` checks that none is missing).
const ENGINE_IMPLS: [&str; 8] = [
    include_str!("../src/engine/socket.rs"),
    include_str!("../src/engine/socket/incoming.rs"),
    include_str!("../src/engine/socket/input.rs"),
    include_str!("../src/engine/socket/options.rs"),
    include_str!("../src/engine/socket/read.rs"),
    include_str!("../src/engine/socket/settings.rs"),
    include_str!("../src/engine/socket/tls.rs"),
    include_str!("../src/engine/socket/write.rs"),
];

// ----- the exhaustive mappings -----------------------------------------------------------------

fn input_case(input: &Input) -> &'static str {
    match input {
        Input::Resolved { .. } => "resolved",
        Input::Connected { .. } => "connected",
        Input::Received { .. } => "received",
        Input::Sent { .. } => "sent",
        Input::PeerClosed { .. } => "peer-closed",
        Input::Closed { .. } => "closed",
        Input::Flushed { .. } => "flushed",
        Input::Failed { .. } => "failed",
        Input::Listening { .. } => "listening",
        Input::Secure { .. } => "secure",
        Input::WsClosed { .. } => "ws-closed",
    }
}

fn action_case(action: &Action) -> &'static str {
    match action {
        Action::Resolve { .. } => "resolve",
        Action::Connect { .. } => "connect",
        Action::ConnectName { .. } => "connect-name",
        Action::Send { .. } => "send",
        // Held chunks are the JS hosts' (src/bindings/); the component writes owned bytes, and a
        // held chunk of bytes would go out as a `send`.
        Action::SendHeld { .. } => "send",
        Action::Shutdown { .. } => "shutdown",
        Action::EndOutput { .. } => "end-output",
        Action::Configure { .. } => "configure",
        Action::Abort { .. } => "abort",
        Action::PauseReading { .. } => "pause-reading",
        Action::ResumeReading { .. } => "resume-reading",
        Action::Listen { .. } => "listen",
        Action::StartTls { .. } => "start-tls",
    }
}

fn event_case(event: &Event) -> &'static str {
    match event {
        Event::StateChanged(_) => "state-changed",
        Event::HostFound => "host-found",
        Event::Connected => "connected",
        Event::ConnectFailed { .. } => "connect-failed",
        Event::Error { .. } => "error",
        Event::DataAvailable(_) => "data-available",
        Event::Disconnected(_) => "disconnected",
        Event::IncomingConnection => "incoming-connection",
        Event::Drain => "drain",
        Event::Idle => "idle",
        Event::Listening { .. } => "listening",
        Event::Secure => "secure",
    }
}

fn protocol_case(protocol: Protocol) -> &'static str {
    match protocol {
        Protocol::Tcp => "tcp",
        Protocol::Udp => "udp",
    }
}

// ----- one sample per variant --------------------------------------------------------------------

fn addr() -> SocketAddr {
    "127.0.0.1:6667".parse().unwrap()
}

fn input_samples() -> Vec<Input> {
    let (id, error) = (1, String::new());
    vec![
        Input::Resolved { id, addrs: vec![] },
        Input::Connected {
            id,
            local: addr(),
            remote: addr(),
        },
        Input::Received {
            id,
            data: vec![],
            from: None,
        },
        Input::Sent { id, len: 0 },
        Input::PeerClosed { id },
        Input::Closed { id },
        Input::Flushed { id },
        Input::Failed { id, error },
        Input::Listening { id, local: addr() },
        Input::Secure { id },
        Input::WsClosed {
            id,
            code: 1000,
            reason: String::new(),
            opened: true,
        },
    ]
}

fn action_samples() -> Vec<Action> {
    let (id, protocol) = (1, Protocol::Tcp);
    vec![
        Action::Resolve {
            id,
            host: "localhost".into(),
        },
        Action::Connect {
            id,
            addr: addr(),
            protocol,
        },
        Action::ConnectName {
            id,
            host: "localhost".into(),
            port: 80,
            protocol,
        },
        Action::Send {
            id,
            data: vec![],
            to: None,
        },
        Action::SendHeld {
            id,
            data: Held::new(Vec::<u8>::new(), 0),
        },
        Action::Shutdown { id },
        Action::Abort { id },
        Action::EndOutput { id },
        Action::Configure {
            id,
            no_delay: true,
            keep_alive: None,
        },
        Action::PauseReading { id },
        Action::ResumeReading { id },
        Action::Listen {
            id,
            addr: addr(),
            ipv6_only: false,
            protocol,
        },
        Action::StartTls {
            id,
            tls: Box::new(TlsOptions::on(true).resolve(None, addr().ip())),
        },
    ]
}

fn event_samples() -> Vec<Event> {
    let code = ErrorCode::UnknownSocket;
    vec![
        Event::StateChanged(Status::Connected),
        Event::HostFound,
        Event::Connected,
        Event::ConnectFailed {
            code,
            reason: String::new(),
        },
        Event::Error {
            code,
            message: String::new(),
            fatal: true,
        },
        Event::DataAvailable(0),
        Event::Disconnected(String::new()),
        Event::IncomingConnection,
        Event::Drain,
        Event::Idle,
        Event::Listening { local: addr() },
        Event::Secure,
    ]
}

// ----- a small WIT reader --------------------------------------------------------------------------

/// `HostLookUp` -> `host-look-up`, `read_text` -> `read-text`.
fn kebab(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c == '_' {
            out.push('-');
        } else if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The source without `//` comments (WIT and Rust both), so doc text never reads as code.
fn strip_comments(source: &str) -> String {
    source
        .lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The text between the braces that follow `header` (e.g. `"enum status"`).
fn block<'a>(source: &'a str, header: &str) -> &'a str {
    let start = source
        .match_indices(header)
        .map(|(at, _)| at + header.len())
        .find(|&end| source[end..].trim_start().starts_with('{'))
        .unwrap_or_else(|| panic!("`{header} {{` not found"));
    let open = start + source[start..].find('{').unwrap();
    let mut depth = 0;
    for (i, c) in source[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return &source[open + 1..open + i];
                }
            }
            _ => {}
        }
    }
    panic!("`{header}` is not closed")
}

/// The case names of a WIT `enum` or `variant`, in order (payloads and `%` escapes removed).
fn wit_cases(kind: &str, name: &str) -> Vec<String> {
    let body = block(&strip_comments(WIT), &format!("{kind} {name}")).to_string();
    let mut cases = Vec::new();
    let (mut depth, mut current) = (0, String::new());
    for c in body.chars().chain(std::iter::once(',')) {
        match c {
            '(' | '<' => depth += 1,
            ')' | '>' => depth -= 1,
            ',' if depth == 0 => {
                let case = current.trim().trim_start_matches('%');
                if !case.is_empty() {
                    cases.push(case.to_string());
                }
                current.clear();
                continue;
            }
            _ if depth == 0 => current.push(c),
            _ => {}
        }
    }
    cases
}

/// The method names of the WIT `socket` resource (`constructor` for the constructor).
fn wit_methods() -> BTreeSet<String> {
    block(&strip_comments(WIT), "resource socket")
        .split(';')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            if item.starts_with("constructor(") {
                "constructor".to_string()
            } else {
                let (name, rest) = item.split_once(':').expect("`name: func(...)`");
                assert!(rest.trim_start().starts_with("func("), "{item}");
                name.trim().trim_start_matches('%').to_string()
            }
        })
        .collect()
}

/// The variants of a Rust `pub enum` in `src/engine/io.rs`, as declared.
fn rust_variants(name: &str) -> Vec<String> {
    let body = block(&strip_comments(IO_RS), &format!("pub enum {name}")).to_string();
    let mut depth = 0;
    let mut variants = Vec::new();
    for line in body.lines() {
        let trimmed = line.trim();
        if depth == 0 && trimmed.starts_with(|c: char| c.is_ascii_uppercase()) {
            let end = trimmed
                .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                .unwrap_or(trimmed.len());
            variants.push(trimmed[..end].to_string());
        }
        depth += trimmed.matches('{').count() as i32 - trimmed.matches('}').count() as i32;
        depth += trimmed.matches('(').count() as i32 - trimmed.matches(')').count() as i32;
    }
    variants
}

/// The `pub fn`s of `impl Engine` in `src/engine/socket.rs` and `src/engine/socket/*.rs`.
fn rust_engine_methods() -> BTreeSet<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/engine/socket");
    let files = std::fs::read_dir(dir).map_or(0, |entries| entries.count());
    assert_eq!(
        files + 1,
        ENGINE_IMPLS.len(),
        "tests/wit_drift.rs: ENGINE_IMPLS must list socket.rs and every file of {dir}"
    );
    ENGINE_IMPLS
        .iter()
        .flat_map(|source| {
            block(&strip_comments(source), "impl Engine")
                .lines()
                .filter_map(|line| line.trim().strip_prefix("pub fn "))
                .map(|rest| rest[..rest.find(['(', '<']).unwrap()].to_string())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The variant name of a value, from its `Debug` form (`Connected { .. }` -> `Connected`).
fn debug_variant(value: &impl std::fmt::Debug) -> String {
    let text = format!("{value:?}");
    let end = text
        .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .unwrap_or(text.len());
    text[..end].to_string()
}

/// Samples cover every declared Rust variant once, and the mapped names equal the WIT's cases.
fn check_variant<T: std::fmt::Debug>(
    rust_enum: &str,
    wit_variant: &str,
    samples: &[T],
    case: fn(&T) -> &'static str,
) {
    let declared = rust_variants(rust_enum);
    let sampled: Vec<String> = samples.iter().map(debug_variant).collect();
    assert_eq!(
        sampled, declared,
        "tests/wit_drift.rs: the samples of {rust_enum} must list each variant of \
         src/engine/io.rs once, in order; add a sample (and a mapping arm) for a new variant"
    );
    let mapped: BTreeSet<String> = samples.iter().map(|s| case(s).to_string()).collect();
    let wit: BTreeSet<String> = wit_cases("variant", wit_variant).into_iter().collect();
    let missing: Vec<_> = mapped.difference(&wit).collect();
    assert!(
        missing.is_empty(),
        "Rust {rust_enum} maps to {missing:?}, which `variant {wit_variant}` in wit/kvsocket.wit lacks"
    );
    let extra: Vec<_> = wit.difference(&mapped).collect();
    assert!(
        extra.is_empty(),
        "`variant {wit_variant}` in wit/kvsocket.wit has {extra:?}, which no Rust {rust_enum} variant maps to"
    );
    for (sample, rust_name) in samples.iter().zip(&declared) {
        if HELD_ONLY.contains(&kebab(rust_name).as_str()) {
            continue;
        }
        assert_eq!(
            case(sample),
            kebab(rust_name),
            "WIT case names are the Rust variant names in kebab-case"
        );
    }
}

// ----- the tests ---------------------------------------------------------------------------------

#[test]
fn error_codes_match_spec_names_in_order() {
    let rust: Vec<String> = ErrorCode::ALL.iter().map(|c| kebab(c.name())).collect();
    assert_eq!(
        wit_cases("enum", "error-code"),
        rust,
        "`enum error-code` must list ErrorCode::ALL (docs/spec.md's names, kebab-cased) in order"
    );
}

#[test]
fn statuses_match_in_numeric_order() {
    for (i, status) in Status::ALL.iter().enumerate() {
        assert_eq!(
            usize::from(status.number()),
            i,
            "Status::ALL is in numeric order"
        );
    }
    let rust: Vec<String> = Status::ALL.iter().map(|s| kebab(s.name())).collect();
    assert_eq!(
        wit_cases("enum", "status"),
        rust,
        "`enum status` must list the statuses in docs/spec.md's numbering (case index = number)"
    );
    assert_eq!(rust_variants("Status").len(), Status::ALL.len());
}

#[test]
fn protocols_match() {
    let declared = rust_variants("Protocol");
    let samples = [Protocol::Tcp, Protocol::Udp];
    assert_eq!(
        samples.iter().map(debug_variant).collect::<Vec<_>>(),
        declared
    );
    for p in samples {
        assert_eq!(protocol_case(p), p.name());
    }
    let rust: Vec<String> = samples
        .iter()
        .map(|p| protocol_case(*p).to_string())
        .collect();
    assert_eq!(wit_cases("enum", "protocol"), rust);
}

#[test]
fn inputs_match() {
    check_variant("Input", "input", &input_samples(), input_case);
}

#[test]
fn actions_match() {
    check_variant("Action", "action", &action_samples(), action_case);
}

#[test]
fn events_match() {
    check_variant("Event", "event", &event_samples(), event_case);
}

/// Rust engine methods and their WIT names, where kebab-case of the Rust name is not it.
const RENAMED: [(&str, &str); 3] = [
    ("new", "constructor"),
    ("remote", "remote-address"),
    ("local", "local-address"),
];

/// The engine's held form (src/engine/held.rs): chunks a JS host gives by handle, for the wasm
/// bindings, and `let_through`, which lets a write through before the JS host hands its chunk
/// over. A component's host gives owned bytes (`write`, `write-through` with the bytes,
/// `received`), so these have no WIT counterpart.
const HELD_ONLY: [&str; 7] = [
    "send-held",
    "let-through",
    "holds",
    "read-held",
    "received-held",
    "replace-held",
    "write-held",
];

#[test]
fn socket_commands_match() {
    let wit_name = |rust: &str| {
        RENAMED
            .iter()
            .find(|(r, _)| *r == rust)
            .map_or_else(|| kebab(rust), |(_, w)| w.to_string())
    };
    let rust: BTreeSet<String> = rust_engine_methods()
        .iter()
        .map(|m| wit_name(m))
        .filter(|m| !HELD_ONLY.contains(&m.as_str()))
        .collect();
    let wit = wit_methods();
    assert!(
        rust.contains("connect") && wit.contains("poll-event"),
        "parsers found nothing"
    );
    let missing: Vec<_> = rust.difference(&wit).collect();
    assert!(
        missing.is_empty(),
        "Engine has public methods {missing:?} (WIT names) that `resource socket` in wit/kvsocket.wit lacks"
    );
    let extra: Vec<_> = wit.difference(&rust).collect();
    assert!(
        extra.is_empty(),
        "`resource socket` in wit/kvsocket.wit has {extra:?}, which Engine does not have"
    );
}

#[test]
fn the_reader_reads_what_it_should() {
    assert_eq!(kebab("HostLookUp"), "host-look-up");
    assert_eq!(kebab("read_text"), "read-text");
    assert_eq!(
        wit_cases("variant", "port-arg"),
        ["number", "text", "other"]
    );
    assert_eq!(wit_cases("variant", "ip-address"), ["ipv4", "ipv6"]);
    assert_eq!(rust_variants("Protocol"), ["Tcp", "Udp"]);
}
