//! Sockets over Wisp (src/wisp/): every Socket whose proxy URL names the same Wisp server
//! (`wisp+ws://host:port/path/`, `wisp+wss://…`) shares one WebSocket, one stream each. This is
//! the host side, for browsers and Node alike: it opens the WebSocket (the browser's own, or the
//! constructor Node hands in), carries the client's packets, and turns its events into each
//! socket's engine inputs. The protocol (handshake, credit, closes) is the client's; the rules
//! of a socket are its engine's.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use js_sys::{decode_uri_component, ArrayBuffer, Function, Uint8Array};
use wasm_bindgen::prelude::*;
use web_sys::{BinaryType, CloseEvent, MessageEvent, WebSocket};

use super::js::{call, feed, flag, get, number, set, set_timeout};
use crate::engine::ErrorCode;
use crate::wisp::client::{Client, Config, Event, Payload, Transmit};
use crate::wisp::packet::{bytes_needed, HEADER_LEN};
use crate::wisp::StreamType;

/// How much the shared WebSocket may hold before DATA waits (in the client, still unsent for
/// its socket): with many streams on one WebSocket, each stream's credit alone would let the
/// browser buffer megabytes per stream.
const ROOM: usize = 1 << 20;

/// How often to look at the WebSocket's buffer while DATA waits for room.
const POLL_MS: i32 = 4;

/// The subprotocol offered: its presence asks a server for Wisp v2 (a v1 server ignores it).
const SUBPROTOCOL: &str = "wisp-v2";

/// Whether a proxy URL names a Wisp server: `wisp+ws:` or `wisp+wss:` (any case).
#[wasm_bindgen(js_name = isWispUrl)]
pub fn is_wisp_url(url: &str) -> bool {
    split_scheme(url).is_some()
}

/// Why a socket with this Wisp proxy URL cannot do `command` ('connect' or 'listen'), or ''
/// when it can: for the entries' `refuse`, so that `connect()` / `listen()` return false with
/// this as `lastError()`.
#[wasm_bindgen(js_name = wispRefusal)]
pub fn wisp_refusal(url: &str, command: &str) -> String {
    match parse(url) {
        Err(problem) => problem,
        Ok(_) if command == "listen" => "listen over Wisp is not possible: the protocol has no \
            listening streams (kvsocket-proxy's reverse tunnel listens: a ws:// URL with \
            {host}/{port})"
            .into(),
        Ok(_) => String::new(),
    }
}

/// `wisp+ws://…` → (`ws`, `//…`).
fn split_scheme(url: &str) -> Option<(&'static str, &str)> {
    let (scheme, rest) = url.split_once(':')?;
    match scheme.to_ascii_lowercase().as_str() {
        "wisp+ws" => Some(("ws", rest)),
        "wisp+wss" => Some(("wss", rest)),
        _ => None,
    }
}

/// The WebSocket URL and the credentials (the userinfo, which a WebSocket URL cannot carry:
/// they go in the v2 handshake's password extension).
fn parse(url: &str) -> Result<(String, Option<(String, String)>), String> {
    let (scheme, rest) = split_scheme(url)
        .ok_or_else(|| format!("not a Wisp URL (wisp+ws: or wisp+wss:): {url}"))?;
    let rest = rest.split('#').next().unwrap_or(rest);
    let after = rest
        .strip_prefix("//")
        .ok_or_else(|| format!("a Wisp URL needs a host: {scheme}://host:port/path/"))?;
    let end = after.find(['/', '?']).unwrap_or(after.len());
    let (authority, tail) = after.split_at(end);
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    if hostport.is_empty() {
        return Err(format!("a Wisp URL needs a host: {url}"));
    }
    let (path, query) = match tail.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (tail, None),
    };
    let path = if path.is_empty() { "/" } else { path };
    if !path.ends_with('/') {
        return Err(format!(
            "a Wisp URL's path must end with '/' (the protocol's rule; servers take other paths \
             for one-target wsproxy): {url}"
        ));
    }
    let decode = |s: &str| -> Result<String, String> {
        decode_uri_component(s)
            .map(String::from)
            .map_err(|_| format!("bad %-escape in the Wisp URL's credentials: {url}"))
    };
    let credentials = match userinfo {
        Some(u) => {
            let (user, pass) = u.split_once(':').unwrap_or((u, ""));
            Some((decode(user)?, decode(pass)?))
        }
        None => None,
    };
    let query = query.map(|q| format!("?{q}")).unwrap_or_default();
    Ok((format!("{scheme}://{hostport}{path}{query}"), credentials))
}

/// How WebSockets are made: the global constructor (browsers), or a function from Node
/// (`(url, protocol) => new WebSocket(url, protocol)` of the `ws` package).
#[derive(Clone)]
enum Factory {
    Global,
    Function(Function),
}

impl Factory {
    /// A WebSocket to `url`, offering the v2 subprotocol when `v2`.
    fn open(&self, url: &str, v2: bool) -> Option<WebSocket> {
        let protocol = if v2 {
            JsValue::from_str(SUBPROTOCOL)
        } else {
            JsValue::UNDEFINED
        };
        let ws = match self {
            Factory::Global if v2 => WebSocket::new_with_str(url, SUBPROTOCOL).ok()?,
            Factory::Global => WebSocket::new(url).ok()?,
            Factory::Function(f) => f
                .call2(&JsValue::NULL, &url.into(), &protocol)
                .ok()?
                // `ws`'s WebSocket is not the DOM's class, but has the same members.
                .unchecked_into(),
        };
        ws.set_binary_type(BinaryType::Arraybuffer);
        Some(ws)
    }
}

/// Bytes a socket sends, kept in JS memory until their DATA packet goes: the client cuts them
/// with `subarray` (no copy), and the packet is their one copy. (An action's `data` is the host's
/// to keep: js/batch.js copies it out of wasm memory.)
struct JsBytes(Uint8Array);

impl Payload for JsBytes {
    fn len(&self) -> usize {
        self.0.length() as usize
    }

    fn split_at(self, at: usize) -> (Self, Self) {
        let at = at as u32;
        (
            JsBytes(self.0.subarray(0, at)),
            JsBytes(self.0.subarray(at, self.0.length())),
        )
    }
}

/// One WebSocket message from what the client transmits.
fn message_of(t: Transmit<JsBytes>) -> Uint8Array {
    match t {
        Transmit::Packet(bytes) => Uint8Array::from(&bytes[..]),
        Transmit::Data { header, payload } => {
            let out = Uint8Array::new_with_length((HEADER_LEN + payload.len()) as u32);
            out.set(&Uint8Array::from(&header[..]), 0);
            out.set(&payload.0, HEADER_LEN as u32);
            out
        }
    }
}

/// One Wisp connection: its WebSocket, its client, and the transports of its streams.
struct Session {
    key: String,
    /// The WebSocket URL, and how to open another: a server that will not answer the v2
    /// subprotocol (Node's `ws` fails a handshake whose answer names none) gets a second
    /// WebSocket without it, which a v1 server takes.
    url: String,
    factory: Factory,
    offered_v2: Cell<bool>,
    ws: RefCell<Option<WebSocket>>,
    client: RefCell<Client<JsBytes>>,
    /// stream id → the socket's transport object (tunnel.rs's shape: `link`, `id`, …).
    streams: RefCell<HashMap<u32, JsValue>>,
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

fn session(key: &str) -> Option<Rc<Session>> {
    SESSIONS.with(|s| s.borrow().get(key).cloned())
}

fn forget(session: &Session) {
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

/// Performs engine actions for sockets whose proxy URL is a Wisp URL.
#[wasm_bindgen]
pub struct WispHost {
    factory: Factory,
}

impl WispHost {
    /// The browser's: WebSockets from the global constructor.
    pub fn global() -> WispHost {
        WispHost {
            factory: Factory::Global,
        }
    }
}

#[wasm_bindgen]
impl WispHost {
    /// `openWebSocket(url, protocol)` returns a WebSocket (or an object with its members:
    /// `binaryType`, `send`, `close`, `onopen`, `onmessage`, `onclose`).
    #[wasm_bindgen(constructor)]
    pub fn new(open_web_socket: Function) -> WispHost {
        WispHost {
            factory: Factory::Function(open_web_socket),
        }
    }

    /// Performs one engine action (`{type, id, …}`) for the socket behind `link`.
    pub fn perform(&self, action: &JsValue, link: &JsValue) -> Result<(), JsValue> {
        let kind = get(action, "type").as_string().unwrap_or_default();
        let transport = || {
            let t = call(link, "get", &[get(action, "id")]).unwrap_or(JsValue::UNDEFINED);
            let key = get(&t, "wisp").as_string()?;
            Some((t, session(&key)?))
        };
        match kind.as_str() {
            "connect" => self.connect(action, link),
            "send" => {
                if let Some((t, s)) = transport() {
                    let data: Uint8Array = get(action, "data").dyn_into()?;
                    let stream = number(&t, "stream") as u32;
                    s.client.borrow_mut().send(stream, JsBytes(data));
                    pump(&s);
                }
                Ok(())
            }
            "shutdown" => {
                if let Some((t, s)) = transport() {
                    s.client.borrow_mut().close(number(&t, "stream") as u32);
                    pump(&s);
                }
                Ok(())
            }
            "abort" => {
                if let Some((t, s)) = transport() {
                    let stream = number(&t, "stream") as u32;
                    s.streams.borrow_mut().remove(&stream);
                    s.client.borrow_mut().abort(stream);
                    finish(&t);
                    pump(&s);
                }
                Ok(())
            }
            // A WebSocket cannot be paused, and Wisp has no receive window (docs).
            "pause" | "resume" => Ok(()),
            // Wisp has no half-close (its CLOSE ends both ways) and no TCP options: the output
            // stays open after end() until close() (docs/promises-and-streams.md).
            "endOutput" | "configure" => Ok(()),
            // The entries refuse these first (`refuse`); an engine not told that the server
            // resolves names would ask to resolve.
            "listen" => fail_later(action, link, "listenFailed"),
            "resolve" => fail_later(action, link, "connectFailed"),
            other => Err(JsValue::from_str(&format!(
                "kvsocket: unknown engine action {other:?}"
            ))),
        }
    }
}

impl WispHost {
    fn connect(&self, action: &JsValue, link: &JsValue) -> Result<(), JsValue> {
        let key = get(&get(link, "options"), "proxy")
            .as_string()
            .unwrap_or_default();
        let port = number(action, "port") as u16;
        let ip = get(action, "ip").as_string();
        let host = ip
            .clone()
            .or_else(|| get(action, "host").as_string())
            .unwrap_or_default();
        let udp = get(action, "protocol").as_string().as_deref() == Some("udp");
        let t: JsValue = js_sys::Object::new().into();
        call(link, "open", &[get(action, "id"), t.clone()])?;
        set(&t, "wisp", key.as_str());
        set(&t, "udp", udp);
        // The page never learns which address the server used for a name.
        set(&t, "remoteIp", ip.unwrap_or_else(|| "0.0.0.0".into()));
        set(&t, "remotePort", port);
        let s = match session(&key) {
            Some(s) => s,
            None => self.open_session(&key),
        };
        let kind = if udp {
            StreamType::Udp
        } else {
            StreamType::Tcp
        };
        let stream = s.client.borrow_mut().open(kind, &host, port);
        set(&t, "stream", stream);
        s.streams.borrow_mut().insert(stream, t);
        // Never inside connect(): what the stream's opening says is told on a later turn.
        schedule(&s);
        Ok(())
    }

    fn open_session(&self, key: &str) -> Rc<Session> {
        let parsed = parse(key);
        let credentials = parsed.as_ref().ok().and_then(|(_, c)| c.clone());
        let url = parsed.map(|(url, _)| url).unwrap_or_default();
        let ws = self.factory.open(&url, true);
        let s = Rc::new(Session {
            key: key.to_owned(),
            url,
            factory: self.factory.clone(),
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
                    &format!("cannot open a WebSocket to the Wisp URL {key}"),
                );
                forget(&s);
            }
        }
        s
    }
}

fn attach(s: &Rc<Session>, ws: &WebSocket) {
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
fn message(s: &Rc<Session>, data: JsValue) -> Result<(), JsValue> {
    let Ok(buf) = data.dyn_into::<ArrayBuffer>() else {
        // Wisp is binary only: a text frame is ignored, as the reference implementations do.
        return Ok(());
    };
    let bytes = Uint8Array::new(&buf);
    let len = bytes.length() as usize;
    let first = if len > 0 { bytes.get_index(0) } else { 0 };
    let seen = bytes.subarray(0, bytes_needed(first, len) as u32).to_vec();
    let routed = s.client.borrow_mut().receive(&seen);
    // What came before (an Opened, say) is told before these bytes.
    pump(s);
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
fn lost(s: &Rc<Session>, code: u16, reason: &str) {
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
            format!("the Wisp server's WebSocket closed ({code} {reason})"),
        )
    } else {
        (
            ErrorCode::ProxyConnectionRefused,
            format!("the Wisp server's WebSocket did not open ({code})"),
        )
    };
    s.up.set(false);
    s.client
        .borrow_mut()
        .connection_lost(error, detail.trim_end());
    pump(s);
}

/// Runs the pump on a later turn (once, however often asked before it runs).
fn schedule(s: &Rc<Session>) {
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
fn pump(s: &Rc<Session>) {
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

/// Pumps again once the WebSocket's buffer has had time to drain (once, however often asked).
fn poll_room(s: &Rc<Session>) {
    if s.polling.replace(true) {
        return;
    }
    let s = s.clone();
    set_timeout(POLL_MS, move || {
        s.polling.set(false);
        pump(&s);
    });
}

/// Sends the client's packets and tells its events until it has none.
fn drain(s: &Rc<Session>) {
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
                // A closing WebSocket drops what is sent; its close event fails the streams.
                let _ = ws.send_with_array_buffer_view(&message_of(p));
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

fn tell(s: &Rc<Session>, event: Event) -> Result<(), JsValue> {
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
fn close_when_idle(s: &Rc<Session>) {
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

/// The transport leaves its link: no more inputs from it.
fn finish(t: &JsValue) {
    set(t, "finished", true);
    let _ = call(&get(t, "link"), "drop", &[get(t, "id"), t.clone()]);
}

/// Answers an action Wisp cannot perform, a turn later.
fn fail_later(action: &JsValue, link: &JsValue, input: &str) -> Result<(), JsValue> {
    let args = [
        input.into(),
        get(action, "id"),
        "UnsupportedSocketOperation".into(),
    ];
    let link = link.clone();
    set_timeout(0, move || {
        let _ = call(&link, "feed", &args);
    });
    Ok(())
}
