//! `cargo bench --bench engine` (run by `npm run bench` through benches/engine.sh): the sans-IO
//! engine alone, no host, no I/O. One connected TCP engine; the loop is what a host does per
//! chunk:
//!   send:    write(chunk) + poll_action (the Send) + handle(Sent) + poll_event (drain)
//!   receive: handle(Received) + poll_event (dataAvailable) + read_bytes
//! Printed as MiB/s and operations/s for a few chunk sizes. Plain `harness = false`, no
//! dependency: best of a few timed runs of a fixed byte budget each.
use std::hint::black_box;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use kvsocket::engine::{Action, ConnId, Engine, Input, PortArg, Status};

const MIB: f64 = 1024.0 * 1024.0;

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn connected() -> (Engine, ConnId) {
    let mut e = Engine::new();
    e.connect(Some("127.0.0.1"), &PortArg::from(6667u16), 0)
        .expect("connect by IP starts");
    let id = e.current_id().expect("an attempt has an id");
    let local: SocketAddr = "127.0.0.1:50000".parse().expect("literal");
    let remote: SocketAddr = "127.0.0.1:6667".parse().expect("literal");
    e.handle(Input::Connected { id, local, remote });
    while e.poll_action().is_some() {}
    while e.poll_event().is_some() {}
    assert_eq!(e.status(), Status::Connected);
    (e, id)
}

/// Bytes through write -> Send -> Sent, `total` bytes in `chunk`-sized writes. Returns elapsed.
fn send(chunk: usize, total: usize) -> Duration {
    let (mut e, id) = connected();
    let data = vec![0x61u8; chunk];
    let ops = total / chunk;
    let start = Instant::now();
    for _ in 0..ops {
        // The host's copy into the engine (JS -> wasm) is part of a write.
        let queued = e.write(black_box(data.clone()));
        debug_assert_eq!(queued, chunk);
        while let Some(action) = e.poll_action() {
            if let Action::Send { data, .. } = action {
                let len = black_box(data).len();
                e.handle(Input::Sent { id, len });
            }
        }
        while let Some(ev) = e.poll_event() {
            black_box(ev);
        }
    }
    let elapsed = start.elapsed();
    assert_eq!(e.buffered_amount(), 0);
    elapsed
}

/// Bytes through Received -> dataAvailable -> read_bytes.
fn receive(chunk: usize, total: usize) -> Duration {
    let (mut e, id) = connected();
    let data = vec![0x62u8; chunk];
    let ops = total / chunk;
    let start = Instant::now();
    for _ in 0..ops {
        e.handle(Input::Received {
            id,
            data: black_box(data.clone()),
            from: None,
        });
        while let Some(ev) = e.poll_event() {
            black_box(ev);
        }
        let got = black_box(e.read_bytes(None));
        debug_assert_eq!(got.len(), chunk);
        while let Some(action) = e.poll_action() {
            black_box(action);
        }
    }
    let elapsed = start.elapsed();
    assert_eq!(e.bytes_available(), 0);
    elapsed
}

fn best(rounds: usize, mut run: impl FnMut() -> Duration) -> Duration {
    (0..rounds).map(|_| run()).min().unwrap_or_default()
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` would pass nothing: run small then.
    let benching = std::env::args().any(|a| a == "--bench");
    let total = env_num("BENCH_ENGINE_MIB", if benching { 256 } else { 1 }) << 20;
    let rounds = env_num("BENCH_ROUNDS", if benching { 3 } else { 1 });
    println!(
        "engine alone (native, release; best of {rounds}; {} MiB per run)",
        total >> 20
    );
    for chunk in [16usize, 1024, 16 * 1024, 64 * 1024] {
        // Small chunks: fewer bytes, same number of operations order of magnitude.
        let bytes = if chunk < 1024 { total / 64 } else { total };
        let bytes = bytes.max(chunk);
        let ops = (bytes / chunk) as f64;
        for (name, f) in [
            ("write+Send+Sent", send as fn(usize, usize) -> Duration),
            ("Received+read", receive),
        ] {
            let secs = best(rounds, || f(chunk, bytes)).as_secs_f64().max(1e-9);
            println!(
                "{name:<16} chunk {chunk:>6} B  {:>9.0} MiB/s  {:>12.0} ops/s  {:>8.1} ns/op",
                (ops * chunk as f64) / MIB / secs,
                ops / secs,
                secs * 1e9 / ops,
            );
        }
    }
}
