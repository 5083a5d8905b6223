//! Who a transport belongs to, and where it reports: a socket's JS link (js/link.js: the
//! facade's `Socket`), or the Rust async stream (src/stream.rs), which takes the engine's inputs
//! as they are, with no JS between. One transport serves both.

use std::cell::RefCell;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::rc::Rc;

use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;

use super::transport::{of_handle, T};
use crate::engine::address::parse_host_ip;
use crate::engine::Input;
use crate::transport::link::{template_of, Handle, Link};

/// The Rust stream's side: its proxy URL, how its engine takes an input, and its transports.
pub struct RustOwner {
    pub proxy: String,
    pub feed: Box<dyn Fn(Input)>,
    transports: RefCell<Vec<(u32, T)>>,
}

impl RustOwner {
    pub fn new(proxy: &str, feed: Box<dyn Fn(Input)>) -> Self {
        RustOwner {
            proxy: proxy.into(),
            feed,
            transports: RefCell::new(Vec::new()),
        }
    }
}

/// What `perform` was called for.
#[derive(Clone)]
pub enum Owner {
    Js(Link),
    Rust(Rc<RustOwner>),
}

impl Owner {
    /// The proxy URL template, if there is one.
    pub fn template(&self) -> Option<String> {
        match self {
            Owner::Js(link) => template_of(link),
            Owner::Rust(o) => Some(o.proxy.clone()).filter(|p| !p.is_empty()),
        }
    }

    /// Keeps a new transport for engine transport `id`.
    pub fn open(&self, id: u32, t: &T, handle: &Handle) {
        match self {
            Owner::Js(link) => link.open(id, handle),
            Owner::Rust(o) => o.transports.borrow_mut().push((id, t.clone())),
        }
    }

    /// The live transport kept for `id`.
    pub fn get(&self, id: u32) -> Option<T> {
        match self {
            Owner::Js(link) => of_handle(&link.get(id)),
            Owner::Rust(o) => {
                let list = o.transports.borrow();
                list.iter().find(|(i, _)| *i == id).map(|(_, t)| t.clone())
            }
        }
    }

    /// Where a new transport for `id` reports.
    pub fn home(&self, id: u32) -> Home {
        match self {
            Owner::Js(_) => Home::Js,
            Owner::Rust(o) => Home::Rust(o.clone(), id),
        }
    }

    pub fn reach(&self, id: u32) -> Reach {
        match self {
            Owner::Js(link) => Reach::Js(link.clone(), id),
            Owner::Rust(o) => Reach::Rust(o.clone(), id),
        }
    }
}

/// A transport's owner as the transport keeps it: a JS transport's link is read from its handle
/// each time (`accept(other)` moves it to another socket's link).
pub enum Home {
    Js,
    Rust(Rc<RustOwner>, u32),
}

/// A transport's owner and id now: the inputs, one method per kind (js/link.js's).
pub enum Reach {
    Js(Link, u32),
    Rust(Rc<RustOwner>, u32),
}

fn addr_of(ip: &JsValue, port: &JsValue) -> SocketAddr {
    let ip = ip
        .as_string()
        .and_then(|s| parse_host_ip(&s))
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    SocketAddr::new(ip, port.as_f64().unwrap_or(0.0) as u16)
}

impl Reach {
    fn feed(&self, input: impl FnOnce(u32) -> Input) {
        if let Reach::Rust(o, id) = self {
            (o.feed)(input(*id));
        }
    }

    pub fn connected(&self, local: (&JsValue, &JsValue), remote: (&JsValue, &JsValue)) {
        match self {
            Reach::Js(link, id) => link.connected(*id, local.0, local.1, remote.0, remote.1),
            _ => self.feed(|id| Input::Connected {
                id,
                local: addr_of(local.0, local.1),
                remote: addr_of(remote.0, remote.1),
            }),
        }
    }

    /// Stream bytes: the browser's own buffer to the link; a copy into the Rust engine.
    pub fn received(&self, data: &Uint8Array) {
        match self {
            Reach::Js(link, id) => link.received(*id, data),
            _ => self.feed(|id| Input::Received {
                id,
                data: data.to_vec(),
                from: None,
            }),
        }
    }

    /// A datagram (the Rust stream has no UDP).
    pub fn received_from(&self, data: &Uint8Array, ip: &JsValue, port: &JsValue) {
        if let Reach::Js(link, id) = self {
            link.received_from(*id, data, ip, port);
        }
    }

    pub fn sent(&self, n: f64) {
        match self {
            Reach::Js(link, id) => link.sent(*id, n),
            _ => self.feed(|id| Input::Sent {
                id,
                len: n as usize,
            }),
        }
    }

    pub fn peer_closed(&self) {
        match self {
            Reach::Js(link, id) => link.peer_closed(*id),
            _ => self.feed(|id| Input::PeerClosed { id }),
        }
    }

    pub fn failed(&self, error: &str) {
        match self {
            Reach::Js(link, id) => link.failed(*id, error),
            _ => self.feed(|id| Input::Failed {
                id,
                error: error.into(),
            }),
        }
    }

    pub fn ws_closed(&self, code: u16, reason: &str, opened: bool) {
        match self {
            Reach::Js(link, id) => link.ws_closed(*id, code, reason, opened),
            _ => self.feed(|id| Input::WsClosed {
                id,
                code,
                reason: reason.into(),
                opened,
            }),
        }
    }

    /// A bind (the Rust stream does not listen).
    pub fn listening(&self, ip: &JsValue, port: &JsValue) {
        if let Reach::Js(link, id) = self {
            link.listening(*id, ip, port);
        }
    }

    /// An incoming connection: `{link, id}` of the socket that takes it, or null to drop it.
    pub fn incoming(&self, local: (&JsValue, &JsValue), remote: (&JsValue, &JsValue)) -> JsValue {
        match self {
            Reach::Js(link, id) => link.incoming(*id, local.0, local.1, remote.0, remote.1),
            Reach::Rust(..) => JsValue::NULL,
        }
    }

    /// The transport leaves its owner.
    pub fn drop_transport(&self, handle: &Handle, key: u32) {
        match self {
            Reach::Js(link, id) => link.drop_transport(*id, handle),
            Reach::Rust(o, id) => o
                .transports
                .borrow_mut()
                .retain(|(i, t)| !(*i == *id && t.borrow().key == key)),
        }
    }
}
