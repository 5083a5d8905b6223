//! The wasm-bindgen surface: the engine as a JS class `Engine`. It converts JS values to engine
//! types and back and decides nothing; it calls into JS only for built-in objects (the shelf's
//! array, typed arrays), never a script's code, so no script callback can run while an engine
//! is borrowed (the facade drains events, then dispatches).

mod batch;
mod convert;
mod direct;
mod options;
pub mod shelf;
mod text;
pub mod tuning;

use std::net::SocketAddr;

use js_sys::Array;
use wasm_bindgen::prelude::*;

use crate::engine::address::parse_host_ip;
use crate::engine::address::PortArg;
use crate::engine::recv::{decode_hex, decode_text, encode_hex, length_arg};
use crate::engine::text::ip_text;
use crate::engine::{AcceptArgs, AcceptAs, CommandError, Engine as Core, Held, Input, Protocol};
pub(crate) use convert::action_to_js;
use convert::{event_to_js, parse_addr, port_arg};

/// The bytes of `writeHex(hex)`'s argument; throws TypeError for an odd length or a non-hex digit.
#[wasm_bindgen(js_name = hexToBytes)]
pub fn hex_to_bytes(hex: &str) -> Result<Vec<u8>, JsValue> {
    decode_hex(hex).ok_or_else(|| {
        js_sys::TypeError::new("writeHex: expected an even number of hex digits (0-9, a-f)").into()
    })
}

/// `read(length)`'s text for bytes the engine held by handle (`Engine.readHeld`): the engine's decoding
/// (UTF-8, invalid sequences as U+FFFD, NUL as U+00FF).
#[wasm_bindgen(js_name = textOfBytes)]
pub fn decode_text_js(bytes: &[u8]) -> String {
    decode_text(bytes)
}

/// `readHex(length)`'s text for bytes the engine held by handle.
#[wasm_bindgen(js_name = hexOfBytes)]
pub fn encode_hex_js(bytes: &[u8]) -> String {
    encode_hex(bytes)
}

/// A setting that is not a number reaches the engine as NaN, which it refuses like any other
/// value that is not a positive integer.
fn number_or_nan(value: &JsValue) -> f64 {
    value.as_f64().unwrap_or(f64::NAN)
}

/// A refused setting throws TypeError with the engine's message (docs/spec.md: `setConnectTimeout`).
fn type_error(result: Result<(), CommandError>) -> Result<(), JsValue> {
    result.map_err(|e| js_sys::TypeError::new(&e.message()).into())
}

/// Why a browser socket with this proxy URL (`options.proxy`, any value) cannot do `command`
/// ('connect' or 'listen') over UDP (`udp`) or TCP, or '' when it can: a Wisp URL's refusal
/// (src/transport/wisp/url.rs), else engine::proxy's. The browser entry's `refuse`.
#[wasm_bindgen(js_name = browserRefusal)]
pub fn browser_refusal(proxy: JsValue, command: &str, udp: bool) -> String {
    let proxy = proxy.as_string();
    match proxy.as_deref() {
        Some(url) if crate::transport::is_wisp_url(url) => {
            crate::transport::wisp_refusal(url, command)
        }
        proxy => crate::engine::proxy::browser_refusal(proxy, command == "listen", udp)
            .unwrap_or_default(),
    }
}

/// The TypeError text for `new Socket({ proxy })` in Node (engine::proxy::node_proxy_refusal),
/// or '' when the option is absent or a Wisp URL.
#[wasm_bindgen(js_name = nodeProxyRefusal)]
pub fn node_proxy_refusal(proxy: JsValue) -> String {
    let wisp = proxy
        .as_string()
        .is_some_and(|url| crate::transport::is_wisp_url(&url));
    crate::engine::proxy::node_proxy_refusal(!proxy.is_undefined(), wisp)
        .unwrap_or_default()
        .to_owned()
}

/// The address of the batch header (src/bindings/batch.rs): four f64 in wasm memory.
#[wasm_bindgen(js_name = batchHeader)]
pub fn batch_header() -> u32 {
    batch::header_address()
}

/// The statuses' names in numeric order (`status()`'s numbers: name n is status n),
/// space-separated: the JS layers read the numbers from here (js/status.js).
#[wasm_bindgen(js_name = statusNames)]
pub fn status_names() -> String {
    let names: Vec<&str> = crate::engine::Status::ALL
        .iter()
        .map(|s| s.name())
        .collect();
    names.join(" ")
}

/// The statuses (their names, space-separated) in which nothing more is read or reported of a
/// connection (engine::Status::is_over): a `stateChanged` to one ends what the promise and
/// stream layers follow (js/status.js learns them with the numbers).
#[wasm_bindgen(js_name = overStatuses)]
pub fn over_statuses() -> String {
    let names: Vec<&str> = crate::engine::Status::ALL
        .iter()
        .filter(|s| s.is_over())
        .map(|s| s.name())
        .collect();
    names.join(" ")
}

/// The batch's record kinds in numeric order (kind n is item n - 1), space-separated.
/// The error name scripts see for a host's error name (`ErrorCode::from_host`): tlsInfo()'s
/// `authorizationError` from node:tls's code, named as the page's TLS module names it.
#[wasm_bindgen(js_name = errorCodeName)]
pub fn error_code_name(host_name: &str) -> String {
    crate::engine::ErrorCode::from_host(host_name)
        .name()
        .to_string()
}

#[wasm_bindgen(js_name = batchKinds)]
pub fn batch_kinds() -> String {
    batch::KINDS.join(" ")
}

/// What `inspect()` shows of a socket, for debugging, never on the data path. JS gets it as a
/// plain object with these fields in camelCase ([`Snapshot::to_js`]: serde-wasm-bindgen).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    pub status: &'static str,
    pub protocol: &'static str,
    pub remote_ip: String,
    pub remote_port: u16,
    pub local_ip: String,
    pub local_port: u16,
    pub bytes_available: usize,
    pub buffered_amount: usize,
    pub needs_drain: bool,
    pub idle_timeout: u64,
    pub last_error: String,
    /// Only after `destroy()` (then `true`); the other fields are what a destroyed engine
    /// answers (engine::Engine::destroy).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub destroyed: bool,
}

impl Snapshot {
    /// The plain object `socket.inspect()` returns (serde-wasm-bindgen: a struct becomes a plain
    /// object, numbers up to 2^53 - 1 numbers, which every count and the idle timeout are).
    pub fn to_js(&self) -> Result<JsValue, JsValue> {
        serde_wasm_bindgen::to_value(self).map_err(Into::into)
    }
}

/// The snapshot of one engine.
pub fn snapshot(core: &Core) -> Snapshot {
    let (remote, local) = (core.remote(), core.local());
    Snapshot {
        status: core.status().name(),
        protocol: core.protocol().name(),
        remote_ip: remote.map(|a| ip_text(&a.ip())).unwrap_or_default(),
        remote_port: remote.map_or(0, |a| a.port()),
        local_ip: local.map(|a| ip_text(&a.ip())).unwrap_or_default(),
        local_port: local.map_or(0, |a| a.port()),
        bytes_available: core.bytes_available(),
        buffered_amount: core.buffered_amount(),
        needs_drain: core.needs_drain(),
        idle_timeout: core.idle_timeout(),
        last_error: core.last_error().to_string(),
        destroyed: core.is_destroyed(),
    }
}

/// One socket's engine, driven by the JS facade.
#[wasm_bindgen]
pub struct Engine {
    core: Core,
    /// Outputs go to the batch after every call that can make some (JS reads them only there;
    /// an engine not batched keeps them for Rust callers' `poll_action` / `poll_event`).
    batched: bool,
    /// The last write of a view the caller lent for one call (`writeHeld`), until `lentQueued`.
    lent: Option<Held>,
}

impl Default for Engine {
    fn default() -> Self {
        Engine::new()
    }
}

#[wasm_bindgen]
impl Engine {
    #[wasm_bindgen(constructor)]
    pub fn new() -> Engine {
        Engine::around(Core::new(), false)
    }

    /// A new engine in batched mode: `new Engine()` and `setBatched(true)` in one call (the
    /// facade makes one per socket).
    #[wasm_bindgen(js_name = newBatched)]
    pub fn new_batched() -> Engine {
        Engine::around(Core::new(), true)
    }

    /// `new Socket(options)`: reads the options object (src/bindings/options.rs) and applies it;
    /// throws TypeError for a value that is not an object, an unknown option, a wrong type, or
    /// a value the engine refuses. `now`: the host's clock in ms.
    pub fn configure(&mut self, options: JsValue, now: f64) -> Result<(), JsValue> {
        let result = options::configure(&mut self.core, &options, now);
        self.out();
        result
    }

    /// Batched mode (src/bindings/batch.rs): after each call that can make outputs, they are in
    /// the batch. Connections this engine accepts are batched too.
    #[wasm_bindgen(js_name = setBatched)]
    pub fn set_batched(&mut self, on: bool) {
        self.batched = on;
    }

    /// Writes the batch of what is pending without a command or input: an accepted connection's
    /// engine is born with outputs (its inherited no-delay / keep-alive, its idle deadline) that no
    /// call of its own has written yet (the listener's `incoming` wrote the listener's batch).
    pub fn flush(&mut self) {
        self.out();
    }

    /// Lends the batch's spare output queues for a call that makes outputs (batch.rs): the
    /// hot calls, and the ones every connection makes (connect, connected, the end), which
    /// otherwise allocated a pair of queues and freed it again.
    fn lend(&mut self) {
        if self.batched {
            batch::lend(&mut self.core);
        }
    }

    /// Writes the outputs to the batch when batched.
    fn out(&mut self) {
        if self.batched {
            batch::write(&mut self.core);
        }
    }

    // ----- commands -----

    /// `connect(host, port)`; `now` is the host's monotonic clock in ms.
    pub fn connect(&mut self, host: JsValue, port: JsValue, now: f64) -> bool {
        let host = host.as_string();
        self.lend();
        let ok = self
            .core
            .connect(host.as_deref(), &port_arg(&port, None), now as u64)
            .is_ok();
        self.out();
        ok
    }

    /// `connect` for the usual arguments, a string host and a number port: the same rules,
    /// with no JS value crossing (the general form asks JS for each argument's type and value,
    /// a call out of wasm each).
    #[wasm_bindgen(js_name = connectTo)]
    pub fn connect_to(&mut self, host: &str, port: f64, now: f64) -> bool {
        self.lend();
        let ok = self
            .core
            .connect(Some(host), &PortArg::Number(port), now as u64)
            .is_ok();
        self.out();
        ok
    }

    /// `listen(port = 0, iface = '', forceIpv6 = false)`.
    pub fn listen(&mut self, port: JsValue, iface: JsValue, force_ipv6: bool) -> bool {
        let iface = if iface.is_undefined() || iface.is_null() {
            Some(String::new())
        } else {
            iface.as_string()
        };
        let ok = self
            .core
            .listen(&port_arg(&port, Some(0)), iface.as_deref(), force_ipv6)
            .is_ok();
        self.out();
        ok
    }

    /// Queues bytes; returns how many were taken (0 when the status takes no writes).
    pub fn write(&mut self, data: Vec<u8>) -> u32 {
        let n = self.core.write(data) as u32;
        self.out();
        n
    }

    /// `write` for `len` stream bytes the engine holds by handle (engine::Engine::write_held):
    /// `data` is a Uint8Array, or an ASCII string for a host that sends text as it is. How many
    /// were taken; 0 on a UDP socket (then write the bytes) or when the status takes no writes.
    /// `lent`: `data` is the caller's view, valid for this call only (`lentQueued` after it).
    #[wasm_bindgen(js_name = writeHeld)]
    pub fn write_held(&mut self, data: JsValue, len: f64, lent: bool) -> f64 {
        self.lend();
        let held = Held::new(data, len.max(0.0) as usize);
        self.lent = lent.then(|| held.clone());
        let n = self.core.write_held(held);
        if n == 0 {
            self.lent = None;
        }
        self.out();
        n as f64
    }

    /// The call that lent a view to `writeHeld` ends: whether that view is still queued (then
    /// `replaceLent` with a copy of it, made by the host's own copier).
    #[wasm_bindgen(js_name = lentQueued)]
    pub fn lent_queued(&mut self) -> bool {
        let queued = self.lent.as_ref().is_some_and(|held| self.core.holds(held));
        if !queued {
            self.lent = None;
        }
        queued
    }

    /// Puts `copy` in the place of the lent view that `lentQueued` found still queued.
    #[wasm_bindgen(js_name = replaceLent)]
    pub fn replace_lent(&mut self, copy: JsValue) {
        if let Some(lent) = self.lent.take() {
            let len = lent.len();
            self.core.replace_held(&lent, || Held::new(copy, len));
        }
    }

    /// A write of `len` stream bytes for a host that hands bytes to its transport within the
    /// call (engine::Engine::let_through): the connection's id (> 0) when the host hands them
    /// to that transport now (then `unsent` for what it could not pass on); 0 when not let
    /// through: then write them as any write (`writeHeld`), which queues or refuses them.
    /// `turn`: the host's event-loop turn (a `close` in the same turn waits for `flushed`).
    #[wasm_bindgen(js_name = letThrough)]
    pub fn let_through(&mut self, len: f64, turn: u32) -> u32 {
        self.lend();
        let id = self.core.let_through(len.max(0.0) as usize, turn);
        self.out();
        id.unwrap_or(0)
    }

    /// What the host could not pass on at once of a write let through to transport `id`
    /// (engine::Engine::unsent).
    pub fn unsent(&mut self, id: u32, len: f64) {
        self.lend();
        self.core.unsent(id, len.max(0.0) as usize);
        self.out();
    }

    /// One datagram from a bound UDP socket to `ip`:`port`; 0 (and lastError) when refused.
    #[wasm_bindgen(js_name = writeTo)]
    pub fn write_to(&mut self, data: Vec<u8>, ip: JsValue, port: JsValue) -> u32 {
        let ip = ip.as_string();
        let n = self
            .core
            .write_to(data, ip.as_deref(), &port_arg(&port, None)) as u32;
        self.out();
        n
    }

    pub fn read(&mut self, length: JsValue) -> String {
        let text = self
            .core
            .read_text(length_arg(convert::length_value(&length)));
        self.out();
        text
    }

    /// Keeps room for `len` bytes still being produced (a Blob being read); the slot for
    /// `fill`, or undefined when the status takes no writes.
    pub fn reserve(&mut self, len: f64) -> Option<u32> {
        let slot = self.core.reserve(len.max(0.0) as usize);
        self.out();
        slot
    }

    /// Supplies a reservation's bytes.
    pub fn fill(&mut self, slot: u32, data: Vec<u8>) {
        self.core.fill(slot, data);
        self.out();
    }

    /// A reservation's bytes could not be produced (a Blob that could not be read).
    #[wasm_bindgen(js_name = fillFailed)]
    pub fn fill_failed(&mut self, slot: u32, reason: &str) {
        self.core.fill_failed(slot, reason);
        self.out();
    }

    #[wasm_bindgen(js_name = readBytes)]
    pub fn read_bytes(&mut self, length: JsValue) -> Vec<u8> {
        let bytes = self
            .core
            .read_bytes(length_arg(convert::length_value(&length)));
        self.out();
        bytes
    }

    /// A read of stream bytes the engine holds by handle (`receivedHeld`): how many it takes
    /// (`text`: by `read`'s rule), their bytes on the shelf's slot 0 (src/bindings/shelf.rs:
    /// a chunk as it came, a view of one, or the parts joined); -1 when the read is of bytes
    /// the engine holds as bytes (a datagram): then call `read` / `readBytes` / `readHex`.
    #[wasm_bindgen(js_name = readHeld)]
    pub fn read_held(&mut self, length: JsValue, text: bool) -> f64 {
        let taken = self
            .core
            .read_held(length_arg(convert::length_value(&length)), text);
        self.out();
        taken.map_or(-1.0, |slices| shelf::put_read(&slices) as f64)
    }

    /// `readHeld` for a length the facade has as a number (NaN for none): no JS value crosses,
    /// so a read costs no calls back into JS to look at its argument.
    #[wasm_bindgen(js_name = readHeldNumber)]
    pub fn read_held_number(&mut self, length: f64, text: bool) -> f64 {
        self.lend();
        let taken = self.core.read_held(length_arg(Some(length)), text);
        self.out();
        taken.map_or(-1.0, |slices| shelf::put_read(&slices) as f64)
    }

    #[wasm_bindgen(js_name = readHex)]
    pub fn read_hex(&mut self, length: JsValue) -> String {
        let hex = self
            .core
            .read_hex(length_arg(convert::length_value(&length)));
        self.out();
        hex
    }

    /// `close()`; `turn`: the host's event-loop turn when it lets writes through
    /// (engine::Engine::close_in_turn), else undefined.
    pub fn close(&mut self, turn: Option<u32>) {
        self.lend();
        match turn {
            Some(turn) => self.core.close_in_turn(turn),
            None => self.core.close(),
        }
        self.out();
    }

    pub fn destroy(&mut self) {
        self.lend();
        self.core.destroy();
        self.out();
    }

    #[wasm_bindgen(js_name = setProtocol)]
    pub fn set_protocol(&mut self, name: JsValue) -> bool {
        // Not a string: refused like any unknown name, and lastError() says which (as for
        // connect's host), rather than showing it as "".
        let name = name.as_string().unwrap_or_else(|| "(not a string)".into());
        self.core.set_protocol(&name).is_ok()
    }

    /// Throws TypeError unless `ms` is a positive integer.
    #[wasm_bindgen(js_name = setConnectTimeout)]
    pub fn set_connect_timeout(&mut self, ms: JsValue) -> Result<(), JsValue> {
        let result = type_error(self.core.set_connect_timeout(number_or_nan(&ms)));
        self.out();
        result
    }

    /// `setNoDelay(on)`.
    #[wasm_bindgen(js_name = setNoDelay)]
    pub fn set_no_delay(&mut self, on: bool) {
        self.core.set_no_delay(on);
        self.out();
    }

    /// `setKeepAlive(on, delayMs)`; throws TypeError unless the delay is a whole number from 0.
    #[wasm_bindgen(js_name = setKeepAlive)]
    pub fn set_keep_alive(&mut self, on: bool, delay_ms: JsValue) -> Result<(), JsValue> {
        let delay = if delay_ms.is_undefined() {
            0.0
        } else {
            number_or_nan(&delay_ms)
        };
        let result = type_error(self.core.set_keep_alive(on, delay));
        self.out();
        result
    }

    /// `setIdleTimeout(ms)`; throws TypeError unless a whole number from 0 (0: off).
    #[wasm_bindgen(js_name = setIdleTimeout)]
    pub fn set_idle_timeout(&mut self, ms: JsValue, now: f64) -> Result<(), JsValue> {
        let result = type_error(self.core.set_idle_timeout(number_or_nan(&ms), now as u64));
        self.out();
        result
    }

    #[wasm_bindgen(js_name = idleTimeout)]
    pub fn idle_timeout(&self) -> f64 {
        self.core.idle_timeout() as f64
    }

    /// `end()`: half-close; false (and lastError) unless a Connected TCP socket.
    pub fn end(&mut self) -> bool {
        let ok = self.core.end().is_ok();
        self.out();
        ok
    }

    /// `startTls(options)`: throws a TypeError for options that are not `tls`'s object form
    /// (src/engine/tls_options.rs); else true when the upgrade started (a `startTls` action),
    /// false with `lastError()` when refused.
    #[wasm_bindgen(js_name = startTls)]
    pub fn start_tls(&mut self, options: JsValue) -> Result<bool, JsValue> {
        let options = options::read_tls(&options)?;
        self.lend();
        let ok = self.core.start_tls(&options).is_ok();
        self.out();
        Ok(ok)
    }

    /// Whether the connection is secured by TLS (`tlsInfo()` is null otherwise).
    #[wasm_bindgen(js_name = isSecure)]
    pub fn is_secure(&self) -> bool {
        self.core.is_secure()
    }

    /// The host's TLS handshake on transport `id` is done.
    pub fn secure(&mut self, id: u32) {
        self.lend();
        self.core.handle(Input::Secure { id });
        self.out();
    }

    /// Throws TypeError unless `bytes` is a positive integer.
    #[wasm_bindgen(js_name = setHighWaterMark)]
    pub fn set_high_water_mark(&mut self, bytes: JsValue) -> Result<(), JsValue> {
        let result = type_error(self.core.set_high_water_mark(number_or_nan(&bytes)));
        self.out();
        result
    }

    /// Throws TypeError unless `bytes` is a positive integer.
    #[wasm_bindgen(js_name = setReceiveHighWaterMark)]
    pub fn set_receive_high_water_mark(&mut self, bytes: JsValue) -> Result<(), JsValue> {
        let result = type_error(self.core.set_receive_high_water_mark(number_or_nan(&bytes)));
        self.out();
        result
    }

    /// Host names skip HostLookUp and reach the host as a `connect` action with `host` instead
    /// of `ip` (the browser host: its proxy resolves names).
    #[wasm_bindgen(js_name = setTransportResolvesNames)]
    pub fn set_transport_resolves_names(&mut self, on: bool) {
        self.core.set_transport_resolves_names(on)
    }

    /// `write(data, length)`: how many of `data`'s `available` bytes the write takes
    /// (engine::write_length); `length` undefined takes all. Throws TypeError for a `length`
    /// that is not a non-negative number. Called only when a length is given.
    #[wasm_bindgen(js_name = writeLength)]
    pub fn write_length(available: f64, length: JsValue) -> Result<f64, JsValue> {
        let length = (!length.is_undefined()).then(|| number_or_nan(&length));
        crate::engine::write_length(available.max(0.0) as usize, length)
            .map(|n| n as f64)
            .map_err(|e| js_sys::TypeError::new(&e.message()).into())
    }

    /// A listener: `incomingConnectionEvent` starts for the connection it offers.
    #[wasm_bindgen(js_name = offerOpen)]
    pub fn offer_open(&mut self) {
        self.core.offer_open()
    }

    /// A listener: the handler returned.
    #[wasm_bindgen(js_name = offerClose)]
    pub fn offer_close(&mut self) {
        self.core.offer_close()
    }

    /// `accept(socket)` on a listener (engine::Engine::accept), given the facts only the
    /// facade sees: 0 refused (`lastError()` says why), 1 the offered socket itself, 2 another
    /// socket, which then adopts the connection.
    pub fn accept(&mut self, same: bool, offered_destroyed: bool, other_destroyed: bool) -> u8 {
        let args = AcceptArgs {
            same,
            offered_destroyed,
            other_destroyed,
        };
        match self.core.accept(args) {
            Err(_) => 0,
            Ok(AcceptAs::Itself) => 1,
            Ok(AcceptAs::Other) => 2,
        }
    }

    /// The script accepted this offered connection.
    #[wasm_bindgen(js_name = markAccepted)]
    pub fn mark_accepted(&mut self) {
        self.core.mark_accepted()
    }

    /// The handler returned for this offered connection: whether to close it now.
    #[wasm_bindgen(js_name = offerUnaccepted)]
    pub fn offer_unaccepted(&self) -> bool {
        self.core.offer_unaccepted()
    }

    /// `accept(other)`: this (Unconnected) socket takes over `incoming`'s connection.
    pub fn adopt(&mut self, incoming: &mut Engine) -> bool {
        let ok = self.core.adopt(&mut incoming.core).is_ok();
        self.out();
        ok
    }

    /// Asked before a `connect` (`listen` when `listen`) the host refuses for this socket
    /// (`host.refuse`'s reason): false, with the engine's own refusal when the command would
    /// not be taken anyway, the host's otherwise.
    pub fn refuse(&mut self, listen: bool, refusal: &str) -> bool {
        let _ = self.core.refuse(listen, refusal);
        false
    }

    /// Records a failure decided outside the engine's commands (a wrong JS argument type, a
    /// missing proxy URL) so that `lastError()` tells it.
    #[wasm_bindgen(js_name = setLastError)]
    pub fn set_last_error(&mut self, message: &str) {
        self.core.set_last_error(message)
    }

    // ----- queries -----

    pub fn status(&self) -> u8 {
        self.core.status().number()
    }

    #[wasm_bindgen(js_name = statusName)]
    pub fn status_name(&self) -> String {
        self.core.status().name().to_string()
    }

    pub fn protocol(&self) -> String {
        self.core.protocol().name().to_string()
    }

    /// `protocol() === 'udp'` without a string out of wasm (the facade asks on every connect).
    #[wasm_bindgen(js_name = isUdp)]
    pub fn is_udp(&self) -> bool {
        self.core.protocol() == Protocol::Udp
    }

    #[wasm_bindgen(js_name = connectTimeout)]
    pub fn connect_timeout(&self) -> f64 {
        self.core.connect_timeout() as f64
    }

    #[wasm_bindgen(js_name = lastError)]
    pub fn last_error(&self) -> String {
        self.core.last_error().to_string()
    }

    /// `lastErrorCode()`: the error name of what `lastError()` says, '' while it says nothing.
    #[wasm_bindgen(js_name = lastErrorCode)]
    pub fn last_error_code(&self) -> String {
        self.core
            .last_error_code()
            .map_or_else(String::new, |code| code.name().to_string())
    }

    /// The error name of a connection over without a failure of its own
    /// (engine::Engine::over_code).
    #[wasm_bindgen(js_name = overCode)]
    pub fn over_code(&self) -> String {
        self.core.over_code().name().to_string()
    }

    /// Whether nothing more is read or reported of the connection (engine::Engine::is_over).
    #[wasm_bindgen(js_name = isOver)]
    pub fn is_over(&self) -> bool {
        self.core.is_over()
    }

    /// Whether a connect attempt is under way (engine::Engine::attempt_pending).
    #[wasm_bindgen(js_name = attemptPending)]
    pub fn attempt_pending(&self) -> bool {
        self.core.attempt_pending()
    }

    /// `listen()`'s bind (engine::Engine::bind_done): 1 done, 0 under way, -1 not listening.
    #[wasm_bindgen(js_name = bindDone)]
    pub fn bind_done(&self) -> i32 {
        self.core.bind_done().map_or(-1, i32::from)
    }

    #[wasm_bindgen(js_name = bytesAvailable)]
    pub fn bytes_available(&self) -> f64 {
        self.core.bytes_available() as f64
    }

    #[wasm_bindgen(js_name = bufferedAmount)]
    pub fn buffered_amount(&self) -> f64 {
        self.core.buffered_amount() as f64
    }

    /// A write went over the high-water mark and its `drain` event is still owed.
    #[wasm_bindgen(js_name = needsDrain)]
    pub fn needs_drain(&self) -> bool {
        self.core.needs_drain()
    }

    /// `inspect()`: status, addresses and buffer counts as a plain object, for debugging.
    /// (A `Result` so that the export returns a number, not a JS value: see "outputs" below.)
    pub fn inspect(&self) -> Result<JsValue, JsValue> {
        snapshot(&self.core).to_js()
    }

    /// Whether a drain may be told now (the socket still takes writes): the facade asks when it
    /// delivers one, a microtask after the engine queued it.
    #[wasm_bindgen(js_name = drainDue)]
    pub fn drain_due(&self) -> bool {
        self.core.drain_due()
    }

    /// The transport id the host routes inputs for, or 0.
    #[wasm_bindgen(js_name = currentId)]
    pub fn current_id(&self) -> u32 {
        self.core.current_id().unwrap_or(0)
    }

    #[wasm_bindgen(js_name = remoteIp)]
    pub fn remote_ip(&self) -> String {
        self.core
            .remote()
            .map(|a| ip_text(&a.ip()))
            .unwrap_or_default()
    }

    #[wasm_bindgen(js_name = remotePort)]
    pub fn remote_port(&self) -> u16 {
        self.core.remote().map_or(0, |a| a.port())
    }

    #[wasm_bindgen(js_name = localIp)]
    pub fn local_ip(&self) -> String {
        self.core
            .local()
            .map(|a| ip_text(&a.ip()))
            .unwrap_or_default()
    }

    #[wasm_bindgen(js_name = localPort)]
    pub fn local_port(&self) -> u16 {
        self.core.local().map_or(0, |a| a.port())
    }

    // ----- host inputs (names follow engine::Input) -----

    pub fn resolved(&mut self, id: u32, addrs: Array) {
        let addrs = addrs
            .iter()
            .filter_map(|a| a.as_string())
            .filter_map(|a| parse_host_ip(&a))
            .collect();
        self.core.handle(Input::Resolved { id, addrs });
        self.out();
    }

    pub fn connected(
        &mut self,
        id: u32,
        local_ip: &str,
        local_port: u16,
        remote_ip: &str,
        remote_port: u16,
    ) -> Result<(), JsError> {
        let local = parse_addr(local_ip, local_port)?;
        let remote = parse_addr(remote_ip, remote_port)?;
        self.lend();
        self.core.handle(Input::Connected { id, local, remote });
        self.out();
        Ok(())
    }

    /// Bytes arrived. `from_ip`/`from_port` name a UDP datagram's sender ('' / 0 for TCP).
    pub fn received(
        &mut self,
        id: u32,
        data: Vec<u8>,
        from_ip: Option<String>,
        from_port: Option<u16>,
    ) -> Result<(), JsError> {
        let from: Option<SocketAddr> = match from_ip {
            Some(ip) if !ip.is_empty() => Some(parse_addr(&ip, from_port.unwrap_or(0))?),
            _ => None,
        };
        self.core.handle(Input::Received { id, data, from });
        self.out();
        Ok(())
    }

    /// Stream bytes arrived in `data` (a Uint8Array, `len` bytes), held by the engine as it
    /// is (engine::Engine::received_held). `tail` packs its last bytes: the count (1-3) in bits
    /// 24-31, then the bytes in order, the last one in bits 0-7. Returns whether the engine
    /// took it (else feed the bytes with `received`, or drop them).
    #[wasm_bindgen(js_name = receivedHeld)]
    pub fn received_held(&mut self, id: u32, data: JsValue, len: f64, tail: u32) -> bool {
        self.lend();
        let count = ((tail >> 24) as usize).min(3);
        let bytes = [(tail >> 16) as u8, (tail >> 8) as u8, tail as u8];
        let held = Held::new(data, len.max(0.0) as usize);
        let taken = self.core.received_held(id, held, &bytes[3 - count..]);
        self.out();
        taken
    }

    pub fn sent(&mut self, id: u32, len: f64) {
        self.lend();
        self.core.handle(Input::Sent {
            id,
            len: len.max(0.0) as usize,
        });
        self.out();
    }

    #[wasm_bindgen(js_name = peerClosed)]
    pub fn peer_closed(&mut self, id: u32) {
        self.lend();
        self.core.handle(Input::PeerClosed { id });
        self.out();
    }

    pub fn closed(&mut self, id: u32) {
        self.lend();
        self.core.handle(Input::Closed { id });
        self.out();
    }

    /// Everything transport `id` took went to the network (engine::Input::Flushed).
    pub fn flushed(&mut self, id: u32) {
        self.lend();
        self.core.handle(Input::Flushed { id });
        self.out();
    }

    pub fn failed(&mut self, id: u32, error: &str) {
        self.lend();
        self.core.handle(Input::Failed {
            id,
            error: error.to_string(),
        });
        self.out();
    }

    /// The WebSocket carrying transport `id` closed (engine::Input::WsClosed): the browser's
    /// close `code` and `reason`, and whether it had `opened`.
    #[wasm_bindgen(js_name = wsClosed)]
    pub fn ws_closed(&mut self, id: u32, code: u16, reason: String, opened: bool) {
        self.lend();
        self.core.handle(Input::WsClosed {
            id,
            code,
            reason,
            opened,
        });
        self.out();
    }

    pub fn listening(&mut self, id: u32, ip: &str, port: u16) -> Result<(), JsError> {
        let local = parse_addr(ip, port)?;
        self.core.handle(Input::Listening { id, local });
        self.out();
        Ok(())
    }

    /// A listening socket got a connection: the new Connected engine, or undefined when this
    /// socket is not listening on `id` (then drop the connection).
    pub fn incoming(
        &mut self,
        id: u32,
        local_ip: &str,
        local_port: u16,
        remote_ip: &str,
        remote_port: u16,
    ) -> Result<Option<Engine>, JsError> {
        let local = parse_addr(local_ip, local_port)?;
        let remote = parse_addr(remote_ip, remote_port)?;
        let child = self.core.handle_incoming(id, local, remote);
        self.out();
        let batched = self.batched;
        Ok(child.map(|core| Engine::around(core, batched)))
    }

    pub fn timeout(&mut self, now: f64) {
        self.lend();
        self.core.handle_timeout(now as u64);
        self.out();
    }

    // ----- outputs -----
    //
    // Outputs reach JS only through the batch (src/bindings/batch.rs: `setBatched(true)`, then
    // js/batch.js reads what each call wrote), never as the return value of an export. No
    // export may return a JS value (an `externref` in wasm): that crashed Node 20 (issue 9).
    // Its V8 (11.3) inlines such a JS-to-wasm call into optimized JS (the facade's pump, which
    // then called a pollAction export); when that JS is deoptimized while the wasm call runs
    // (building the action object changed a map the optimized code depended on), the
    // deoptimizer rebuilds the call's continuation frame, knows no `externref` result kind,
    // and `Deoptimizer::DoComputeBuiltinContinuation` reaches UNREACHABLE: SIGTRAP. A number
    // result is one it knows. tests/node/wasm-exports.test.js keeps every export's result a
    // number. (The pollAction / pollEvent exports that built an object per output are gone:
    // ~4 KB of the module that nothing but a test harness used.)
}

/// For Rust callers in wasm (tests): the same outputs as values, and what JS does not ask.
impl Engine {
    /// The JS class around `core` (a new engine, or an incoming connection's).
    fn around(core: Core, batched: bool) -> Engine {
        Engine {
            core,
            batched,
            lent: None,
        }
    }

    /// The next deadline in ms on the host's clock, or -1 (JS reads it from the batch).
    pub fn poll_timeout(&self) -> f64 {
        self.core.poll_timeout().map_or(-1.0, |t| t as f64)
    }

    pub fn is_destroyed(&self) -> bool {
        self.core.is_destroyed()
    }

    /// The next action as a plain object (`{type, id, …}`), or undefined.
    pub fn poll_action(&mut self) -> JsValue {
        self.core
            .poll_action()
            .map_or(JsValue::UNDEFINED, action_to_js)
    }

    /// The next event as a plain object (`{type, …}`), or undefined.
    pub fn poll_event(&mut self) -> JsValue {
        self.core
            .poll_event()
            .map_or(JsValue::UNDEFINED, event_to_js)
    }
}
