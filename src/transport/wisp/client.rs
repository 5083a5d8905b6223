//! The sans-IO Wisp client (src/wisp/client.rs) for the JS hosts (js/wisp/): one per WebSocket.
//! Numbers cross, not payloads: the host keeps each stream's output in JS memory and says how
//! many bytes it queued ([`WispClient::send`]); the client answers, through [`WispClient::poll`],
//! which DATA packets may go (a stream and a length: the host joins its header to its bytes),
//! which packets it built (CONNECT, CLOSE, INFO), and what happened to the streams. A received
//! DATA packet's header is all the client sees of it ([`WispClient::route_data`]). The rules —
//! credit, room, the handshake, what a CLOSE means — stay in the client.

use wasm_bindgen::prelude::*;

use super::url::parse;
use crate::engine::text::decimal;
use crate::engine::ErrorCode;
use crate::wisp::client::{Client, Config, Event, Transmit};
use crate::wisp::codes::{push_text, Group, CODES};
use crate::wisp::{Counted, StreamType};

/// The kinds of [`WispClient::poll`]'s records (js/wisp/session.js reads them).
mod record {
    /// `[DATA, stream, len]`: send `len` bytes of the stream's output in a DATA packet.
    pub const DATA: u32 = 1;
    /// `[PACKET, offset, len]`: send these bytes of [`super::WispClient::bytes`] as a packet.
    pub const PACKET: u32 = 2;
    /// `[OPENED, stream]`: the stream's destination is connected.
    pub const OPENED: u32 = 3;
    /// `[SENT, stream, len]`: `len` bytes of the stream's output left in DATA packets.
    pub const SENT: u32 = 4;
    /// `[CLOSED, stream, offset, len]`: the stream ended; the error code's name is those bytes
    /// of [`super::WispClient::bytes`] (none for a clean end).
    pub const CLOSED: u32 = 5;
    /// `[FAILED]`: the connection failed for good (every stream got its CLOSED first).
    pub const FAILED: u32 = 6;
}

/// The record kinds by name, for js/wisp/session.js (read through `WispClient.codes`).
const RECORDS: Group = (
    "record",
    "DATA PACKET OPENED SENT CLOSED FAILED",
    &[
        record::DATA,
        record::PACKET,
        record::OPENED,
        record::SENT,
        record::CLOSED,
        record::FAILED,
    ],
);

/// One Wisp connection's client, for a JS host.
#[wasm_bindgen]
pub struct WispClient {
    key: String,
    url: String,
    client: Client<Counted>,
    /// The records of the last poll.
    out: Vec<u32>,
    /// Packet bytes and error names the records point into.
    bytes: Vec<u8>,
}

#[wasm_bindgen]
impl WispClient {
    /// A client for the Wisp URL `key` (`wisp+ws://[user:password@]host:port/path/`): the
    /// credentials answer a v2 server that asks for a password.
    #[wasm_bindgen(constructor)]
    pub fn new(key: &str) -> WispClient {
        let (url, credentials) = parse(key).unwrap_or_default();
        WispClient {
            key: key.to_owned(),
            url,
            client: Client::new(Config { credentials }),
            out: Vec::new(),
            bytes: Vec::new(),
        }
    }

    /// The Wisp numbers JS reads, `WispClient.codes()` (js/wisp/codec.js): src/wisp/codes.rs's,
    /// and the kinds of [`WispClient::poll`]'s records as `record.NAME`; `name value` pairs,
    /// space-separated.
    pub fn codes() -> String {
        let mut text = String::new();
        push_text(&mut text, CODES);
        push_text(&mut text, &[RECORDS]);
        text
    }

    /// The WebSocket URL to open ('' when the key is not a Wisp URL: the entries refuse those
    /// before connecting).
    #[wasm_bindgen(getter, js_name = webSocketUrl)]
    pub fn web_socket_url(&self) -> String {
        self.url.clone()
    }

    /// Opens a stream (CONNECT now, or once the handshake is done) and returns its id.
    pub fn open(&mut self, udp: bool, host: &str, port: u16) -> u32 {
        let kind = if udp {
            StreamType::Udp
        } else {
            StreamType::Tcp
        };
        self.client.open(kind, host, port)
    }

    /// The host queued `len` more bytes of the stream's output (a UDP datagram: one write).
    pub fn send(&mut self, stream: u32, len: u32) {
        self.client.send(stream, Counted(len as usize));
    }

    /// Ends a stream gracefully, after what is queued.
    pub fn close(&mut self, stream: u32) {
        self.client.close(stream);
    }

    /// The stream's socket paused (`paused`) or resumed its receive: told to a server that took
    /// the receive-pause extension.
    pub fn pause(&mut self, stream: u32, paused: bool) {
        self.client.pause(stream, paused);
    }

    /// Ends a stream now; what waits is dropped (the host drops its bytes).
    pub fn abort(&mut self, stream: u32) {
        self.client.abort(stream);
    }

    /// The WebSocket could not even be made: every stream fails.
    #[wasm_bindgen(js_name = notOpened)]
    pub fn not_opened(&mut self) {
        let detail = "cannot open a WebSocket to the Wisp URL ".to_string() + &self.key;
        self.client
            .connection_lost(ErrorCode::ProxyNotFound, &detail);
    }

    /// No stream is left: the host closes the WebSocket (`Client::idle`).
    pub fn idle(&self) -> bool {
        self.client.idle()
    }

    /// The subprotocol the next WebSocket offers ('' for none): the v2 offer until a server
    /// turned it down.
    #[wasm_bindgen(getter)]
    pub fn subprotocol(&self) -> String {
        self.client.subprotocol().to_owned()
    }

    /// The WebSocket closed with `code` and `reason`; `up` when it had opened; `may_retry` when
    /// the host can open another one for this client (it still serves its URL). Returns true
    /// when the host must open a WebSocket again, now without the v2 offer (the client's rule:
    /// `Client::retry_without_v2`). Otherwise every stream fails: ProxyConnectionClosed after
    /// an open, ProxyConnectionRefused before.
    pub fn lost(&mut self, up: bool, code: u16, reason: &str, may_retry: bool) -> bool {
        if may_retry && self.client.retry_without_v2(up) {
            return true;
        }
        self.fail(up, code, reason);
        false
    }

    fn fail(&mut self, up: bool, code: u16, reason: &str) {
        let code = decimal(code.into());
        let (error, detail) = if up {
            (
                ErrorCode::ProxyConnectionClosed,
                [
                    "the Wisp server's WebSocket closed (",
                    &code,
                    " ",
                    reason,
                    ")",
                ]
                .concat(),
            )
        } else {
            (
                ErrorCode::ProxyConnectionRefused,
                ["the Wisp server's WebSocket did not open (", &code, ")"].concat(),
            )
        };
        self.client.connection_lost(error, detail.trim_end());
    }

    /// A packet other than DATA (any length; a DATA packet's header goes to
    /// [`WispClient::route_data`]).
    pub fn receive(&mut self, message: &[u8]) {
        self.client.receive(message);
    }

    /// A DATA packet for `stream` arrived: whether its payload goes to the stream's socket.
    #[wasm_bindgen(js_name = routeData)]
    pub fn route_data(&mut self, stream: u32) -> bool {
        self.client.route_data(stream).is_some()
    }

    /// The room for DATA in the WebSocket's buffer, in bytes.
    #[wasm_bindgen(js_name = setRoom)]
    pub fn set_room(&mut self, bytes: f64) {
        // Saturating: a negative or NaN room is none.
        self.client.set_room(bytes as usize);
    }

    /// Whether DATA waits for room that its credit allows.
    #[wasm_bindgen(js_name = wantsRoom)]
    pub fn wants_room(&self) -> bool {
        self.client.wants_room()
    }

    /// Whether a poll would return records.
    #[wasm_bindgen(js_name = hasOutput)]
    pub fn has_output(&self) -> bool {
        self.client.has_output()
    }

    /// Drains what the client has: every packet to send, then every event, as records of
    /// `u32` words at [`WispClient::records`] (see `record`). Returns the number of words.
    pub fn poll(&mut self) -> usize {
        self.out.clear();
        self.bytes.clear();
        while let Some(t) = self.client.poll_transmit() {
            match t {
                Transmit::Data { header, payload } => {
                    let stream = u32::from_le_bytes([header[1], header[2], header[3], header[4]]);
                    self.out
                        .extend_from_slice(&[record::DATA, stream, payload.0 as u32]);
                }
                Transmit::Packet(bytes) => {
                    let at = self.bytes.len() as u32;
                    self.bytes.extend_from_slice(&bytes);
                    self.out
                        .extend_from_slice(&[record::PACKET, at, bytes.len() as u32]);
                }
            }
        }
        while let Some(e) = self.client.poll_event() {
            match e {
                Event::Ready { .. } => {}
                Event::Opened { stream } => self.out.extend_from_slice(&[record::OPENED, stream]),
                Event::Sent { stream, len } => {
                    self.out
                        .extend_from_slice(&[record::SENT, stream, len as u32]);
                }
                Event::Closed { stream, error, .. } => {
                    let name = error.map_or("", ErrorCode::name);
                    let at = self.bytes.len() as u32;
                    self.bytes.extend_from_slice(name.as_bytes());
                    self.out
                        .extend_from_slice(&[record::CLOSED, stream, at, name.len() as u32]);
                }
                Event::Failed { .. } => self.out.push(record::FAILED),
            }
        }
        self.out.len()
    }

    /// Where the last poll's records are in wasm memory (read them before the next call).
    #[wasm_bindgen(getter)]
    pub fn records(&self) -> *const u32 {
        self.out.as_ptr()
    }

    /// Where the last poll's packet bytes and names are in wasm memory.
    #[wasm_bindgen(getter)]
    pub fn bytes(&self) -> *const u8 {
        self.bytes.as_ptr()
    }
}
