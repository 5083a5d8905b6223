//! The batch: every output of one call into a batched engine (its actions, its events, its next
//! deadline) written as 32-bit words in wasm memory, where `js/batch.js` reads them through a
//! typed array. A host input or a script command is then one call into wasm, and no JS object
//! is built on the Rust side (building one field by field from Rust costs a crossing per field).
//!
//! Layout (docs/design.md, "The engine boundary"): a fixed header of four f64 at
//! [`batch_header`]: the address of the words, their count, the address of the text bytes,
//! and the deadline (`pollTimeout`, -1 for none). Records follow one another in the words:
//! `[kind, n, …n words]`. Strings are `(offset, length)` pairs into the text bytes (UTF-8); a
//! `send` record carries the address and length of its bytes, valid until the next batch; a
//! `sendHeld` record the shelf slot of its chunk, a `startTls` record the slot of its options
//! object (src/bindings/shelf.rs).
//! Kinds are numbered by their place in [`KINDS`], which JS reads by name at start-up, so the
//! numbering has this one place.

use std::cell::RefCell;
use std::net::SocketAddr;

use super::{convert, shelf};
use crate::engine::text::push_ip;
use crate::engine::{Action, Engine as Core, Event, Protocol, Queues};

/// Record kinds, actions then events; a kind's number is its index + 1.
pub const KINDS: [&str; 25] = [
    "resolve",
    "connect",
    "connectName",
    "send",
    "sendHeld",
    "shutdown",
    "abort",
    "pause",
    "resume",
    "listen",
    "endOutput",
    "configure",
    "stateChanged",
    "hostFound",
    "connected",
    "connectFailed",
    "error",
    "dataAvailable",
    "disconnected",
    "incomingConnection",
    "drain",
    "listening",
    "idle",
    "startTls",
    "secure",
];

const fn kind(name: &str) -> u32 {
    let mut i = 0;
    while i < KINDS.len() {
        if eq(KINDS[i].as_bytes(), name.as_bytes()) {
            return i as u32 + 1;
        }
        i += 1;
    }
    panic!("unknown batch kind") // compile time only: every use below is a constant
}

const fn eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

const RESOLVE: u32 = kind("resolve");
const CONNECT: u32 = kind("connect");
const CONNECT_NAME: u32 = kind("connectName");
const SEND: u32 = kind("send");
const SEND_HELD: u32 = kind("sendHeld");
const SHUTDOWN: u32 = kind("shutdown");
const ABORT: u32 = kind("abort");
const PAUSE: u32 = kind("pause");
const RESUME: u32 = kind("resume");
const LISTEN: u32 = kind("listen");
const END_OUTPUT: u32 = kind("endOutput");
const CONFIGURE: u32 = kind("configure");
const IDLE: u32 = kind("idle");
const STATE_CHANGED: u32 = kind("stateChanged");
const HOST_FOUND: u32 = kind("hostFound");
const CONNECTED: u32 = kind("connected");
const CONNECT_FAILED: u32 = kind("connectFailed");
const ERROR: u32 = kind("error");
const DATA_AVAILABLE: u32 = kind("dataAvailable");
const DISCONNECTED: u32 = kind("disconnected");
const INCOMING_CONNECTION: u32 = kind("incomingConnection");
const DRAIN: u32 = kind("drain");
const LISTENING: u32 = kind("listening");
const START_TLS: u32 = kind("startTls");
const SECURE: u32 = kind("secure");

#[derive(Default)]
struct Batch {
    /// The header JS reads first; boxed so that its address never changes.
    header: Box<[f64; 4]>,
    words: Vec<u32>,
    text: Vec<u8>,
    /// The bytes of this batch's `send` records, kept until the next batch: JS copies them
    /// before it performs anything (which may start another batch).
    held: Vec<Vec<u8>>,
    /// The shelf slots this batch's `sendHeld` records used (src/bindings/shelf.rs).
    shelved: u32,
    /// Where an address is written as text before it joins `text`: reused, so that a connect
    /// allocates nothing for its address (a fresh String grown a character at a time was a
    /// third of `connect`'s time in wasm).
    scratch: String,
}

thread_local! {
    static BATCH: RefCell<Batch> = RefCell::new(Batch::default());
    /// The output queues lent to the engine being called (`lend`), with their memory, and
    /// taken back when it is drained (`write`): idle engines hold no queue memory (10 000 idle
    /// sockets), and the hot calls allocate none.
    static SPARE: RefCell<Queues> = RefCell::new(Queues::default());
}

/// Lends the spare output queues to `core` for the call about to be made.
pub fn lend(core: &mut Core) {
    SPARE.with(|s| {
        let mut s = s.borrow_mut();
        if s.allocated() {
            core.swap_queues(&mut s);
        }
    })
}

/// Takes `core`'s drained queues back as the spare, or frees them when there is one.
fn reclaim(core: &mut Core) {
    SPARE.with(|s| {
        let mut s = s.borrow_mut();
        if s.allocated() {
            core.swap_queues(&mut Queues::default());
        } else {
            core.swap_queues(&mut s);
        }
    })
}

/// The address of the header (four f64: words address, word count, text address, deadline).
pub fn header_address() -> u32 {
    BATCH.with(|b| b.borrow().header.as_ptr() as u32)
}

/// Drains `core`'s actions and events into the batch, replacing the previous batch.
pub fn write(core: &mut Core) {
    BATCH.with(|b| {
        let mut b = b.borrow_mut();
        b.words.clear();
        b.text.clear();
        b.held.clear();
        b.shelved = 0;
        while let Some(action) = core.poll_action() {
            b.action(action);
        }
        while let Some(event) = core.poll_event() {
            b.event(event);
        }
        reclaim(core);
        let deadline = core.poll_timeout().map_or(-1.0, |t| t as f64);
        let (words, count, text) = (
            b.words.as_ptr() as u32,
            b.words.len() as u32,
            b.text.as_ptr() as u32,
        );
        *b.header = [
            f64::from(words),
            f64::from(count),
            f64::from(text),
            deadline,
        ];
    })
}

impl Batch {
    fn record(&mut self, kind: u32, fields: &[u32]) {
        self.words.push(kind);
        self.words.push(fields.len() as u32);
        self.words.extend_from_slice(fields);
    }

    /// Appends text and returns its (offset, length).
    fn text(&mut self, s: &str) -> [u32; 2] {
        let at = self.text.len() as u32;
        self.text.extend_from_slice(s.as_bytes());
        [at, s.len() as u32]
    }

    fn ip(&mut self, addr: &SocketAddr) -> [u32; 2] {
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        push_ip(&mut scratch, &addr.ip());
        let at = self.text(&scratch);
        self.scratch = scratch;
        at
    }

    fn action(&mut self, action: Action) {
        let id = action.id();
        match action {
            Action::Resolve { host, .. } => {
                let [o, l] = self.text(&host);
                self.record(RESOLVE, &[id, o, l]);
            }
            Action::Connect { addr, protocol, .. } => {
                let [o, l] = self.ip(&addr);
                self.record(CONNECT, &[id, o, l, addr.port().into(), udp(protocol)]);
            }
            Action::ConnectName {
                host,
                port,
                protocol,
                ..
            } => {
                let [o, l] = self.text(&host);
                self.record(CONNECT_NAME, &[id, o, l, port.into(), udp(protocol)]);
            }
            Action::Send { data, to, .. } => {
                let (ptr, len) = (data.as_ptr() as u32, data.len() as u32);
                self.held.push(data);
                match to {
                    Some(to) => {
                        let [o, l] = self.ip(&to);
                        self.record(SEND, &[id, ptr, len, o, l, to.port().into()]);
                    }
                    None => self.record(SEND, &[id, ptr, len]),
                }
            }
            Action::SendHeld { data, .. } => {
                // The chunk itself goes on the shelf (slots from 1); the record names the slot.
                self.shelved += 1;
                if let Some(value) = shelf::value_of(&data) {
                    shelf::put(self.shelved, value);
                }
                self.record(SEND_HELD, &[id, self.shelved]);
            }
            Action::Shutdown { .. } => self.record(SHUTDOWN, &[id]),
            Action::EndOutput { .. } => self.record(END_OUTPUT, &[id]),
            // keep-alive: 0 off, else 1 + the delay in ms (0: the system's), saturated to u32.
            Action::Configure {
                no_delay,
                keep_alive,
                ..
            } => {
                let keep = keep_alive.map_or(0, |ms| u32::try_from(ms).unwrap_or(u32::MAX - 1) + 1);
                self.record(CONFIGURE, &[id, no_delay.into(), keep]);
            }
            Action::Abort { .. } => self.record(ABORT, &[id]),
            Action::PauseReading { .. } => self.record(PAUSE, &[id]),
            Action::ResumeReading { .. } => self.record(RESUME, &[id]),
            Action::StartTls { tls, .. } => {
                // The handshake's options go on the shelf as one JS object (off the hot path).
                self.shelved += 1;
                shelf::put(self.shelved, &convert::tls_to_js(&tls));
                self.record(START_TLS, &[id, self.shelved]);
            }
            Action::Listen {
                addr,
                ipv6_only,
                protocol,
                ..
            } => {
                let [o, l] = self.ip(&addr);
                self.record(
                    LISTEN,
                    &[
                        id,
                        o,
                        l,
                        addr.port().into(),
                        udp(protocol),
                        ipv6_only.into(),
                    ],
                );
            }
        }
    }

    fn event(&mut self, event: Event) {
        match event {
            Event::StateChanged(status) => {
                let [o, l] = self.text(status.name());
                self.record(STATE_CHANGED, &[status.number().into(), o, l]);
            }
            Event::HostFound => self.record(HOST_FOUND, &[]),
            Event::Connected => self.record(CONNECTED, &[]),
            Event::ConnectFailed { code, reason } => {
                let [co, cl] = self.text(code.name());
                let [ro, rl] = self.text(&reason);
                self.record(CONNECT_FAILED, &[co, cl, ro, rl]);
            }
            Event::Error {
                code,
                message,
                fatal,
            } => {
                let [co, cl] = self.text(code.name());
                let [mo, ml] = self.text(&message);
                self.record(ERROR, &[co, cl, mo, ml, fatal.into()]);
            }
            Event::DataAvailable(length) => self.record(DATA_AVAILABLE, &[length as u32]),
            Event::Disconnected(error) => {
                let [o, l] = self.text(&error);
                self.record(DISCONNECTED, &[o, l]);
            }
            Event::IncomingConnection => self.record(INCOMING_CONNECTION, &[]),
            Event::Drain => self.record(DRAIN, &[]),
            Event::Idle => self.record(IDLE, &[]),
            Event::Secure => self.record(SECURE, &[]),
            Event::Listening { local } => {
                let [o, l] = self.ip(&local);
                self.record(LISTENING, &[o, l, local.port().into()]);
            }
        }
    }
}

fn udp(protocol: Protocol) -> u32 {
    u32::from(protocol == Protocol::Udp)
}
