//! The kvsocket engine as a WebAssembly component: `wit/kvsocket.wit`'s `kvsocket` world,
//! implemented over [`kvsocket::engine`]. Like the wasm-bindgen bindings, this layer converts
//! values and decides nothing: every rule is the engine's.
//!
//! Build: `cargo build --release --target wasm32-wasip2 --manifest-path component/Cargo.toml`.

mod convert;

use std::cell::RefCell;

use kvsocket::engine::address::parse_host_ip;
use kvsocket::engine::recv::{decode_hex, length_arg};
use kvsocket::engine::tls_options::TlsOptions;
use kvsocket::engine::{AcceptArgs, AcceptAs, Chunk, CommandError, Engine, Through};

use convert::{
    action_to_wit, error_code_to_wit, event_to_wit, input_from_wit, ip_from_wit, ip_to_wit,
    port_arg, protocol_name, protocol_to_wit, socket_addr_from_wit, socket_addr_to_wit,
    status_to_wit,
};
use exports::kvsocket::engine::engine as wit;

wit_bindgen::generate!({
    path: "../wit",
    world: "kvsocket",
});

/// The component: the interface's free functions, and [`EngineSocket`] as its `socket`.
struct Component;

export!(Component);

impl wit::Guest for Component {
    type Socket = EngineSocket;

    fn parse_ip(text: String) -> Option<wit::IpAddress> {
        parse_host_ip(&text).map(ip_to_wit)
    }

    fn ip_to_string(ip: wit::IpAddress) -> String {
        ip_from_wit(ip).to_string()
    }

    fn hex_to_bytes(hex: String) -> Option<Vec<u8>> {
        decode_hex(&hex)
    }
}

/// One `socket` resource. The component model hands methods `&self`, so the engine sits in a
/// `RefCell`; no method calls out of the component, so a borrow never outlives its call.
pub struct EngineSocket {
    core: RefCell<Engine>,
}

impl EngineSocket {
    fn from_engine(core: Engine) -> Self {
        EngineSocket {
            core: RefCell::new(core),
        }
    }
}

/// A refused command as the WIT reports it: the message `last-error` also returns.
fn message(result: Result<(), CommandError>) -> Result<(), String> {
    result.map_err(|e| e.to_string())
}

/// A WIT length (none or 0: everything) through the engine's one length rule.
fn length(length: Option<u64>) -> Option<usize> {
    length_arg(length.map(|n| n as f64))
}

impl wit::GuestSocket for EngineSocket {
    fn new() -> Self {
        EngineSocket::from_engine(Engine::new())
    }

    // ----- commands -----

    fn connect(&self, host: String, port: wit::PortArg, now: wit::Millis) -> Result<(), String> {
        let port = port_arg(port);
        message(self.core.borrow_mut().connect(Some(&host), &port, now))
    }

    fn listen(&self, port: wit::PortArg, iface: String, force_ipv6: bool) -> Result<(), String> {
        let port = port_arg(port);
        message(
            self.core
                .borrow_mut()
                .listen(&port, Some(&iface), force_ipv6),
        )
    }

    fn write(&self, data: Vec<u8>) -> u32 {
        // A component's list is at most 4 GiB on wasm32, so the count fits.
        self.core.borrow_mut().write(data) as u32
    }

    fn write_through(&self, data: Vec<u8>, turn: u32) -> wit::Through {
        let len = data.len();
        match self
            .core
            .borrow_mut()
            .write_through(len, turn, || Chunk::Bytes(data))
        {
            Through::Refused => wit::Through::Refused,
            Through::Queued => wit::Through::Queued,
            Through::Now(id) => wit::Through::Now(id),
        }
    }

    fn unsent(&self, id: wit::ConnId, len: u64) {
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        self.core.borrow_mut().unsent(id, len)
    }

    fn write_to(&self, data: Vec<u8>, host: String, port: wit::PortArg) -> u32 {
        let port = port_arg(port);
        self.core.borrow_mut().write_to(data, Some(&host), &port) as u32
    }

    fn reserve(&self, len: u64) -> Option<u32> {
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        self.core.borrow_mut().reserve(len)
    }

    fn fill(&self, slot: u32, data: Vec<u8>) {
        self.core.borrow_mut().fill(slot, data)
    }

    fn fill_failed(&self, slot: u32, reason: String) {
        self.core.borrow_mut().fill_failed(slot, &reason)
    }

    fn read_text(&self, len: Option<u64>) -> String {
        self.core.borrow_mut().read_text(length(len))
    }

    fn read_bytes(&self, len: Option<u64>) -> Vec<u8> {
        self.core.borrow_mut().read_bytes(length(len))
    }

    fn read_hex(&self, len: Option<u64>) -> String {
        self.core.borrow_mut().read_hex(length(len))
    }

    fn close(&self) {
        self.core.borrow_mut().close()
    }

    fn close_in_turn(&self, turn: u32) {
        self.core.borrow_mut().close_in_turn(turn)
    }

    fn destroy(&self) {
        self.core.borrow_mut().destroy()
    }

    fn set_protocol(&self, protocol: wit::Protocol) -> Result<(), String> {
        message(self.core.borrow_mut().set_protocol(protocol_name(protocol)))
    }

    fn configure(&self, options: wit::Options, now: wit::Millis) -> Result<(), String> {
        let options = kvsocket::engine::Options {
            proxy: options.proxy,
            connect_timeout: options.connect_timeout,
            idle_timeout: options.idle_timeout,
            protocol: options.protocol,
            tls: options
                .tls
                .map(|on| kvsocket::engine::tls_options::TlsOptions {
                    enabled: on,
                    reject_unauthorized: true,
                    ..Default::default()
                }),
        };
        message(self.core.borrow_mut().configure(&options, now))
    }

    fn set_connect_timeout(&self, ms: wit::Millis) -> Result<(), String> {
        message(self.core.borrow_mut().set_connect_timeout(ms as f64))
    }

    fn set_no_delay(&self, on: bool) {
        self.core.borrow_mut().set_no_delay(on)
    }

    fn set_keep_alive(&self, on: bool, delay_ms: f64) -> Result<(), String> {
        message(self.core.borrow_mut().set_keep_alive(on, delay_ms))
    }

    fn set_idle_timeout(&self, ms: f64, now: wit::Millis) -> Result<(), String> {
        message(self.core.borrow_mut().set_idle_timeout(ms, now))
    }

    fn idle_timeout(&self) -> wit::Millis {
        self.core.borrow().idle_timeout()
    }

    fn end(&self) -> Result<(), String> {
        message(self.core.borrow_mut().end())
    }

    fn set_tls(&self, on: bool) {
        self.core.borrow_mut().set_tls(TlsOptions::on(on))
    }

    fn start_tls(&self) -> Result<(), String> {
        message(self.core.borrow_mut().start_tls(&TlsOptions::default()))
    }

    fn is_secure(&self) -> bool {
        self.core.borrow().is_secure()
    }

    fn set_high_water_mark(&self, bytes: u64) -> Result<(), String> {
        message(self.core.borrow_mut().set_high_water_mark(bytes as f64))
    }

    fn set_receive_high_water_mark(&self, bytes: u64) -> Result<(), String> {
        message(
            self.core
                .borrow_mut()
                .set_receive_high_water_mark(bytes as f64),
        )
    }

    fn set_transport_resolves_names(&self, on: bool) {
        self.core.borrow_mut().set_transport_resolves_names(on)
    }

    fn refuse(&self, listen: bool, refusal: String) -> Result<(), String> {
        message(self.core.borrow_mut().refuse(listen, &refusal))
    }

    fn set_last_error(&self, message: String) {
        self.core.borrow_mut().set_last_error(&message)
    }

    fn offer_open(&self) {
        self.core.borrow_mut().offer_open()
    }

    fn offer_close(&self) {
        self.core.borrow_mut().offer_close()
    }

    fn accept(
        &self,
        same: bool,
        offered_destroyed: bool,
        other_destroyed: bool,
    ) -> Result<wit::AcceptAs, String> {
        let args = AcceptArgs {
            same,
            offered_destroyed,
            other_destroyed,
        };
        match self.core.borrow_mut().accept(args) {
            Ok(AcceptAs::Itself) => Ok(wit::AcceptAs::Itself),
            Ok(AcceptAs::Other) => Ok(wit::AcceptAs::Other),
            Err(e) => Err(e.to_string()),
        }
    }

    fn mark_accepted(&self) {
        self.core.borrow_mut().mark_accepted()
    }

    fn offer_unaccepted(&self) -> bool {
        self.core.borrow().offer_unaccepted()
    }

    fn adopt(&self, incoming: wit::SocketBorrow<'_>) -> Result<(), String> {
        let incoming: &EngineSocket = incoming.get();
        let mut core = self.core.borrow_mut();
        if std::ptr::eq(self, incoming) {
            // A socket cannot take its own connection (Rust's two `&mut` make it impossible to
            // ask the engine directly). A fresh engine stands in for `incoming`: it is not
            // connected either, so the engine refuses with the message it would give.
            return message(core.adopt(&mut Engine::new()));
        }
        let result = core.adopt(&mut incoming.core.borrow_mut());
        message(result)
    }

    // ----- queries -----

    fn status(&self) -> wit::Status {
        status_to_wit(self.core.borrow().status())
    }

    fn protocol(&self) -> wit::Protocol {
        protocol_to_wit(self.core.borrow().protocol())
    }

    fn connect_timeout(&self) -> wit::Millis {
        self.core.borrow().connect_timeout()
    }

    fn last_error(&self) -> String {
        self.core.borrow().last_error().to_string()
    }

    fn last_error_code(&self) -> Option<wit::ErrorCode> {
        self.core.borrow().last_error_code().map(error_code_to_wit)
    }

    fn write_refusal(&self) -> Option<wit::ErrorCode> {
        self.core.borrow().write_refusal().map(error_code_to_wit)
    }

    fn over_code(&self) -> wit::ErrorCode {
        error_code_to_wit(self.core.borrow().over_code())
    }

    fn is_over(&self) -> bool {
        self.core.borrow().is_over()
    }

    fn attempt_pending(&self) -> bool {
        self.core.borrow().attempt_pending()
    }

    fn bind_done(&self) -> Option<bool> {
        self.core.borrow().bind_done()
    }

    fn bytes_available(&self) -> u64 {
        self.core.borrow().bytes_available() as u64
    }

    fn buffered_amount(&self) -> u64 {
        self.core.borrow().buffered_amount() as u64
    }

    fn needs_drain(&self) -> bool {
        self.core.borrow().needs_drain()
    }

    fn is_destroyed(&self) -> bool {
        self.core.borrow().is_destroyed()
    }

    fn drain_due(&self) -> bool {
        self.core.borrow().drain_due()
    }

    fn current_id(&self) -> Option<wit::ConnId> {
        self.core.borrow().current_id()
    }

    fn remote_address(&self) -> Option<wit::SocketAddress> {
        self.core.borrow().remote().map(socket_addr_to_wit)
    }

    fn local_address(&self) -> Option<wit::SocketAddress> {
        self.core.borrow().local().map(socket_addr_to_wit)
    }

    // ----- host side -----

    fn handle(&self, input: wit::Input) {
        self.core.borrow_mut().handle(input_from_wit(input))
    }

    fn handle_timeout(&self, now: wit::Millis) {
        self.core.borrow_mut().handle_timeout(now)
    }

    fn handle_incoming(
        &self,
        id: wit::ConnId,
        local: wit::SocketAddress,
        remote: wit::SocketAddress,
    ) -> Option<wit::Socket> {
        let (local, remote) = (socket_addr_from_wit(local), socket_addr_from_wit(remote));
        self.core
            .borrow_mut()
            .handle_incoming(id, local, remote)
            .map(|child| wit::Socket::new(EngineSocket::from_engine(child)))
    }

    fn poll_action(&self) -> Option<wit::Action> {
        self.core.borrow_mut().poll_action().map(action_to_wit)
    }

    fn poll_event(&self) -> Option<wit::Event> {
        self.core.borrow_mut().poll_event().map(event_to_wit)
    }

    fn poll_timeout(&self) -> Option<wit::Millis> {
        self.core.borrow().poll_timeout()
    }
}
