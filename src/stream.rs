//! A Rust async API for programs compiled to wasm that run in a browser: [`TcpStream`] is one
//! engine driven by the browser transport (a WebSocket to kvsocket-proxy, or websockify), and
//! implements futures' `AsyncRead` and `AsyncWrite`. Every rule is still the engine's, as for the
//! JS `Socket`: the stream turns the engine's events into wakes, and no bytes are kept here.
//!
//! ```ignore
//! use futures::io::{AsyncReadExt, AsyncWriteExt};
//! let proxy = "ws://127.0.0.1:8081/?host={host}&port={port}";
//! let mut stream = kvsocket::stream::TcpStream::connect(proxy, "127.0.0.1", 7000).await?;
//! stream.write_all(b"hello\n").await?;
//! stream.close().await?; // half-close: our FIN; reading goes on
//! let mut answer = Vec::new();
//! stream.read_to_end(&mut answer).await?;
//! ```

use std::cell::RefCell;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll, Waker};

use futures::io::{AsyncRead, AsyncWrite};
use wasm_bindgen::prelude::*;

use crate::bindings::{action_to_js, snapshot, Snapshot};
use crate::engine::{Engine, ErrorCode, Event, Input, PortArg, Status};
// The browser transport (src/transport/browser/, the one the browser entry uses): it performs
// the engine's actions on WebSockets and feeds this stream's engine its inputs directly (a
// `RustOwner`: no JS link between). Its clock is the monotonic one (performance.now()), as the
// engine's contract says.
use crate::transport::browser::{now, perform_for, set_timeout, Owner, RustOwner};
use crate::transport::is_wisp_url;

/// What the stream knows beside the engine: who waits, and how the connection went.
struct Inner {
    core: Engine,
    /// What the transport keeps its WebSocket on and feeds the engine's inputs through.
    owner: Rc<RustOwner>,
    wakers: Vec<Waker>,
    connected: bool,
    ended: bool,
    failure: Option<(ErrorCode, String)>,
    timer_at: Option<u64>,
}

/// A TCP connection through a WebSocket proxy, for async Rust in a browser.
pub struct TcpStream {
    inner: Rc<RefCell<Inner>>,
}

/// Hands one input from the transport to the engine, then acts on what follows.
fn take_input(inner: &Weak<RefCell<Inner>>, input: Input) {
    let Some(rc) = inner.upgrade() else { return };
    rc.borrow_mut().core.handle(input);
    pump(&rc);
}

/// Performs the engine's actions (no borrow is held while the transport runs: it may feed
/// inputs back at once), takes in its events, re-arms the timer, and wakes whoever waits.
fn pump(rc: &Rc<RefCell<Inner>>) {
    loop {
        let next = {
            let mut inner = rc.borrow_mut();
            inner.core.poll_action().map(|a| (a, inner.owner.clone()))
        };
        let Some((action, owner)) = next else { break };
        let _ = perform_for(action_to_js(action).unchecked_ref(), &Owner::Rust(owner));
    }
    let wakers = {
        let mut inner = rc.borrow_mut();
        while let Some(event) = inner.core.poll_event() {
            match event {
                Event::Connected => inner.connected = true,
                Event::ConnectFailed { code, reason } => {
                    inner.failure.get_or_insert((code, reason));
                    inner.ended = true;
                }
                // A failure of one write that leaves the connection is not its end's.
                Event::Error {
                    code,
                    message,
                    fatal: true,
                } => {
                    inner.failure.get_or_insert((code, message));
                }
                Event::Disconnected(_) => inner.ended = true,
                _ => {}
            }
        }
        arm_timer(rc, &mut inner);
        std::mem::take(&mut inner.wakers)
    };
    for waker in wakers {
        waker.wake();
    }
}

/// The connect timeout (and the idle ticks) need the host's clock: a setTimeout per deadline.
fn arm_timer(rc: &Rc<RefCell<Inner>>, inner: &mut Inner) {
    let at = inner.core.poll_timeout();
    if at.is_none() || at == inner.timer_at {
        return;
    }
    inner.timer_at = at;
    let weak = Rc::downgrade(rc);
    let delay = at.unwrap_or(0).saturating_sub(now());
    set_timeout(delay.min(i32::MAX as u64) as i32, move || {
        let Some(rc) = weak.upgrade() else { return };
        {
            let mut inner = rc.borrow_mut();
            inner.timer_at = None;
            inner.core.handle_timeout(now());
        }
        pump(&rc);
    });
}

fn error_of(failure: &Option<(ErrorCode, String)>, fallback: io::ErrorKind) -> io::Error {
    let Some((code, message)) = failure else {
        return io::Error::from(fallback);
    };
    let kind = match code {
        ErrorCode::ConnectionRefused | ErrorCode::ProxyConnectionRefused => {
            io::ErrorKind::ConnectionRefused
        }
        ErrorCode::RemoteHostClosed | ErrorCode::ProxyConnectionClosed => {
            io::ErrorKind::ConnectionReset
        }
        ErrorCode::SocketTimeout | ErrorCode::ProxyConnectionTimeout => io::ErrorKind::TimedOut,
        ErrorCode::HostNotFound | ErrorCode::ProxyNotFound => io::ErrorKind::NotFound,
        _ => io::ErrorKind::Other,
    };
    io::Error::new(kind, format!("{}: {message}", code.name()))
}

/// The future of [`TcpStream::connect`]: ready once the engine says Connected, or failed.
struct Opening(Option<Rc<RefCell<Inner>>>);

impl Future for Opening {
    type Output = io::Result<TcpStream>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let rc = self.0.as_ref().expect("polled after completion");
        let result = {
            let mut inner = rc.borrow_mut();
            if inner.connected {
                Some(Ok(()))
            } else if inner.ended {
                Some(Err(error_of(
                    &inner.failure,
                    io::ErrorKind::ConnectionRefused,
                )))
            } else {
                inner.wakers.push(cx.waker().clone());
                None
            }
        };
        match result {
            None => Poll::Pending,
            Some(Ok(())) => Poll::Ready(Ok(TcpStream {
                inner: self.0.take().expect("present"),
            })),
            Some(Err(e)) => {
                let rc = self.0.take().expect("present");
                rc.borrow_mut().core.destroy();
                pump(&rc);
                Poll::Ready(Err(e))
            }
        }
    }
}

impl TcpStream {
    /// Connects to `host`:`port` through the proxy at `proxy` (a URL template with `{host}` and
    /// `{port}`, kvsocket-proxy's form, or a one-target URL such as websockify's). The proxy
    /// resolves host names. Fails with the engine's refusal (a bad host or port) at once, or with
    /// the connection's failure (`ConnectionRefused`, `TimedOut`, …).
    pub async fn connect(proxy: &str, host: &str, port: u16) -> io::Result<TcpStream> {
        // Wisp URLs are the JS entries' (js/wisp/): one WebSocket shared by many sockets.
        if is_wisp_url(proxy) {
            let message = "kvsocket: the Rust stream takes a tunnel URL (ws://…), not Wisp";
            return Err(io::Error::new(io::ErrorKind::Unsupported, message));
        }
        let rc = Rc::new_cyclic(|weak| {
            let mut core = Engine::new();
            core.set_transport_resolves_names(true);
            RefCell::new(Inner {
                core,
                owner: Rc::new(RustOwner::new(proxy, {
                    let weak = weak.clone();
                    Box::new(move |input| take_input(&weak, input))
                })),
                wakers: Vec::new(),
                connected: false,
                ended: false,
                failure: None,
                timer_at: None,
            })
        });
        let started = rc
            .borrow_mut()
            .core
            .connect(Some(host), &PortArg::from(port), now());
        if let Err(e) = started {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, e.to_string()));
        }
        pump(&rc);
        Opening(Some(rc)).await
    }

    /// The remote address (for a name, what the proxy reports it dialled).
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        self.inner.borrow().core.remote()
    }

    /// Past this many unread bytes the engine stops reading (Node; a browser cannot pause a
    /// WebSocket). `bytes` must be a positive integer.
    pub fn set_receive_high_water_mark(&self, bytes: usize) -> io::Result<()> {
        self.inner
            .borrow_mut()
            .core
            .set_receive_high_water_mark(bytes as f64)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))
    }

    /// Where `write` waits: past this many bytes not yet handed to the network.
    pub fn set_high_water_mark(&self, bytes: usize) -> io::Result<()> {
        self.inner
            .borrow_mut()
            .core
            .set_high_water_mark(bytes as f64)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))
    }

    /// Status, addresses and buffer counts, for debugging.
    pub fn inspect(&self) -> Snapshot {
        snapshot(&self.inner.borrow().core)
    }
}

impl AsyncRead for TcpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let rc = &self.inner;
        let result = {
            let mut inner = rc.borrow_mut();
            if inner.core.bytes_available() > 0 {
                let data = inner.core.read_bytes(Some(buf.len()));
                buf[..data.len()].copy_from_slice(&data);
                Some(Ok(data.len()))
            } else if inner.ended || inner.core.status() != Status::Connected {
                // The end, after the last bytes: EOF for a clean one, the failure otherwise.
                Some(match inner.failure {
                    Some(_) => Err(error_of(&inner.failure, io::ErrorKind::ConnectionReset)),
                    None => Ok(0),
                })
            } else {
                inner.wakers.push(cx.waker().clone());
                None
            }
        };
        match result {
            Some(r) => {
                pump(rc); // a read may resume a paused receive
                Poll::Ready(r)
            }
            None => Poll::Pending,
        }
    }
}

impl AsyncWrite for TcpStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let rc = &self.inner;
        let result = {
            let mut inner = rc.borrow_mut();
            if inner.ended || inner.core.status() != Status::Connected {
                Some(Err(error_of(&inner.failure, io::ErrorKind::BrokenPipe)))
            } else if inner.core.needs_drain() {
                // Over the high-water mark: wait for the drain, as a JS writer does.
                inner.wakers.push(cx.waker().clone());
                None
            } else if buf.is_empty() {
                Some(Ok(0))
            } else {
                let n = inner.core.write(buf.to_vec());
                if n == 0 {
                    let message = inner.core.last_error().to_string();
                    Some(Err(io::Error::new(io::ErrorKind::BrokenPipe, message)))
                } else {
                    Some(Ok(n))
                }
            }
        };
        match result {
            Some(r) => {
                pump(rc);
                Poll::Ready(r)
            }
            None => Poll::Pending,
        }
    }

    /// Ready once every byte written was handed to the network (or the connection ended).
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut inner = self.inner.borrow_mut();
        if inner.core.buffered_amount() == 0 || inner.ended {
            Poll::Ready(Ok(()))
        } else {
            inner.wakers.push(cx.waker().clone());
            Poll::Pending
        }
    }

    /// A half-close (the engine's `end()`): our FIN after what was written; reading goes on
    /// until the peer ends. Ready once the output is handed over.
    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        {
            let mut inner = self.inner.borrow_mut();
            if !inner.ended {
                let _ = inner.core.end(); // again, or after the end: nothing more to do
            }
        }
        pump(&self.inner);
        self.poll_flush(cx)
    }
}

impl Drop for TcpStream {
    /// Aborts the connection (the engine's `destroy`), as dropping a socket does.
    fn drop(&mut self) {
        self.inner.borrow_mut().core.destroy();
        pump(&self.inner);
    }
}
