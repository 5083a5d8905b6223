//! One Wisp connection's session: its WebSocket's events, the pump that carries the client's
//! packets and turns its events into engine inputs, and the registry that lets the sockets of a
//! page (or a Node process) with the same URL share it.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use js_sys::{ArrayBuffer, Uint8Array};
use wasm_bindgen::prelude::*;
use web_sys::{CloseEvent, MessageEvent, WebSocket};

use super::super::js::{feed, flag, get, set, set_timeout};
use super::super::tunnel::finish;
use super::url::parse;
use super::websocket::{Factory, JsBytes};
use crate::engine::text::decimal;
use crate::engine::ErrorCode;
use crate::wisp::client::{Client, Config, Event, Transmit};
use crate::wisp::packet::{bytes_needed, HEADER_LEN};

/// How much the shared WebSocket may hold before DATA waits (in the client, still unsent for
/// its socket): with many streams on one WebSocket, each stream's credit alone would let the
/// browser buffer megabytes per stream.
const ROOM: usize = 1 << 20;

/// One Wisp connection: its WebSocket, its client, and the transports of its streams.
pub(super) struct Session {
    key: String,
    /// The WebSocket URL, and how to open another: a server that will not answer the v2
    /// subprotocol (Node's `ws` fails a handshake whose answer names none) gets a second
    /// WebSocket without it, which a v1 server takes.
    url: String,
    factory: Factory,
    offered_v2: Cell<bool>,
    ws: RefCell<Option<WebSocket>>,
    pub(super) client: RefCell<Client<JsBytes>>,
    /// stream id → the socket's transport object (tunnel.rs's shape: `link`, `id`, …).
    pub(super) streams: RefCell<HashMap<u32, JsValue>>,
    up: Cell<bool>,
    pumping: Cell<bool>,
    scheduled: Cell<bool>,
    polling: Cell<bool>,
}

thread_local! {
    /// The open connections by proxy URL: the sockets of a page (or a Node process) that use
    /// the same URL share one.
    static SESSIONS: RefCell<HashMap<String, Rc<Session>>> = RefCell::new(HashMap::new());
}

pub(super) fn session(key: &str) -> Option<Rc<Session>> {
    SESSIONS.with(|s| s.borrow().get(key).cloned())
}

pub(super) fn forget(session: &Session) {
    SESSIONS.with(|s| {
        let mut all = s.borrow_mut();
        if all
            .get(&session.key)
            .is_some_and(|mine| std::ptr::eq(Rc::as_ptr(mine), session))
        {
            all.remove(&session.key);
        }
    });
}

impl Session {
    /// Opens the connection for `key` (a Wisp URL) and registers it.
    pub fn open(key: &str, factory: &Factory) -> Rc<Session> {
        let parsed = parse(key);
        let credentials = parsed.as_ref().ok().and_then(|(_, c)| c.clone());
        let url = parsed.map(|(url, _)| url).unwrap_or_default();
        let ws = factory.open(&url, true);
        let s = Rc::new(Session {
            key: key.to_owned(),
            url,
            factory: factory.clone(),
            offered_v2: Cell::new(true),
            ws: RefCell::new(ws.clone()),
            client: RefCell::new(Client::new(Config { credentials })),
            streams: RefCell::new(HashMap::new()),
            up: Cell::new(false),
            pumping: Cell::new(false),
            scheduled: Cell::new(false),
            polling: Cell::new(false),
        });
        SESSIONS.with(|all| all.borrow_mut().insert(key.to_owned(), s.clone()));
        match ws {
            Some(ws) => attach(&s, &ws),
            None => {
                // A URL the WebSocket constructor rejects: every stream fails (a turn later).
                s.client.borrow_mut().connection_lost(
                    ErrorCode::ProxyNotFound,
                    &("cannot open a WebSocket to the Wisp URL ".to_string() + key),
                );
                forget(&s);
            }
        }
        s
    }
}

pub(super) fn attach(s: &Rc<Session>, ws: &WebSocket) {
    let weak = Rc::downgrade(s);
    let on_open = {
        let weak = weak.clone();
        Closure::<dyn FnMut()>::new(move || {
            if let Some(s) = weak.upgrade() {
                s.up.set(true);
                pump(&s);
            }
        })
    };
    let on_message = {
        let weak = weak.clone();
        Closure::<dyn FnMut(MessageEvent) -> Result<(), JsValue>>::new(move |e: MessageEvent| {
            match weak.upgrade() {
                Some(s) => message(&s, e.data()),
                None => Ok(()),
            }
        })
    };
    let on_close = {
        Closure::<dyn FnMut(CloseEvent)>::new(move |e: CloseEvent| {
            if let Some(s) = weak.upgrade() {
                lost(&s, e.code(), &e.reason());
            }
        })
    };
    ws.set_onopen(Some(on_open.into_js_value().unchecked_ref()));
    ws.set_onmessage(Some(on_message.into_js_value().unchecked_ref()));
    ws.set_onclose(Some(on_close.into_js_value().unchecked_ref()));
    // Node's `ws` throws an unhandled 'error' without a listener; the close that follows says
    // what there is to say.
    let on_error = Closure::<dyn FnMut()>::new(|| {});
    ws.set_onerror(Some(on_error.into_js_value().unchecked_ref()));
}

/// One binary message: its header goes to the client, which routes DATA to a stream; the
/// payload goes from the message to the stream's engine without passing through the client.
pub(super) fn message(s: &Rc<Session>, data: JsValue) -> Result<(), JsValue> {
    // Browsers hand binary messages over as ArrayBuffers, Node's `ws` as Buffers (Uint8Arrays).
    // Wisp is binary only: a text frame is ignored, as the reference implementations do.
    let bytes = match data.dyn_into::<ArrayBuffer>() {
        Ok(buf) => Uint8Array::new(&buf),
        Err(data) => match data.dyn_into::<Uint8Array>() {
            Ok(bytes) => bytes,
            Err(_) => return Ok(()),
        },
    };
    let len = bytes.length() as usize;
    let first = if len > 0 { bytes.get_index(0) } else { 0 };
    let seen = bytes.subarray(0, bytes_needed(first, len) as u32).to_vec();
    let routed = s.client.borrow_mut().receive(&seen);
    // What came before (an Opened, say) is told before these bytes. A DATA packet changes
    // nothing else: no pump for it.
    if s.client.borrow().has_output() {
        pump(s);
    }
    if let Some(stream) = routed {
        let t = s.streams.borrow().get(&stream).cloned();
        if let Some(t) = t {
            let payload: JsValue = bytes.subarray(HEADER_LEN as u32, len as u32).into();
            if flag(&t, "udp") {
                feed(
                    &t,
                    "received",
                    &[payload, get(&t, "remoteIp"), get(&t, "remotePort")],
                )?;
            } else {
                feed(&t, "received", &[payload])?;
            }
        }
    }
    Ok(())
}

/// The WebSocket closed: every stream fails (nothing is left waiting).
pub(super) fn lost(s: &Rc<Session>, code: u16, reason: &str) {
    if !s.up.get() && s.offered_v2.replace(false) {
        if let Some(ws) = s.factory.open(&s.url, false) {
            attach(s, &ws);
            s.ws.replace(Some(ws));
            return;
        }
    }
    forget(s);
    let (error, detail) = if s.up.get() {
        (
            ErrorCode::ProxyConnectionClosed,
            [
                "the Wisp server's WebSocket closed (",
                &decimal(code.into()),
                " ",
                reason,
                ")",
            ]
            .concat(),
        )
    } else {
        (
            ErrorCode::ProxyConnectionRefused,
            [
                "the Wisp server's WebSocket did not open (",
                &decimal(code.into()),
                ")",
            ]
            .concat(),
        )
    };
    s.up.set(false);
    s.client
        .borrow_mut()
        .connection_lost(error, detail.trim_end());
    pump(s);
}

/// Runs the pump on a later turn (once, however often asked before it runs).
pub(super) fn schedule(s: &Rc<Session>) {
    if s.scheduled.replace(true) {
        return;
    }
    let s = s.clone();
    set_timeout(0, move || {
        s.scheduled.set(false);
        pump(&s);
    });
}

/// Sends the client's packets and tells the sockets its events, until it has nothing more.
/// Reentrant calls (an input fed here makes its engine act at once) leave the work to the
/// outer loop, so packets go out in the client's order.
pub(super) fn pump(s: &Rc<Session>) {
    if s.pumping.replace(true) {
        return;
    }
    loop {
        drain(s);
        // Room for DATA: what the WebSocket's buffer can still take.
        let more = match (&*s.ws.borrow(), s.up.get()) {
            (Some(ws), true) => {
                let room = ROOM.saturating_sub(ws.buffered_amount() as usize);
                let mut client = s.client.borrow_mut();
                client.set_room(room);
                client.has_output()
            }
            _ => false,
        };
        if !more {
            break;
        }
    }
    s.pumping.set(false);
    if s.client.borrow().wants_room() {
        poll_room(s);
    }
    if s.streams.borrow().is_empty() {
        close_when_idle(s);
    }
}

/// Pumps again once the WebSocket's buffer has room (once, however often asked).
pub(super) fn poll_room(s: &Rc<Session>) {
    if s.polling.replace(true) {
        return;
    }
    let Some(ws) = s.ws.borrow().clone() else {
        s.polling.set(false);
        return;
    };
    let again = s.clone();
    s.factory.when_room(&ws, move || {
        again.polling.set(false);
        pump(&again);
    });
}

/// Sends the client's packets and tells its events until it has none.
pub(super) fn drain(s: &Rc<Session>) {
    loop {
        let (packets, events) = {
            let mut client = s.client.borrow_mut();
            let packets: Vec<Transmit<JsBytes>> =
                std::iter::from_fn(|| client.poll_transmit()).collect();
            let events: Vec<Event> = std::iter::from_fn(|| client.poll_event()).collect();
            (packets, events)
        };
        if packets.is_empty() && events.is_empty() {
            break;
        }
        if let (Some(ws), true) = (&*s.ws.borrow(), s.up.get()) {
            for p in packets {
                s.factory.send(ws, p);
            }
        }
        for e in events {
            if let Err(err) = tell(s, e) {
                s.pumping.set(false);
                wasm_bindgen::throw_val(err);
            }
        }
    }
}

pub(super) fn tell(s: &Rc<Session>, event: Event) -> Result<(), JsValue> {
    let t_of = |stream: u32| s.streams.borrow().get(&stream).cloned();
    match event {
        Event::Ready { .. } => Ok(()),
        Event::Opened { stream } => match t_of(stream) {
            Some(t) => {
                set(&t, "up", true);
                let (ip, port) = (get(&t, "remoteIp"), get(&t, "remotePort"));
                // A Wisp server does not tell the local address of its connection.
                feed(&t, "connected", &["0.0.0.0".into(), 0.into(), ip, port])
            }
            None => Ok(()),
        },
        Event::Sent { stream, len } => match t_of(stream) {
            Some(t) => feed(&t, "sent", &[(len as f64).into()]),
            None => Ok(()),
        },
        Event::Closed { stream, error, .. } => {
            let Some(t) = s.streams.borrow_mut().remove(&stream) else {
                return Ok(());
            };
            finish(&t);
            match error {
                None => {
                    feed(&t, "peerClosed", &[])?;
                    feed(&t, "closed", &[])
                }
                Some(code) => {
                    let input = if flag(&t, "up") {
                        "failed"
                    } else {
                        "connectFailed"
                    };
                    feed(&t, input, &[code.name().into()])
                }
            }
        }
        Event::Failed { .. } => {
            forget(s);
            if let Some(ws) = &*s.ws.borrow() {
                let _ = ws.close();
            }
            Ok(())
        }
    }
}

/// With no stream left, the WebSocket is closed on the next turn unless a socket opened a new
/// stream meanwhile (a script that reconnects at once keeps it).
pub(super) fn close_when_idle(s: &Rc<Session>) {
    let s = s.clone();
    set_timeout(0, move || {
        if s.streams.borrow().is_empty() && !s.scheduled.get() {
            forget(&s);
            if let Some(ws) = &*s.ws.borrow() {
                let _ = ws.close_with_code(1000);
            }
        }
    });
}
