//! One transport's state (a TCP tunnel, a claimed incoming connection, or a listen or UDP
//! session: one shape, as the shared handlers see them all), where they are kept, and what every
//! kind does alike: sending, reporting what left the WebSocket's buffer, ending.
//!
//! Borrows: no `RefCell` borrow of a transport is held while the link is called: the link feeds
//! the engine, whose actions come straight back into `perform` (src/transport/browser/mod.rs).

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Object, Uint8Array};
use wasm_bindgen::prelude::*;

use super::owner::{Home, Owner, Reach};
use super::socket::Ws;
use super::timer::{set_timeout, set_timeout_with};
use crate::transport::link::Handle;
use crate::tunnel::codes::{close, control, end_reading_done, message};

/// How often to look at `bufferedAmount` while bytes are still queued in the WebSocket (it
/// tells nothing when its buffer drains): a tunnel's, and a Wisp session's in a browser
/// (src/transport/wisp/session.rs, through `poll_ms()`).
pub const POLL_MS: i32 = 4;

/// The largest binary message a TCP tunnel sends: TCP has no message boundaries, and a proxy
/// closes on a message over its own limit (kvsocket-proxy's `--max-frame`, 256 KiB by default:
/// 1009). A UDP session keeps one datagram per message.
const MAX_MESSAGE: u32 = 64 * 1024;

/// Error names fed to the engine (our own codes pass `ErrorCode::from_host` as they are).
pub const NOT_FOUND: &str = "ProxyNotFound";
pub const UNSUPPORTED: &str = "UnsupportedSocketOperation";

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A TCP tunnel, or a claimed incoming connection.
    Tunnel,
    /// The reverse tunnel's control socket (TCP listen).
    Listener,
    /// `?udp=1&host=&port=`: one peer.
    UdpConnected,
    /// `?udp=1&listen=`: each datagram's sender in a `from` message before it.
    UdpBound,
}

pub struct Transport {
    /// What JS sees of it (kept on a socket's link).
    pub handle: Handle,
    home: Home,
    pub key: u32,
    pub kind: Kind,
    pub ws: Option<Ws>,
    /// Bytes handed to the WebSocket and not yet reported `sent`.
    pub unsent: f64,
    /// Frames written before open (a claimed connection, a session), each a string or a copy.
    pub queue: Option<Vec<JsValue>>,
    pub up: bool,
    /// No more inputs; left the link.
    pub finished: bool,
    /// A shutdown waits for the bytes.
    pub closing: bool,
    /// Our end was sent.
    pub ended: bool,
    /// kvsocket-proxy's end messages (docs/proxy-protocol.md) ...
    pub end_exchange: bool,
    /// ... and its pause messages, which it said it takes.
    pub pausable: bool,
    /// The proxy reports the dial's outcome as a message ...
    pub report: bool,
    /// ... and has.
    pub connected: bool,
    /// The proxy's words about a failed dial (report=1: its error message).
    pub said: Option<String>,
    /// An incoming connection, up before its WebSocket opens.
    pub claimed: bool,
    pub peer_ended: bool,
    polling: bool,
    pub remote_ip: String,
    pub remote_port: u16,
    /// Sessions: ready once the proxy said so (`listening`, `connected`).
    pub ready: bool,
    /// The last `to` message a bound UDP session sent.
    pub to: String,
    /// A UDP session's sender: the peer (connected), or the last `from` message's (bound).
    pub from: (JsValue, JsValue),
    /// A listener's template, for its claims' URLs.
    pub template: String,
}

pub type T = Rc<RefCell<Transport>>;

/// The transports whose WebSocket may still call a handler, by key (the handlers are shared, and
/// find theirs by the key on the WebSocket).
struct Live {
    slots: Vec<Option<T>>,
    free: Vec<u32>,
}

thread_local! {
    static LIVE: RefCell<Live> = const { RefCell::new(Live { slots: Vec::new(), free: Vec::new() }) };
    /// The look at `bufferedAmount` POLL_MS after a send, shared by every transport (by key: no
    /// closure made per send); a transport that finished meanwhile is not looked at.
    static POLL: js_sys::Function = Closure::<dyn Fn(u32)>::new(|key: u32| {
        if let Some(t) = live(key) {
            t.borrow_mut().polling = false;
            after_progress(&t);
        }
    })
    .into_js_value()
    .unchecked_into();
}

/// The transport with this key, while it is live.
pub fn live(key: u32) -> Option<T> {
    LIVE.with(|l| l.borrow().slots.get(key as usize).cloned().flatten())
}

/// The transport behind a handle the link returned (`link.get(id)`), while it is live.
pub fn of_handle(handle: &JsValue) -> Option<T> {
    if !handle.is_object() {
        return None;
    }
    live(handle.unchecked_ref::<Handle>().key()?)
}

/// A new transport for engine transport `id`, kept by `owner`.
pub fn transport_on(owner: &Owner, id: u32, kind: Kind) -> T {
    let handle: Handle = Object::new().unchecked_into();
    let key = LIVE.with(|l| {
        let mut l = l.borrow_mut();
        match l.free.pop() {
            Some(key) => key,
            None => {
                l.slots.push(None);
                (l.slots.len() - 1) as u32
            }
        }
    });
    handle.set_key(key);
    handle.set_sends_in_call(true);
    let t = Rc::new(RefCell::new(Transport {
        handle: handle.clone(),
        home: owner.home(id),
        key,
        kind,
        ws: None,
        unsent: 0.0,
        queue: None,
        up: false,
        finished: false,
        closing: false,
        ended: false,
        end_exchange: false,
        pausable: false,
        report: false,
        connected: false,
        said: None,
        claimed: false,
        peer_ended: false,
        polling: false,
        remote_ip: "0.0.0.0".into(),
        remote_port: 0,
        ready: false,
        to: String::new(),
        from: (JsValue::UNDEFINED, JsValue::UNDEFINED),
        template: String::new(),
    }));
    LIVE.with(|l| l.borrow_mut().slots[key as usize] = Some(t.clone()));
    owner.open(id, &t, &handle);
    t
}

/// Where the transport reports now: a JS transport's link is the one its handle names
/// (`accept(other)` moves it), with the id there.
pub fn reach(t: &T) -> Reach {
    let s = t.borrow();
    match &s.home {
        Home::Js => Reach::Js(s.handle.link(), s.handle.id()),
        Home::Rust(owner, id) => Reach::Rust(owner.clone(), *id),
    }
}

/// The transport is done: no more inputs from it, its handlers released, and it leaves the link.
pub fn finish(t: &T) {
    let (handle, key) = {
        let mut s = t.borrow_mut();
        s.finished = true;
        if let Some(ws) = &s.ws {
            ws.set_handlers(None);
        }
        (s.handle.clone(), s.key)
    };
    LIVE.with(|l| {
        let mut l = l.borrow_mut();
        if l.slots.get(key as usize).is_some_and(Option::is_some) {
            l.slots[key as usize] = None;
            l.free.push(key);
        }
    });
    reach(t).drop_transport(&handle, key);
}

/// Reports `failed(reason)` on a later task: the failure of an action is never reported inside
/// the call that performed it (connect() has returned true, status is Connecting).
pub fn fail_later(t: &T, reason: &'static str) {
    finish(t);
    let t = t.clone();
    set_timeout(0, move || reach(&t).failed(reason));
}

/// Sends a text (control) frame, or queues it until open.
pub fn put_text(t: &T, text: &str) {
    let mut s = t.borrow_mut();
    if s.ws.is_none() || s.finished {
        return;
    }
    if !s.up {
        s.queue.get_or_insert_with(Vec::new).push(text.into());
        return;
    }
    if let Some(ws) = &s.ws {
        ws.send_text(text);
    }
}

/// Sends bytes, or queues a copy until open. Only binary bytes count as `unsent` (the engine
/// knows nothing of control frames); text ones sit in `bufferedAmount` too, which only makes
/// `sent` a little later, never early.
pub fn put_bytes(t: &T, bytes: &Uint8Array) {
    let mut s = t.borrow_mut();
    if s.ws.is_none() || s.finished {
        return;
    }
    if !s.up {
        // Copied within the call, as WebSocket.send does, so that the facade may lend a
        // write's view (`sendsInCall`).
        let copy = bytes.slice(0, bytes.length());
        s.queue.get_or_insert_with(Vec::new).push(copy.into());
        return;
    }
    if let Some(ws) = &s.ws {
        ws.send_bytes(bytes);
    }
    s.unsent += bytes.length() as f64;
}

/// A `send` of a TCP tunnel: messages of at most MAX_MESSAGE bytes (views of the same buffer);
/// `sent` follows as they leave the WebSocket's buffer.
pub fn send_stream(t: &T, data: &Uint8Array) {
    let len = data.length();
    if len <= MAX_MESSAGE {
        put_bytes(t, data);
    } else {
        let mut at = 0;
        while at < len {
            put_bytes(t, &data.subarray(at, len.min(at + MAX_MESSAGE)));
            at += MAX_MESSAGE;
        }
    }
    after_progress(t);
}

/// The WebSocket opened: what waited for it goes out, in order, before a shutdown that waited
/// too.
pub fn opened(t: &T) {
    let queue = {
        let mut s = t.borrow_mut();
        s.up = true;
        s.queue.take()
    };
    for frame in queue.into_iter().flatten() {
        match frame.as_string() {
            Some(text) => put_text(t, &text),
            None => put_bytes(t, frame.unchecked_ref()),
        }
    }
    after_progress(t);
}

/// A `shutdown`. End exchange (kvsocket-proxy): our end after the bytes, and the last `sent`
/// held back until the proxy's close says whether they reached the target (1000) or not (1011:
/// `failed`), so that a Closing engine does not end early. Otherwise (websockify): close (1000)
/// once every byte has left the WebSocket's buffer.
pub fn shutdown(t: &T) {
    t.borrow_mut().closing = true;
    after_progress(t);
}

/// An `endOutput` (half-close). End exchange: our end after the bytes, the WebSocket stays open
/// for what the target still sends. Without it a WebSocket cannot end one way only: the output
/// ends with the connection (docs/promises-and-streams.md).
pub fn end_output(t: &T) {
    {
        let s = t.borrow();
        if !s.end_exchange || s.ended || !s.up {
            return;
        }
    }
    report_sent(t);
    let mut s = t.borrow_mut();
    s.ended = true;
    if let Some(ws) = &s.ws {
        ws.send_text(&control(message::END));
    }
}

/// A `pause` or `resume` of the receive: told to kvsocket-proxy where it said it takes it (a
/// claim's before open waits with the frames); a WebSocketStream stops being read, so TCP pushes
/// back on any proxy. Elsewhere a WebSocket cannot be paused: received bytes keep buffering
/// (docs/spec.md, Backpressure).
pub fn pause_reading(t: &T, paused: bool) {
    let pausable = {
        let s = t.borrow();
        if s.finished {
            return;
        }
        s.pausable
    };
    // The receive pause, both ways of it: the engine holds its receive high-water mark unread,
    // and kvsocket-proxy stops reading the target until the resume (docs/proxy-protocol.md).
    if pausable {
        put_text(
            t,
            &control(if paused {
                message::PAUSE
            } else {
                message::RESUME
            }),
        );
    }
    if let Some(ws) = &t.borrow().ws {
        ws.pause_reading(paused);
    }
}

/// An `abort`: close now. (Bytes the WebSocket already took still go out before its close
/// frame: a browser cannot reset a connection.)
pub fn abort(t: &T) {
    finish(t);
    if let Some(ws) = &t.borrow().ws {
        ws.close(None);
    }
}

/// Reports what left the WebSocket's buffer, then ends if a shutdown waits for that, or looks
/// again shortly while bytes are still queued.
pub fn after_progress(t: &T) {
    // Before open nothing has left, and a close now would abort the opening: opened() calls
    // this again.
    if !t.borrow().up {
        return;
    }
    report_sent(t);
    let mut s = t.borrow_mut();
    if s.finished || s.ended {
        return;
    }
    if s.closing && s.end_exchange {
        // Every byte is in the WebSocket (queued ones went out in opened()); the end follows
        // them. Nothing more is reported until the proxy's close. After `close()` the page is
        // done reading too, so the proxy answers as soon as its system took every byte, as the
        // Node host ends Closing.
        s.ended = true;
        if let Some(ws) = &s.ws {
            ws.send_text(&end_reading_done());
        }
    } else if s.unsent > 0.0 {
        if !s.polling {
            s.polling = true;
            POLL.with(|poll| set_timeout_with(poll, POLL_MS, s.key));
        }
    } else if s.closing {
        if let Some(ws) = &s.ws {
            ws.close(Some(close::NORMAL));
        }
    }
}

pub fn report_sent(t: &T) {
    let n = {
        let mut s = t.borrow_mut();
        let unsent = s.unsent;
        // Nothing unsent (a received message's common case), or, with the end exchange, what is
        // unsent at a shutdown waits for the proxy's answer.
        if unsent <= 0.0 || (s.closing && s.end_exchange) {
            return;
        }
        let Some(ws) = &s.ws else { return };
        let left = ws.buffered_amount().min(unsent);
        if left >= unsent {
            return;
        }
        // Before feeding: the engine may send more from inside the feed.
        s.unsent = left;
        unsent - left
    };
    reach(t).sent(n);
}

/// Every byte still unsent as `sent`: the proxy said they reached the target.
pub fn release_sent(t: &T) {
    let n = std::mem::take(&mut t.borrow_mut().unsent);
    if n > 0.0 {
        reach(t).sent(n);
    }
}
