//! One Wisp connection: its WebSocket, its client (src/wisp/client.rs, holding each stream's
//! output as JS handles: out.rs), its streams' transports, and the pump that carries the
//! client's packets and tells the sockets what happened. Shared by every socket of a page (or a
//! Node process) with the same Wisp URL; the same code in both modules.
//!
//! A received message is one call into wasm (its handler): a DATA packet's header is read here
//! and its payload goes to the socket as a view of the message, never through wasm memory;
//! every other packet goes whole to the client's codec.
//!
//! Borrows: no `RefCell` borrow of a session is held while a link is called: the link feeds the
//! socket's engine, whose actions (and the script's handlers, with their writes) come straight
//! back here.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use js_sys::{ArrayBuffer, Function, Uint8Array};
use wasm_bindgen::prelude::*;

use super::out::{send_data, send_packet, Chunk, ROOM};
use super::socket::{self, later, WispSocket, WsEvent};
use super::url::parse;
use crate::engine::text::decimal;
use crate::engine::ErrorCode;
use crate::transport::link::Handle;
use crate::wisp::{Client, Config, Event, PacketType, StreamType, Transmit, HEADER_LEN};

/// A stream's transport: what JS keeps on the socket's link (`handle`) and what the socket is
/// told when it connects.
struct Stream {
    handle: Handle,
    udp: bool,
    remote_ip: String,
    remote_port: u16,
}

pub struct Session {
    /// Never reused: the handles name their session by it.
    id: u32,
    /// The Wisp URL, as the sockets gave it.
    key: String,
    url: String,
    /// How the host makes a WebSocket (Node's `ws`; none: the browser's own).
    open: Option<Function>,
    client: Client<Chunk>,
    ws: Option<WispSocket>,
    up: bool,
    /// Still the session new sockets of its URL join.
    registered: bool,
    pumping: bool,
    scheduled: bool,
    /// Waiting for room in the WebSocket's buffer.
    polling: bool,
    /// By stream id, in the order they opened (a list: a session has few, and a second hash
    /// map's code costs the module more than the scan).
    streams: Vec<(u32, Stream)>,
    handlers: Option<Handlers>,
}

/// The WebSocket's handlers, and the callback of a send that filled its buffer: made once per
/// session, holding it weakly (a WebSocket may call after the session is gone).
struct Handlers {
    open: Function,
    message: Function,
    close: Function,
    error: Function,
    sent: Function,
}

pub type S = Rc<RefCell<Session>>;

impl Session {
    fn stream(&self, id: u32) -> Option<&Stream> {
        self.streams.iter().find(|(i, _)| *i == id).map(|(_, t)| t)
    }

    /// The stream leaves the session.
    fn take(&mut self, id: u32) -> Option<Stream> {
        let at = self.streams.iter().position(|(i, _)| *i == id)?;
        Some(self.streams.remove(at).1)
    }
}

thread_local! {
    /// Every session that may still have something to do (registered, or with streams).
    static SESSIONS: RefCell<Vec<S>> = const { RefCell::new(Vec::new()) };
    static NEXT_ID: Cell<u32> = const { Cell::new(1) };
}

/// The session with this id, while it lives.
pub fn by_id(id: u32) -> Option<S> {
    SESSIONS.with(|all| all.borrow().iter().find(|s| s.borrow().id == id).cloned())
}

/// The session of the Wisp URL `key`: the open one, or a new one (whose WebSocket `open` makes,
/// when given).
pub fn for_url(key: &str, open: Option<&Function>) -> S {
    let found = SESSIONS.with(|all| {
        all.borrow()
            .iter()
            .find(|s| {
                let s = s.borrow();
                s.registered && s.key == key
            })
            .cloned()
    });
    found.unwrap_or_else(|| create(key, open))
}

fn create(key: &str, open: Option<&Function>) -> S {
    let (url, credentials) = parse(key).unwrap_or_default();
    let id = NEXT_ID.with(|n| n.replace(n.get().wrapping_add(1)));
    let s = Rc::new(RefCell::new(Session {
        id,
        key: key.to_owned(),
        url,
        open: open.cloned(),
        client: Client::new(Config { credentials }),
        ws: None,
        up: false,
        registered: true,
        pumping: false,
        scheduled: false,
        polling: false,
        streams: Vec::new(),
        handlers: None,
    }));
    s.borrow_mut().handlers = Some(handlers(Rc::downgrade(&s)));
    SESSIONS.with(|all| all.borrow_mut().push(s.clone()));
    if !open_ws(&s) {
        // A URL the WebSocket constructor rejects: every stream fails (a turn later: the
        // stream's opening schedules the pump).
        let detail = "cannot open a WebSocket to the Wisp URL ".to_string() + key;
        s.borrow_mut()
            .client
            .connection_lost(ErrorCode::ProxyNotFound, &detail);
        forget(&s);
    }
    s
}

fn handlers(s: Weak<RefCell<Session>>) -> Handlers {
    fn make(s: &Weak<RefCell<Session>>, f: fn(&S, JsValue)) -> Function {
        let s = s.clone();
        Closure::<dyn Fn(JsValue)>::new(move |e: JsValue| {
            if let Some(s) = s.upgrade() {
                f(&s, e);
            }
        })
        .into_js_value()
        .unchecked_into()
    }
    Handlers {
        open: make(&s, |s, _| {
            s.borrow_mut().up = true;
            pump(s);
        }),
        message: make(&s, |s, e| {
            on_message(s, e.unchecked_ref::<WsEvent>().data())
        }),
        close: make(&s, |s, e| {
            let e = e.unchecked_ref::<WsEvent>();
            lost(s, e.code(), &e.reason().unwrap_or_default());
        }),
        // Node's `ws` throws an unhandled 'error' without a listener; the close that follows
        // says what there is to say.
        error: make(&s, |_, _| {}),
        // `ws` calls back once a packet sent with this has left (or failed: the close then
        // fails the streams).
        sent: make(&s, |s, _| {
            let waited = std::mem::take(&mut s.borrow_mut().polling);
            if waited {
                pump(s);
            }
        }),
    }
}

/// Opens the WebSocket, offering the subprotocol the client names (the v2 offer, or none once a
/// server turned it down). Whether it could be made.
fn open_ws(s: &S) -> bool {
    let (url, protocol, open) = {
        let b = s.borrow();
        (b.url.clone(), b.client.subprotocol(), b.open.clone())
    };
    let Some(ws) = socket::open(&url, protocol, open.as_ref()) else {
        return false;
    };
    let mut b = s.borrow_mut();
    if let Some(h) = &b.handlers {
        ws.set_onopen(Some(&h.open));
        ws.set_onmessage(Some(&h.message));
        ws.set_onclose(Some(&h.close));
        ws.set_onerror(Some(&h.error));
    }
    b.ws = Some(ws);
    true
}

/// New sockets of the URL get a new session; this one lives on while streams need it.
fn forget(s: &S) {
    s.borrow_mut().registered = false;
    retire(s);
}

/// Drops a session that has nothing left to do from the list.
fn retire(s: &S) {
    let done = {
        let b = s.borrow();
        !b.registered && b.streams.is_empty()
    };
    if done {
        SESSIONS.with(|all| all.borrow_mut().retain(|x| !Rc::ptr_eq(x, s)));
    }
}

/// The session's id (a handle names its session by it).
pub fn id_of(s: &S) -> u32 {
    s.borrow().id
}

/// A stream to `host`:`port` for the transport `handle` (TCP, or UDP when `udp`); its id. The
/// socket is told `remote` when it connects (a Wisp server does not say which address it used).
pub fn open_stream(s: &S, handle: Handle, udp: bool, host: &str, port: u16, remote: String) -> u32 {
    let kind = if udp {
        StreamType::Udp
    } else {
        StreamType::Tcp
    };
    let stream = s.borrow_mut().client.open(kind, host, port);
    let t = Stream {
        handle,
        udp,
        remote_ip: remote,
        remote_port: port,
    };
    s.borrow_mut().streams.push((stream, t));
    // Never inside connect(): what the stream's opening says is told on a later turn.
    schedule(s);
    stream
}

/// The socket wrote `chunk`: sent now as far as the credit and the room allow; a lent view's
/// bytes that must wait are copied as the call ends (out.rs).
pub fn send(s: &S, stream: u32, chunk: Chunk, lent: bool) {
    s.borrow_mut().client.send(stream, chunk);
    pump(s);
    if lent {
        for chunk in s.borrow_mut().client.held_mut(stream) {
            chunk.keep();
        }
    }
}

/// The socket paused (`paused`) or resumed its receive: a PAUSE packet for a server that took
/// the receive-pause extension (the client decides).
pub fn pause_reading(s: &S, stream: u32, paused: bool) {
    s.borrow_mut().client.pause(stream, paused);
    pump(s);
}

/// close(): the stream ends after what is queued.
pub fn close(s: &S, stream: u32) {
    s.borrow_mut().client.close(stream);
    pump(s);
}

/// destroy(): the stream ends now.
pub fn abort(s: &S, stream: u32) {
    let gone = {
        let mut b = s.borrow_mut();
        b.client.abort(stream);
        b.take(stream)
    };
    if let Some(t) = gone {
        finish(&t);
    }
    pump(s);
}

/// The transport is done: it leaves its link (no more inputs from it).
fn finish(t: &Stream) {
    t.handle.link().drop_transport(t.handle.id(), &t.handle);
}

/// One message: an ArrayBuffer in browsers, a Buffer from Node's `ws`. Wisp is binary only: a
/// text frame is ignored, as the reference implementations do.
fn on_message(s: &S, data: JsValue) {
    let (buffer, offset, len) = if let Some(bytes) = data.dyn_ref::<Uint8Array>() {
        (bytes.buffer(), bytes.byte_offset(), bytes.length())
    } else if let Some(buffer) = data.dyn_ref::<ArrayBuffer>() {
        (buffer.clone(), 0, buffer.byte_length())
    } else {
        return;
    };
    let view =
        |at: u32, n: u32| Uint8Array::new_with_byte_offset_and_length(&buffer, offset + at, n);
    let mut header = [0u8; HEADER_LEN];
    if len as usize >= HEADER_LEN {
        view(0, HEADER_LEN as u32).copy_to(&mut header);
    }
    if len as usize >= HEADER_LEN && header[0] == PacketType::Data as u8 {
        let stream = u32::from_le_bytes([header[1], header[2], header[3], header[4]]);
        let to = {
            let mut b = s.borrow_mut();
            if b.client.route_data(stream).is_none() {
                return;
            }
            b.stream(stream).map(|t| {
                (
                    t.handle.clone(),
                    t.udp.then(|| (t.remote_ip.clone(), t.remote_port)),
                )
            })
        };
        let Some((handle, udp)) = to else { return };
        // A plain Uint8Array over the message's memory: what readBytes() hands out as it is.
        let payload = view(HEADER_LEN as u32, len - HEADER_LEN as u32);
        let link = handle.link();
        match udp {
            Some((ip, port)) => link.received_from(handle.id(), &payload, &ip.into(), &port.into()),
            None => link.received(handle.id(), &payload),
        }
        return;
    }
    // Any other packet (or too short for one: the codec refuses it) is the client's to parse.
    let message = view(0, len).to_vec();
    let wants = {
        let mut b = s.borrow_mut();
        b.client.receive(&message);
        // A CONTINUE gives credit to DATA that may then wait for room, not go: the room the
        // client holds is the WebSocket's as of the last pump, and 0 if the buffer was full
        // then (which the client, short of credit, did not wait on). Only a pump looks at the
        // buffer again and, still full, waits for room: without it that DATA waited for
        // nothing.
        b.client.has_output() || b.client.wants_room()
    };
    if wants {
        pump(s);
    }
}

/// The WebSocket closed: every stream fails (nothing is left waiting), unless the client asks
/// for a second WebSocket without the v2 offer (a server that would not take it: the client's
/// rule, `Client::retry_without_v2`). One that cannot be made fails them too.
fn lost(s: &S, code: u16, reason: &str) {
    let (retry, up) = {
        let mut b = s.borrow_mut();
        let up = b.up;
        (b.registered && b.client.retry_without_v2(up), up)
    };
    if retry && open_ws(s) {
        return;
    }
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
    {
        let mut b = s.borrow_mut();
        b.client.connection_lost(error, detail.trim_end());
        b.up = false;
        b.registered = false;
    }
    pump(s);
}

/// Runs the pump on a later turn (once, however often asked before it runs).
fn schedule(s: &S) {
    if std::mem::replace(&mut s.borrow_mut().scheduled, true) {
        return;
    }
    let s = s.clone();
    later(0, move || {
        s.borrow_mut().scheduled = false;
        pump(&s);
    });
}

/// Sends the client's packets and tells the sockets its events, until it has nothing more. A
/// call while packets are being sent leaves the work to the outer loop, so packets go out in the
/// client's order; while events are being told (a socket told of room may write, its write
/// comes here) a call runs: the packets read before were all sent, and a write sent in its own
/// call needs no copy.
fn pump(s: &S) {
    if std::mem::replace(&mut s.borrow_mut().pumping, true) {
        return;
    }
    loop {
        drain(s);
        let mut b = s.borrow_mut();
        let ws = match &b.ws {
            Some(ws) if b.up => ws.clone(),
            _ => break,
        };
        // Room for DATA: what the WebSocket's buffer can still take (saturating: none).
        let room = ROOM as f64 - ws.buffered_amount();
        b.client.set_room(room as usize);
        if !b.client.has_output() {
            break;
        }
    }
    let (wants_room, idle) = {
        let mut b = s.borrow_mut();
        b.pumping = false;
        (b.client.wants_room(), b.client.idle())
    };
    if wants_room {
        wait_for_room(s);
    }
    if idle {
        close_when_idle(s);
    }
    retire(s);
}

/// Sends the client's packets, then tells its events, until it has none. The events are taken
/// before anything is told: a socket told something may call into the client again.
fn drain(s: &S) {
    loop {
        let events = {
            let mut guard = s.borrow_mut();
            // The fields apart: the WebSocket is read while the client is drained (no handle
            // cloned per drain).
            let b = &mut *guard;
            if !b.client.has_output() {
                return;
            }
            // A closing WebSocket drops what is sent; its close event fails the streams.
            let ws = if b.up { b.ws.as_ref() } else { None };
            let sent = b.handlers.as_ref().map(|h| &h.sent);
            while let Some(t) = b.client.poll_transmit() {
                let (Some(ws), Some(sent)) = (ws, sent) else {
                    continue;
                };
                match t {
                    Transmit::Data { header, payload } => send_data(ws, &header, payload, sent),
                    Transmit::Packet(bytes) => send_packet(ws, &bytes),
                }
            }
            let mut events = Vec::new();
            while let Some(e) = b.client.poll_event() {
                events.push(e);
            }
            b.pumping = false;
            events
        };
        for e in events {
            tell(s, e);
        }
        s.borrow_mut().pumping = true;
    }
}

fn tell(s: &S, event: Event) {
    let stream = match event {
        Event::Ready { .. } => return,
        Event::Failed { .. } => {
            forget(s);
            let ws = s.borrow().ws.clone();
            if let Some(ws) = ws {
                ws.close(None);
            }
            return;
        }
        Event::Opened { stream } | Event::Sent { stream, .. } | Event::Closed { stream, .. } => {
            stream
        }
    };
    if let Event::Closed { error, .. } = event {
        // Taken out first: the stream is gone whatever its socket does when told.
        let Some(t) = s.borrow_mut().take(stream) else {
            return;
        };
        finish(&t);
        let (link, id) = (t.handle.link(), t.handle.id());
        match error {
            None => {
                link.peer_closed(id);
                link.closed(id);
            }
            Some(error) => link.failed(id, error.name()),
        }
        return;
    }
    let (link, id, remote) = {
        let b = s.borrow();
        let Some(t) = b.stream(stream) else {
            return;
        };
        // The address for the one Opened: no String copied per Sent.
        let remote =
            matches!(event, Event::Opened { .. }).then(|| (t.remote_ip.clone(), t.remote_port));
        // Getters only, under the borrow: the link is called once it is released.
        (t.handle.link(), t.handle.id(), remote)
    };
    match (event, remote) {
        (Event::Sent { len, .. }, _) => link.sent(id, len as f64),
        // A Wisp server does not tell the local address of its connection.
        (_, Some((ip, port))) => {
            link.connected(id, &"0.0.0.0".into(), &0.into(), &ip.into(), &port.into())
        }
        _ => {}
    }
}

/// Pumps again once the WebSocket's buffer has room (once, however often asked): `ws` says when
/// a packet that filled it has left (out.rs); a browser's WebSocket tells nothing when its buffer
/// drains, so the session looks again after a few milliseconds, as a tunnel does.
fn wait_for_room(s: &S) {
    {
        let mut b = s.borrow_mut();
        if b.polling || b.ws.is_none() {
            return;
        }
        b.polling = true;
    }
    // `ws` (Node's module): the callback of the packet that filled the buffer pumps.
    #[cfg(feature = "browser")]
    {
        let s = s.clone();
        later(crate::transport::browser::poll_ms(), move || {
            s.borrow_mut().polling = false;
            pump(&s);
        });
    }
}

/// With no stream left (the client's rule, `Client::idle`), the WebSocket is closed on the next
/// turn unless a socket opened a new stream meanwhile.
fn close_when_idle(s: &S) {
    let s = s.clone();
    later(0, move || {
        let ws = {
            let b = s.borrow();
            if !b.client.idle() || b.scheduled {
                return;
            }
            b.ws.clone()
        };
        forget(&s);
        if let Some(ws) = ws {
            ws.close(Some(1000));
        }
    });
}
