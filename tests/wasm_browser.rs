//! The browser host in Chromium (`scripts/test-browser.sh` runs this with
//! `wasm-pack test --headless --chrome -- --test wasm_browser`): the real `Engine` and the
//! browser transport (src/transport/browser/, over web-sys), joined by the facade's own `Link` (js/link.js), against
//! kvsocket-proxy and
//! against websockify in its one-target mode. The script starts the peers and passes where they
//! are at compile time (`KVSOCKET_*`, below); without them every test says so and passes.
#![cfg(target_arch = "wasm32")]

use std::cell::{OnceCell, RefCell};
use std::rc::Rc;

use js_sys::{Array, Function, Promise, Reflect, Uint8Array};
use kvsocket::bindings::Engine;
// The browser entry's transport (src/transport/browser/).
use kvsocket::transport::browser::{perform, proxy_url};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(module = "/js/link.js")]
extern "C" {
    type Link;
    #[wasm_bindgen(constructor)]
    fn new(sink: &JsValue, socket: &JsValue, options: &JsValue) -> Link;
}

// The facade's own reader of the batch a batched engine writes after each call.
#[wasm_bindgen(module = "/js/batch.js")]
extern "C" {
    #[wasm_bindgen(js_name = createBatchReader)]
    fn create_batch_reader(wasm: &JsValue, options: &JsValue) -> Function;
}

thread_local! {
    /// `createBatchReader({ memory, batchHeader, batchKinds, setShelf }, { textCache })` over
    /// this module, made once.
    static READ_BATCH: Function = {
        let wasm = js_sys::Object::new();
        let header = Closure::<dyn Fn() -> u32>::new(kvsocket::bindings::batch_header);
        let kinds = Closure::<dyn Fn() -> String>::new(kvsocket::bindings::batch_kinds);
        let shelf = Closure::<dyn Fn(Array)>::new(kvsocket::bindings::shelf::set_shelf);
        Reflect::set(&wasm, &"memory".into(), &wasm_bindgen::memory()).unwrap();
        Reflect::set(&wasm, &"batchHeader".into(), &header.into_js_value()).unwrap();
        Reflect::set(&wasm, &"batchKinds".into(), &kinds.into_js_value()).unwrap();
        Reflect::set(&wasm, &"setShelf".into(), &shelf.into_js_value()).unwrap();
        let options = js_sys::Object::new();
        let cache = f64::from(kvsocket::bindings::tuning::TEXT_CACHE);
        Reflect::set(&options, &"textCache".into(), &cache.into()).unwrap();
        create_batch_reader(&wasm, &options)
    };
}

/// The last batch's actions and events, copied out before anything calls into wasm again.
fn read_batch() -> (Vec<JsValue>, Vec<JsValue>) {
    let out = READ_BATCH.with(|read| read.call0(&JsValue::NULL).expect("read the batch"));
    let take = |list: &str, count: &str| {
        let items: Array = field(&out, list).unchecked_into();
        let n = field(&out, count).as_f64().unwrap() as u32;
        (0..n).map(|i| items.get(i)).collect::<Vec<_>>()
    };
    (take("actions", "actionCount"), take("events", "eventCount"))
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &Function, ms: i32);
}

/// Where the peers are: set by scripts/test-browser.sh when it builds these tests.
struct Peers {
    /// The target server (tests/browser/targets.js).
    target_port: u16,
    /// A port where nothing listens.
    closed_port: u16,
    /// kvsocket-proxy, allowing the target (by address and as `localhost`) and the closed port.
    proxy_port: u16,
    /// websockify in front of the target, and one in front of the closed port.
    websockify_port: u16,
    websockify_refused_port: u16,
}

fn peers() -> Option<Peers> {
    let port = |v: Option<&str>| v.and_then(|v| v.parse().ok());
    Some(Peers {
        target_port: port(option_env!("KVSOCKET_TARGET_PORT"))?,
        closed_port: port(option_env!("KVSOCKET_CLOSED_PORT"))?,
        proxy_port: port(option_env!("KVSOCKET_PROXY_PORT"))?,
        websockify_port: port(option_env!("KVSOCKET_WEBSOCKIFY_PORT"))?,
        websockify_refused_port: port(option_env!("KVSOCKET_WEBSOCKIFY_REFUSED_PORT"))?,
    })
}

#[derive(Clone, Copy, Debug)]
enum Proxy {
    Kvsocket,
    Websockify,
}

impl Proxy {
    fn template(self, p: &Peers) -> String {
        match self {
            Proxy::Kvsocket => format!(
                "ws://127.0.0.1:{}/?host={{host}}&port={{port}}",
                p.proxy_port
            ),
            Proxy::Websockify => format!("ws://127.0.0.1:{}/", p.websockify_port),
        }
    }
}

// ----- a socket: Engine + the browser host + Link, pumped as js/socket.js does ----------------------

struct Inner {
    engine: JsValue,
    link: OnceCell<JsValue>,
    /// Every event, as "type" or "type:detail".
    events: RefCell<Vec<String>>,
}

struct Sock(Rc<Inner>);

fn call(obj: &JsValue, name: &str, args: &[JsValue]) -> JsValue {
    let f: Function = Reflect::get(obj, &name.into()).unwrap().unchecked_into();
    f.apply(obj, &args.iter().collect::<Array>())
        .unwrap_or_else(|e| panic!("{name}: {e:?}"))
}

fn field(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &key.into()).unwrap()
}

fn describe(event: &JsValue) -> String {
    let kind = field(event, "type").as_string().unwrap();
    let detail = match kind.as_str() {
        "stateChanged" => field(event, "name"),
        "connectFailed" | "error" => field(event, "code"),
        "disconnected" => field(event, "error"),
        _ => return kind,
    };
    format!("{kind}:{}", detail.as_string().unwrap_or_default())
}

impl Inner {
    /// After each call into the (batched) engine, as js/socket.js: its events are told, its
    /// actions performed (which may feed inputs, and so pump again, from inside).
    fn pump(&self) {
        let link = self.link.get().expect("link set");
        let (actions, events) = read_batch();
        for event in &events {
            self.events.borrow_mut().push(describe(event));
        }
        for action in &actions {
            perform(action.unchecked_ref(), link.unchecked_ref()).expect("perform");
        }
    }
}

impl Sock {
    fn new(template: &str) -> Sock {
        let engine: JsValue = Engine::new().into();
        call(&engine, "setTransportResolvesNames", &[true.into()]);
        call(&engine, "setBatched", &[true.into()]);
        let inner = Rc::new(Inner {
            engine,
            link: OnceCell::new(),
            events: RefCell::new(Vec::new()),
        });
        // The facade's input sink (js/link.js), one entry per input kind, each calling the
        // engine's input of that name here, then acting on what follows. `Fn`, not `FnMut`: the host may feed again from inside (a `sent` while
        // performing a `send`). The socket argument is the link's own (null here: one socket).
        let feed = Rc::clone(&inner);
        let input = Closure::<dyn Fn(JsValue, String, Array)>::new(
            move |_socket: JsValue, method: String, args: Array| {
                let f: Function = Reflect::get(&feed.engine, &method.as_str().into())
                    .unwrap()
                    .unchecked_into();
                f.apply(&feed.engine, &args).expect("engine input");
                feed.pump();
            },
        );
        let sink = js_sys::Object::new();
        Reflect::set(&sink, &"input".into(), &input.into_js_value()).unwrap();
        // The link's typed inputs (js/link.js), each to the engine method of its name (a
        // datagram with its sender is the engine's `received` with the address).
        for (kind, method) in [
            ("resolved", "resolved"),
            ("connected", "connected"),
            ("received", "received"),
            ("receivedFrom", "received"),
            ("sent", "sent"),
            ("unsent", "unsent"),
            ("peerClosed", "peerClosed"),
            ("closed", "closed"),
            ("flushed", "flushed"),
            ("failed", "failed"),
            ("wsClosed", "wsClosed"),
            ("listening", "listening"),
        ] {
            let entry = Function::new_with_args(
                "socket, ...args",
                &["return this.input(socket, '", method, "', args);"].concat(),
            );
            Reflect::set(&sink, &kind.into(), &entry).unwrap();
        }
        let options = js_sys::Object::new();
        Reflect::set(&options, &"proxy".into(), &template.into()).unwrap();
        let link: JsValue = Link::new(&sink, &JsValue::NULL, &options).into();
        inner.link.set(link).unwrap();
        Sock(inner)
    }

    fn cmd(&self, name: &str, args: &[JsValue]) -> JsValue {
        let out = call(&self.0.engine, name, args);
        self.0.pump();
        out
    }

    fn connect(&self, host: &str, port: u16) -> bool {
        let ok = self.cmd("connect", &[host.into(), port.into(), 0.into()]);
        ok.as_bool().unwrap()
    }

    fn write(&self, bytes: &[u8]) -> f64 {
        let n = self.cmd("write", &[Uint8Array::from(bytes).into()]);
        n.as_f64().unwrap()
    }

    fn read_bytes(&self) -> Vec<u8> {
        Uint8Array::new(&self.cmd("readBytes", &[JsValue::UNDEFINED])).to_vec()
    }

    fn number(&self, query: &str) -> f64 {
        call(&self.0.engine, query, &[]).as_f64().unwrap()
    }

    fn text(&self, query: &str) -> String {
        call(&self.0.engine, query, &[]).as_string().unwrap()
    }

    fn events(&self) -> Vec<String> {
        self.0.events.borrow().clone()
    }

    fn saw(&self, event: &str) -> bool {
        self.0.events.borrow().iter().any(|e| e == event)
    }

    /// Waits (10 s at most) until `done` holds.
    async fn until(&self, what: &str, done: impl Fn(&Sock) -> bool) {
        for _ in 0..1000 {
            if done(self) {
                return;
            }
            sleep(10).await;
        }
        panic!("timed out waiting for {what}; events: {:?}", self.events());
    }

    async fn until_event(&self, event: &str) {
        self.until(event, |s| s.saw(event)).await
    }

    async fn connected(template: &str, host: &str, port: u16) -> Sock {
        let s = Sock::new(template);
        assert!(s.connect(host, port), "connect: {}", s.text("lastError"));
        s.until_event("connected").await;
        s
    }
}

async fn sleep(ms: i32) {
    let p = Promise::new(&mut |resolve, _| set_timeout(&resolve, ms));
    JsFuture::from(p).await.unwrap();
}

fn all_byte_values() -> Vec<u8> {
    (0..=255u8).collect()
}

/// The target's `count NAME` answer for bytes sent to `sink NAME`: "BYTES SUM\n".
async fn sink_count(template: &str, peers: &Peers, name: &str) -> String {
    let s = Sock::connected(template, "127.0.0.1", peers.target_port).await;
    s.write(format!("count {name}\n").as_bytes());
    s.until_event("disconnected:").await;
    String::from_utf8(s.read_bytes()).unwrap()
}

macro_rules! skip_without_peers {
    () => {
        match peers() {
            Some(p) => p,
            None => {
                console_log!("skipped: run scripts/test-browser.sh, which starts the proxies");
                return;
            }
        }
    };
}

// ----- the scenarios, each against both proxies -----------------------------------------------

async fn connect_sets_status_and_addresses(proxy: Proxy) {
    let p = skip_without_peers!();
    let s = Sock::connected(&proxy.template(&p), "127.0.0.1", p.target_port).await;
    assert_eq!(
        s.events(),
        [
            "stateChanged:Connecting",
            "stateChanged:Connected",
            "connected"
        ]
    );
    assert_eq!(s.text("statusName"), "Connected");
    assert_eq!(s.text("remoteIp"), "127.0.0.1");
    assert_eq!(s.number("remotePort"), f64::from(p.target_port));
    // A page does not learn a local address (docs/spec.md), whichever proxy it uses.
    assert_eq!(s.text("localIp"), "0.0.0.0");
    s.cmd("close", &[]);
    assert_eq!(s.text("statusName"), "Unconnected");
}

async fn all_256_byte_values_round_trip(proxy: Proxy) {
    let p = skip_without_peers!();
    let s = Sock::new(&proxy.template(&p));
    assert!(s.connect("127.0.0.1", p.target_port));
    // Written while Connecting: queued, sent once connected.
    let mut out = b"echo\n".to_vec();
    let payload: Vec<u8> = all_byte_values().repeat(4);
    out.extend_from_slice(&payload);
    assert_eq!(s.write(&out), out.len() as f64);
    s.until("all bytes back", |s| {
        s.number("bytesAvailable") >= payload.len() as f64
    })
    .await;
    assert_eq!(s.read_bytes(), payload);
    // `sent` follows the WebSocket's bufferedAmount, which may trail the echo.
    s.until("every byte reported sent", |s| {
        s.number("bufferedAmount") == 0.0
    })
    .await;
    s.cmd("close", &[]);
}

async fn peer_close_keeps_the_last_bytes_readable(proxy: Proxy) {
    let p = skip_without_peers!();
    let s = Sock::connected(&proxy.template(&p), "127.0.0.1", p.target_port).await;
    s.write(b"bye\n");
    s.until_event("disconnected:").await;
    let events = s.events();
    assert_eq!(
        events[events.len() - 3..],
        ["dataAvailable", "stateChanged:Unconnected", "disconnected:"]
    );
    assert_eq!(
        s.read_bytes(),
        b"bye\n",
        "bytes before the end stay readable"
    );
}

async fn close_flushes_pending_output(proxy: Proxy) {
    let p = skip_without_peers!();
    let template = proxy.template(&p);
    let name = format!("flush-{proxy:?}");
    let s = Sock::connected(&template, "127.0.0.1", p.target_port).await;
    let payload: Vec<u8> = all_byte_values().repeat(4096); // 1 MiB
    s.write(format!("sink {name}\n").as_bytes());
    s.write(&payload);
    s.cmd("close", &[]);
    assert_eq!(
        s.text("statusName"),
        "Closing",
        "output pending: Closing while it is flushed"
    );
    s.until_event("disconnected:").await;
    // (1 MiB and the line went over the default high-water mark: a drain comes too.)
    let events: Vec<String> = s.events().into_iter().filter(|e| e != "drain").collect();
    assert_eq!(
        events[events.len() - 3..],
        [
            "stateChanged:Closing",
            "stateChanged:Unconnected",
            "disconnected:"
        ]
    );
    let sum: u32 = payload.iter().map(|&b| u32::from(b)).sum();
    assert_eq!(
        sink_count(&template, &p, &name).await,
        format!("{} {sum}\n", payload.len())
    );
}

async fn drain_after_the_high_water_mark(proxy: Proxy) {
    let p = skip_without_peers!();
    let s = Sock::connected(&proxy.template(&p), "127.0.0.1", p.target_port).await;
    s.cmd("setHighWaterMark", &[1000.into()]);
    s.write(b"sink drain\n");
    s.write(&all_byte_values().repeat(256));
    assert!(s.number("bufferedAmount") > 1000.0);
    s.until_event("drain").await;
    s.cmd("close", &[]);
}

async fn no_proxy_listening_is_proxy_connection_refused(proxy: Proxy) {
    let p = skip_without_peers!();
    // The template's form does not matter: nothing answers at the proxy's address.
    let template = proxy
        .template(&p)
        .replace(&p.proxy_port.to_string(), &p.closed_port.to_string())
        .replace(&p.websockify_port.to_string(), &p.closed_port.to_string());
    let s = Sock::new(&template);
    assert!(s.connect("127.0.0.1", p.target_port));
    s.until_event("stateChanged:Unconnected").await;
    assert_eq!(
        s.events(),
        [
            "stateChanged:Connecting",
            "connectFailed:ProxyConnectionRefused",
            "error:ProxyConnectionRefused",
            "stateChanged:Unconnected"
        ]
    );
    // The code's message, then where the proxy was looked for (the host's detail).
    let said = s.text("lastError");
    let expected = format!(
        "Proxy refused the connection: no WebSocket to the proxy at ws://127.0.0.1:{}/",
        p.closed_port
    );
    assert!(said.starts_with(&expected), "{said}");
}

async fn a_reset_connection_is_an_error_after_the_bytes(proxy: Proxy) {
    let p = skip_without_peers!();
    let s = Sock::connected(&proxy.template(&p), "127.0.0.1", p.target_port).await;
    s.write(b"reset\n");
    s.until("the end", |s| {
        s.events().iter().any(|e| e.starts_with("disconnected:"))
    })
    .await;
    let events = s.events();
    let tail: Vec<&str> = events[events.len() - 3..]
        .iter()
        .map(String::as_str)
        .collect();
    // kvsocket-proxy forwards the TCP error (close 1011 "ECONNRESET"); websockify says less.
    let (code, message) = match proxy {
        Proxy::Kvsocket => ("RemoteHostClosed", "Remote host closed the connection"),
        Proxy::Websockify => ("ProxyConnectionClosed", "Proxy closed the connection"),
    };
    assert_eq!(
        tail,
        [
            format!("error:{code}").as_str(),
            "stateChanged:Unconnected",
            format!("disconnected:{message}").as_str()
        ],
        "{events:?}"
    );
    assert_eq!(
        s.read_bytes(),
        b"reset\n",
        "what came before stays readable"
    );
}

/// A WebSocket cannot be paused: past the receive high-water mark the engine asks for a pause,
/// the browser host cannot give it, and the bytes keep coming (docs/spec.md, Backpressure).
async fn reading_resumes_what_the_receive_high_water_mark_paused(proxy: Proxy) {
    let p = skip_without_peers!();
    let s = Sock::connected(&proxy.template(&p), "127.0.0.1", p.target_port).await;
    s.cmd("setReceiveHighWaterMark", &[1000.into()]);
    let payload = all_byte_values().repeat(256); // 64 KiB
    s.write(b"echo\n");
    s.write(&payload);
    // Past the mark the host pauses (kvsocket-proxy stops reading the target; a WebSocketStream
    // stops reading the WebSocket): what was paused comes once the script reads, all of it.
    let mut got = Vec::new();
    while got.len() < payload.len() {
        s.until("more bytes", |s| s.number("bytesAvailable") > 0.0)
            .await;
        got.extend(s.read_bytes());
    }
    assert_eq!(got, payload);
    s.cmd("close", &[]);
}

macro_rules! both_proxies {
    ($($scenario:ident),* $(,)?) => {
        mod kvsocket_proxy {
            use super::*;
            $(#[wasm_bindgen_test] async fn $scenario() { super::$scenario(Proxy::Kvsocket).await })*
        }
        mod websockify {
            use super::*;
            $(#[wasm_bindgen_test] async fn $scenario() { super::$scenario(Proxy::Websockify).await })*
        }
    };
}

both_proxies!(
    connect_sets_status_and_addresses,
    all_256_byte_values_round_trip,
    peer_close_keeps_the_last_bytes_readable,
    close_flushes_pending_output,
    drain_after_the_high_water_mark,
    no_proxy_listening_is_proxy_connection_refused,
    a_reset_connection_is_an_error_after_the_bytes,
    reading_resumes_what_the_receive_high_water_mark_paused,
);

// ----- what differs between the proxies ----------------------------------------------------

/// kvsocket-proxy connects before it answers the upgrade: a refused or denied target never opens
/// the WebSocket, which is a connect failure.
#[wasm_bindgen_test]
async fn kvsocket_proxy_refused_and_denied_targets_fail_the_connect() {
    let p = skip_without_peers!();
    let template = Proxy::Kvsocket.template(&p);
    // closed_port is allowed but nobody listens: the proxy reports ECONNREFUSED (report=1), so
    // the page sees ConnectionRefused as in Node. Port 9 is not allowed at all: the proxy's own
    // refusal by its rules, ProxyDenied.
    for (port, code) in [(p.closed_port, "ConnectionRefused"), (9, "ProxyDenied")] {
        let s = Sock::new(&template);
        assert!(s.connect("127.0.0.1", port));
        s.until_event("stateChanged:Unconnected").await;
        assert_eq!(
            s.events(),
            [
                "stateChanged:Connecting".to_string(),
                format!("connectFailed:{code}"),
                format!("error:{code}"),
                "stateChanged:Unconnected".to_string()
            ],
            "port {port}"
        );
    }
}

/// websockify answers the upgrade first and connects to its target afterwards, so a refused
/// target opens the WebSocket and then closes it (1011): connected, then the proxy's close.
#[wasm_bindgen_test]
async fn websockify_refused_target_opens_then_closes() {
    let p = skip_without_peers!();
    let template = format!("ws://127.0.0.1:{}/", p.websockify_refused_port);
    let s = Sock::new(&template);
    assert!(s.connect("127.0.0.1", p.closed_port));
    s.until_event("disconnected:Proxy closed the connection")
        .await;
    assert_eq!(
        s.events(),
        [
            "stateChanged:Connecting",
            "stateChanged:Connected",
            "connected",
            "error:ProxyConnectionClosed",
            "stateChanged:Unconnected",
            "disconnected:Proxy closed the connection"
        ]
    );
}

/// The proxy resolves names: no HostLookUp, no hostFound, straight to Connecting.
#[wasm_bindgen_test]
async fn kvsocket_proxy_connect_by_name_skips_host_lookup() {
    let p = skip_without_peers!();
    let s = Sock::connected(&Proxy::Kvsocket.template(&p), "localhost", p.target_port).await;
    assert_eq!(
        s.events(),
        [
            "stateChanged:Connecting",
            "stateChanged:Connected",
            "connected"
        ]
    );
    assert_eq!(
        s.text("remoteIp"),
        "127.0.0.1",
        "the address the proxy resolved and dialled (report=1)"
    );
    assert_eq!(s.number("remotePort"), f64::from(p.target_port));
    s.write(b"echo\nhello");
    s.until("the echo", |s| s.number("bytesAvailable") >= 5.0)
        .await;
    assert_eq!(s.read_bytes(), b"hello");
    s.cmd("close", &[]);
}

#[wasm_bindgen_test]
async fn destroy_while_connecting_feeds_nothing_more() {
    let p = skip_without_peers!();
    let s = Sock::new(&Proxy::Kvsocket.template(&p));
    assert!(s.connect("127.0.0.1", p.target_port));
    s.cmd("destroy", &[]);
    sleep(200).await;
    assert_eq!(s.events(), ["stateChanged:Connecting"]);
    // js/link.js keeps the first transport in `transport`, any others in the Map `more`.
    let link = s.0.link.get().unwrap();
    let more = field(link, "more");
    assert!(
        field(link, "transport").is_undefined()
            && (more.is_null() || field(&more, "size").as_f64() == Some(0.0)),
        "the transport left the link"
    );
}

#[wasm_bindgen_test]
fn proxy_url_fills_the_template_uri_encoded() {
    let t = "ws://127.0.0.1:8081/?host={host}&port={port}";
    assert_eq!(
        proxy_url(t, "::1", 7000),
        "ws://127.0.0.1:8081/?host=%3A%3A1&port=7000"
    );
    assert_eq!(
        proxy_url(t, "irc.example", 6667),
        "ws://127.0.0.1:8081/?host=irc.example&port=6667"
    );
    assert_eq!(
        proxy_url("ws://127.0.0.1:6080/", "10.0.0.1", 80),
        "ws://127.0.0.1:6080/",
        "no placeholders: websockify's one-target mode"
    );
}

#[wasm_bindgen_test]
async fn a_template_the_browser_rejects_is_proxy_not_found() {
    let s = Sock::new("ftp://127.0.0.1/{host}");
    assert!(s.connect("127.0.0.1", 7));
    s.until_event("stateChanged:Unconnected").await;
    assert!(s.saw("connectFailed:ProxyNotFound"), "{:?}", s.events());
}

// ----- the Rust async API (src/stream.rs): TcpStream, futures' AsyncRead + AsyncWrite --------

mod rust_stream {
    use super::*;
    use futures::io::{AsyncReadExt, AsyncWriteExt};
    use kvsocket::stream::TcpStream;

    /// Echo through either proxy: 64 KiB of every byte value out and back, in order.
    async fn echoes(proxy: Proxy) {
        let p = skip_without_peers!();
        let mut s = TcpStream::connect(&proxy.template(&p), "127.0.0.1", p.target_port)
            .await
            .expect("connected");
        let body: Vec<u8> = (0..65536u32).map(|i| (i % 256) as u8).collect();
        s.write_all(b"echo\n").await.unwrap();
        s.write_all(&body).await.unwrap();
        s.flush().await.unwrap();
        let mut back = vec![0; body.len()];
        s.read_exact(&mut back).await.unwrap();
        assert!(back == body, "the echo differs");
        let snap = s.inspect();
        assert_eq!(snap.status, "Connected");
        assert_eq!(snap.remote_port, p.target_port);
        assert_eq!(snap.bytes_available, 0);
    }

    #[wasm_bindgen_test]
    async fn echoes_through_kvsocket_proxy() {
        echoes(Proxy::Kvsocket).await
    }

    #[wasm_bindgen_test]
    async fn echoes_through_websockify() {
        echoes(Proxy::Websockify).await
    }

    /// close() is a half-close (kvsocket-proxy's end exchange): the target's echo of what came
    /// before our FIN still arrives, then its own end is EOF.
    #[wasm_bindgen_test]
    async fn close_half_closes_and_read_to_end_gets_the_rest() {
        let p = skip_without_peers!();
        let mut s = TcpStream::connect(&Proxy::Kvsocket.template(&p), "127.0.0.1", p.target_port)
            .await
            .expect("connected");
        s.write_all(b"echo\nlast words").await.unwrap();
        s.close().await.unwrap();
        assert!(
            s.write_all(b"more").await.is_err(),
            "no writes after close()"
        );
        let mut rest = Vec::new();
        s.read_to_end(&mut rest).await.unwrap();
        assert_eq!(rest, b"last words");
        assert_eq!(s.inspect().status, "Unconnected");
    }

    #[wasm_bindgen_test]
    async fn a_refused_target_and_a_bad_port_are_errors() {
        let p = skip_without_peers!();
        let template = Proxy::Kvsocket.template(&p);
        let err = TcpStream::connect(&template, "127.0.0.1", p.closed_port)
            .await
            .err()
            .expect("refused");
        assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused, "{err}");
        let err = TcpStream::connect(&template, "127.0.0.1", 0)
            .await
            .err()
            .expect("port 0");
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{err}");
        assert!(err.to_string().contains("port"), "{err}");
    }

    /// A Wisp URL is the JS `Socket`'s (its host is js/wisp/): refused at once, no WebSocket.
    #[wasm_bindgen_test]
    async fn a_wisp_url_is_unsupported() {
        let err = TcpStream::connect("wisp+ws://127.0.0.1:9/wisp/", "127.0.0.1", 7)
            .await
            .err()
            .expect("refused");
        assert_eq!(err.kind(), std::io::ErrorKind::Unsupported, "{err}");
    }

    /// The JS side's inspect(): a plain object with the snapshot's fields in camelCase.
    #[wasm_bindgen_test]
    fn engine_inspect_is_a_plain_object() {
        let e = Engine::new();
        let snap = e.inspect().unwrap();
        assert_eq!(
            Reflect::get(&snap, &"status".into())
                .unwrap()
                .as_string()
                .as_deref(),
            Some("Unconnected")
        );
        assert_eq!(
            Reflect::get(&snap, &"bufferedAmount".into())
                .unwrap()
                .as_f64(),
            Some(0.0)
        );
    }
}
