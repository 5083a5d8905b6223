// The browser host: performs the engine's actions over WebSockets to a TCP-over-WebSocket proxy
// (kvsocket-proxy, or websockify in its one-target mode) and feeds back what happens
// (docs/browser-host.md). Like the Node host (js/node/host.js) it decides nothing: status,
// buffering, high-water marks, decoding and event order are the engine's. What differs is what
// a browser cannot do: pause a WebSocket (a TCP tunnel is a WebSocketStream where the browser
// has one, whose reading stops; kvsocket-proxy is also asked to stop reading the target;
// elsewhere pause/resume do nothing: docs/spec.md, Backpressure), resolve names (the engine
// hands them to the proxy), listen or use UDP except through kvsocket-proxy's reverse tunnel
// and datagram mode.
//
// No imports: the Rust async stream (src/stream.rs) and the wasm-bindgen browser tests import
// this file as a wasm-bindgen snippet, which is copied alone.

/** How often to look at `bufferedAmount` while bytes are still queued in the WebSocket (it
 * tells nothing when its buffer drains): a tunnel's, and a Wisp session's (whenRoom). */
const POLL_MS = 4;

/** The largest binary message a TCP tunnel sends: TCP has no message boundaries, and a proxy
 * closes on a message over its own limit (kvsocket-proxy's `--max-frame`, 256 KiB by default:
 * 1009). A UDP session keeps one datagram per message. */
const MAX_MESSAGE = 64 * 1024;

// Error names fed to the engine (our own codes pass `ErrorCode::from_host` as they are).
const NOT_FOUND = 'ProxyNotFound';
const UNSUPPORTED = 'UnsupportedSocketOperation';

// The end exchange's message, both ways (docs/proxy-protocol.md). The page's end after
// `close()` says it is done reading too, so the proxy answers as soon as its system took every
// byte, as the Node host ends Closing.
const END = '{"type":"end"}';
const END_CLOSE = '{"type":"end","read":false}';
// The receive pause, both ways of it: the engine holds its receive high-water mark unread, and
// kvsocket-proxy stops reading the target until the resume (docs/proxy-protocol.md).
const PAUSE = '{"type":"pause"}';
const RESUME = '{"type":"resume"}';

// ----- URLs (docs/browser-host.md, "Which proxy: the URL decides") -----

/** Whether a template is kvsocket-proxy's form (placeholders), which can also listen and carry
 * UDP; one without is websockify's one-target mode. */
export const isKvsocketProxy = (template) => template.includes('{host}') || template.includes('{port}');

/** `{host}` and `{port}` replaced, URI-encoded (an IPv6 address's colons too). */
export const proxyUrl = (template, host, port) =>
  template.split('{host}').join(encodeURIComponent(host)).split('{port}').join(String(port));

/** `url` with `name=value` added to its query (a fragment, which a WebSocket URL cannot carry,
 * is dropped). */
function withParam(url, name, value) {
  url = url.split('#')[0];
  const sep = !url.includes('?') ? '?' : url.endsWith('?') || url.endsWith('&') ? '' : '&';
  return `${url}${sep}${name}=${encodeURIComponent(value)}`;
}

/** The URL of another kvsocket-proxy session (`?listen=`, `?claim=`, `?udp=1…`): the template's
 * origin and path, its query replaced by `params` ([name, value] pairs). Parameters of the
 * template that hold no placeholder (a deployment's token) are the proxy's and stay. */
function sessionUrl(template, params) {
  template = template.split('#')[0];
  const q = template.indexOf('?');
  const base = q < 0 ? template : template.slice(0, q);
  const query = q < 0 ? '' : template.slice(q + 1);
  const kept = query.split('&').filter((p) =>
    p !== '' && !isKvsocketProxy(p) && !params.some(([name]) => name === p.split('=')[0]));
  const added = params.map(([name, value]) => `${name}=${encodeURIComponent(value)}`);
  return `${base}?${kept.concat(added).join('&')}`;
}

/** The link's proxy URL template, or undefined. */
function templateOf(link) {
  const proxy = link.options?.proxy;
  return typeof proxy === 'string' && proxy !== '' ? proxy : undefined;
}

// ----- the transport: a WebSocket and the little bookkeeping it needs -----

/** One shape for tunnels, claimed connections and sessions: the per-message code sees one
 * hidden class. Kept on the link (`link.open(id, t)` sets `link` and `id`, and `accept(other)`
 * moves it: inputs always go through `t.link`). */
class Transport {
  constructor() {
    this.link = null;
    this.id = 0;
    this.ws = null;
    this.unsent = 0; // bytes handed to the WebSocket and not yet reported `sent`
    this.queue = null; // frames written before open (a claimed connection)
    this.up = false; // open
    this.finished = false; // no more inputs; left the link
    this.closing = false; // a shutdown waits for the bytes
    this.ended = false; // our end was sent
    this.endExchange = false; // kvsocket-proxy's end messages (docs/proxy-protocol.md)
    this.pausable = false; // ... and its pause messages, which it said it takes
    this.report = false; // the proxy reports the dial's outcome as a message
    this.said = undefined; // the proxy's words about a failed dial (report=1: its error message)
    this.connected = false; // ... and has
    this.claimed = false; // an incoming connection, up before its WebSocket opens
    this.peerEnded = false;
    this.polling = false;
    this.remoteIp = '0.0.0.0';
    this.remotePort = 0;
    // Sessions (listen, UDP): text messages next to binary data.
    this.mode = null;
    this.ready = false;
    this.udp = false;
    this.bound = false;
    this.to = ''; // the last `to` message a bound UDP session sent
    this.fromIp = undefined; // the sender named by the last `from` message
    this.fromPort = undefined;
    this.template = '';
  }
}


function transportOn(link, id) {
  const t = new Transport();
  link.open(id, t);
  return t;
}

const TRANSPORT = Symbol('kvsocket transport');

/** A browser WebSocket to `url` (offering `protocol` if given) whose binary messages are
 * ArrayBuffers: a tunnel's, and a Wisp session's (js/wisp/session.js, `openWebSocket`). Throws
 * for a URL the browser rejects. */
export function openWebSocket(url, protocol) {
  const ws = protocol === undefined ? new WebSocket(url) : new WebSocket(url, protocol);
  ws.binaryType = 'arraybuffer';
  return ws;
}

/** Calls `callback` once the WebSocket's buffer may have room again: a browser's tells nothing
 * when it drains, so this looks again after POLL_MS (js/wisp/session.js, `whenRoom`). */
export const whenRoom = (ws, callback) => setTimeout(callback, POLL_MS);

/**
 * A WebSocketStream (Chromium has it) behind the WebSocket members a TCP tunnel uses (`send`,
 * `bufferedAmount`, `close`, the four `on…` handlers), plus `pauseReading(paused)`: a paused
 * tunnel stops reading the stream, so the browser stops reading its TCP connection and TCP
 * pushes back on the proxy, whichever it is (websockify too). A WebSocket has no such pause: it
 * takes every message as fast as the network brings it.
 */
class StreamSocket {
  constructor(url, protocol) {
    this.onopen = this.onmessage = this.onerror = this.onclose = null;
    this.bufferedAmount = 0; // bytes written whose write has not completed
    this.paused = false;
    this.wake = null; // resumes a read loop waiting for the resume
    this.writer = null;
    this.last = Promise.resolve(); // the last write: a close goes after it, as a WebSocket's does
    this.reading = Promise.resolve(); // the read loop, which ends after the last message
    this.ended = false; // the readable ended cleanly: the peer's close frame arrived
    this.stream = new WebSocketStream(url, { protocols: [protocol] }); // throws for a bad URL, as WebSocket
    this.url = url; // as a WebSocket's: where the proxy was looked for, told when it never opens
    this.stream.opened.then((o) => this.#opened(o), () => {});
    // The close is told after every message before it was (a paused loop: after the resume), as
    // a WebSocket's close event follows its messages.
    this.stream.closed.then(
      (c) => this.reading.then(() => this.onclose?.({ code: c.closeCode ?? 1005, reason: c.reason ?? '' })),
      (err) => this.reading.then(() => {
        // The close frame came, and every message before it was read, but the closing
        // handshake failed after it (websockify shuts its socket down right after its close
        // frame, and the stream's later reply meets a reset): a WebSocket reports the close,
        // as here, with the frame's code and reason, which Chromium's WebSocketError carries
        // (websockify's refused target: 1011 'Failed to connect to downstream server').
        if (this.ended) return this.onclose?.({ code: err?.closeCode ?? 1005, reason: err?.reason ?? '' });
        // No close frame (the connection dropped, or never opened): a WebSocket's error, then close 1006.
        this.onerror?.({});
        this.onclose?.({ code: 1006, reason: '' });
      }),
    );
  }

  #opened({ readable, writable }) {
    this.writer = writable.getWriter();
    this.reading = this.#read(readable.getReader());
    this.onopen?.();
  }

  async #read(reader) {
    for (;;) {
      if (this.paused) await new Promise((resolve) => (this.wake = resolve));
      let r;
      try {
        r = await reader.read();
      } catch {
        return; // `closed` tells
      }
      if (r.done) {
        this.ended = true;
        return;
      }
      const v = r.value;
      // Binary messages come as a Uint8Array (an ArrayBuffer in older builds): the handlers take
      // an ArrayBuffer, as a WebSocket's with binaryType arraybuffer.
      const data = typeof v === 'string' || v instanceof ArrayBuffer ? v
        : v.byteOffset === 0 && v.byteLength === v.buffer.byteLength ? v.buffer : v.slice().buffer;
      this.onmessage?.({ data });
    }
  }

  pauseReading(paused) {
    this.paused = paused;
    if (!paused && this.wake !== null) {
      const wake = this.wake;
      this.wake = null;
      wake();
    }
  }

  /** Bytes (copied now: a write may wait in the stream's queue, and the caller may lend a view
   * valid for this call only, `sendsInCall`) or a text message. */
  send(data) {
    const copy = typeof data === 'string' ? data : data.slice();
    const n = data.length;
    this.bufferedAmount += n;
    this.last = this.writer.write(copy).then(() => {
      this.bufferedAmount -= n;
    }, () => {});
  }

  close(code) {
    // A read loop waiting for the resume would keep the closing handshake from being read.
    this.pauseReading(false);
    const options = code === undefined ? undefined : { closeCode: code };
    this.last.then(() => {
      try {
        this.stream.close(options);
      } catch { /* closed already */ }
    });
  }
}

/** Whether TCP tunnels through a proxy other than kvsocket-proxy use WebSocketStream: where the
 * browser has it (feature-detected). */
const STREAMS = typeof WebSocketStream === 'function';

/** A WebSocket to `url` with the `binary` subprotocol, kept as `t.ws` (a WebSocketStream
 * behind its members for a TCP tunnel, `stream`, where the browser has it); null for a URL the
 * browser rejects. */
function websocket(t, url, stream = false) {
  let ws;
  try {
    ws = stream && STREAMS ? new StreamSocket(url, 'binary') : openWebSocket(url, 'binary');
  } catch {
    return null;
  }
  ws[TRANSPORT] = t;
  t.ws = ws;
  return ws;
}

/** Reports `failed(reason)` on a later task: the failure of an action is never reported inside
 * the call that performed it (connect() has returned true, status is Connecting). */
function failLater(t, reason) {
  finish(t);
  setTimeout(() => t.link.failed(t.id, reason), 0);
}

/** The transport is done: no more inputs from it, its handlers released, and it leaves the
 * link. */
function finish(t) {
  t.finished = true;
  const ws = t.ws;
  if (ws !== null) ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
  t.link.drop(t.id, t);
}

// ----- TCP tunnels -----

/** A `connect` action (`ip`, or `host` for a name the proxy resolves). */
function openTunnel({ id, ip, host, port }, link) {
  const t = transportOn(link, id);
  // The page never learns which address the proxy used for a name: the unspecified one.
  if (ip !== undefined) t.remoteIp = ip;
  t.remotePort = port;
  const template = templateOf(link);
  const target = ip ?? host;
  // kvsocket-proxy is asked for the end exchange and for the dial's outcome as a message (a
  // page cannot read why an upgrade was refused); a one-target proxy (websockify) gets the URL
  // as it is: close(1000) ends, and open means connected.
  t.endExchange = t.report = template !== undefined && isKvsocketProxy(template);
  let url = template === undefined || target === undefined ? undefined : proxyUrl(template, target, port);
  if (url !== undefined && t.report) url = withParam(withParam(url, 'end', '1'), 'report', '1');
  // kvsocket-proxy is told to pause (its `pause` message); another proxy only by the stream's
  // own backpressure, so only its tunnels use WebSocketStream. (Chromium 156's renderer crashed
  // when kvsocket-proxy's process was killed under several WebSocketStream tunnels with writes
  // in flight: tests/soak/browser.js; a WebSocket there just closes.)
  const ws = url === undefined ? null : websocket(t, url, !t.report);
  // No proxy URL, or one the browser rejects (the entry's `refuse` turns down other schemes).
  if (ws === null) return failLater(t, NOT_FOUND);
  attach(ws);
}

/** Takes an incoming connection announced on a listen control socket with `?claim=token`. Its
 * engine is already Connected: writes wait for open, and a refused claim fails it. */
function claim(url, link, id, pausable) {
  const t = transportOn(link, id);
  t.claimed = true;
  t.endExchange = true; // kvsocket-proxy's own sessions
  t.pausable = pausable;
  const ws = websocket(t, withParam(url, 'end', '1')); // kvsocket-proxy's: its pause message
  if (ws === null) return failLater(t, NOT_FOUND);
  attach(ws);
}

function attach(ws) {
  ws.onopen = onTunnelOpen;
  ws.onmessage = onTunnelMessage;
  ws.onerror = onTunnelError;
  ws.onclose = onTunnelClose;
}

// The handlers are shared by every tunnel (`this` is the WebSocket).
function onTunnelOpen() {
  const t = this[TRANSPORT];
  if (t.claimed) return opened(t);
  t.up = true;
  if (t.report) return; // connected when the proxy says so (tunnelControl)
  // websockify does not tell the addresses of its TCP connection.
  t.link.connected(t.id, '0.0.0.0', 0, t.remoteIp, t.remotePort);
}

function onTunnelMessage(e) {
  const t = this[TRANSPORT];
  const data = e.data;
  // Binary messages are data (nearly all of them); text ones are control messages.
  if (data instanceof ArrayBuffer) {
    t.link.received(t.id, new Uint8Array(data));
    // A cheap look while here (after the bytes: a flush that completes ends a Closing socket,
    // and these bytes came before that).
    reportSent(t);
  } else if (typeof data === 'string') {
    tunnelControl(t, data);
  }
}

function onTunnelError() {
  const t = this[TRANSPORT];
  // Before open (or before the proxy reported the connect) the close that follows says it all;
  // after that the connection broke, which the browser tells with no detail: reported as the
  // abnormal close (1006) it is.
  if (!t.up || dialling(t)) return;
  finish(t);
  t.link.wsClosed(t.id, 1006, '', true);
}

function onTunnelClose(e) {
  tunnelClosed(this[TRANSPORT], e.code, e.reason);
}

/** Open, with `report=1`, but the proxy has not said `connected` yet. */
const dialling = (t) => t.report && !t.connected;

function parse(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** `{"type":"connected",…}` (report=1): the connect, with the address the proxy dialled (for a
 * name: what it resolved; the local address stays unknown). `{"type":"end"}` (end exchange):
 * the target's FIN after its last bytes; the WebSocket stays open for what the page still
 * writes until our own end. Anything else is ignored (docs/proxy-protocol.md). */
function tunnelControl(t, text) {
  const m = parse(text);
  const type = m?.type;
  if (type === 'connected' && dialling(t)) {
    t.connected = true;
    t.pausable = t.endExchange && m.pause === true;
    const ip = typeof m.remoteIp === 'string' ? m.remoteIp : t.remoteIp;
    const port = typeof m.remotePort === 'number' ? m.remotePort : t.remotePort;
    t.link.connected(t.id, '0.0.0.0', 0, ip, port);
  } else if (type === 'error' && dialling(t) && typeof m.message === 'string') {
    // Why the connect failed, in the proxy's words (`target denied: …: no --allow rule …`): fed
    // with the close's code below, after which the engine puts it in the error's message.
    t.said = m.message;
  } else if (type === 'end' && t.endExchange && !t.peerEnded && !dialling(t)) {
    t.peerEnded = true;
    // Connected: the engine ends too (its shutdown sends our end). Closing: it waits on.
    t.link.peerClosed(t.id);
  }
}

function tunnelClosed(t, code, reason) {
  // The answer to our end (1000): every byte reached the target. What was held back is
  // reported now, which ends a Closing engine cleanly.
  if (t.ended && code === 1000) releaseSent(t);
  else reportSent(t);
  finish(t);
  // The close as it came: the engine tells a clean end (1000, 1005) from a failure and which
  // one, by its state (a connect the proxy reports failed with 1011 and the error name). What
  // the page knows beside it follows the name as `: detail`, which the engine adds to the
  // error's message: the proxy's own words (`target denied: …: no --allow rule …`), or, for a
  // WebSocket that never opened, where the page looked for the proxy.
  const detail = t.said ?? (t.up || t.claimed ? undefined : unreachable(t.ws));
  t.link.wsClosed(t.id, code, detail === undefined ? reason : `${reason || 'ProxyConnectionRefused'}: ${detail}`, t.up);
}

/** What a WebSocket that closed before opening says: where the proxy was expected (its origin
 * and path: the query may hold a token). */
function unreachable(ws) {
  let where = '';
  try {
    const u = new URL(ws.url);
    where = ` at ${u.protocol}//${u.host}${u.pathname}`;
  } catch { /* no URL: say nothing of it */ }
  return `no WebSocket to the proxy${where}: it is not running there, cannot be reached, or refused the session (Origin, token, capacity)`;
}

// ----- sending -----

/** A `send` of a TCP tunnel: messages of at most MAX_MESSAGE bytes (views of the same
 * buffer); `sent` follows as they leave the WebSocket's buffer. */
function sendStream(t, data) {
  const len = data.length;
  if (len <= MAX_MESSAGE) {
    putBytes(t, data);
  } else {
    for (let at = 0; at < len; at += MAX_MESSAGE) putBytes(t, data.subarray(at, Math.min(len, at + MAX_MESSAGE)));
  }
  afterProgress(t);
}

/** A `send` of a UDP session: one datagram, one message. A bound socket's carries its
 * destination, which the proxy is told with a `to` message when it differs from the last. */
function sendDatagram(t, { data, ip, port }) {
  if (t.bound && typeof ip === 'string') {
    const to = JSON.stringify({ type: 'to', host: ip, port });
    if (t.to !== to) {
      putFrame(t, to);
      t.to = to;
    }
  }
  putBytes(t, data);
  afterProgress(t);
}

/** Sends a text (control) or binary frame, or queues it until open. Only binary bytes count as
 * `unsent` (the engine knows nothing of control frames); text ones sit in `bufferedAmount` too,
 * which only makes `sent` a little later, never early. */
function putFrame(t, frame) {
  if (typeof frame === 'string') {
    if (openWs(t, frame)) t.ws.send(frame);
  } else {
    putBytes(t, frame);
  }
}

function putBytes(t, bytes) {
  if (!openWs(t, bytes)) return;
  t.ws.send(bytes);
  t.unsent += bytes.length;
}

/** Whether `frame` can go now: not when the transport is finished, nor before open (then a
 * copy waits in `t.queue` for opened(): sends copy within the call, as WebSocket.send does,
 * so that the facade may lend them a write's view: sendsInCall). */
function openWs(t, frame) {
  if (t.ws === null || t.finished) return false;
  if (t.up) return true;
  (t.queue ??= []).push(typeof frame === 'string' ? frame : frame.slice());
  return false;
}

/** The WebSocket opened: what waited for it goes out, in order, before a shutdown that waited
 * too. */
function opened(t) {
  t.up = true;
  const queue = t.queue;
  t.queue = null;
  if (queue !== null) for (const frame of queue) putFrame(t, frame);
  afterProgress(t);
}

/** A `shutdown`. End exchange (kvsocket-proxy): our end after the bytes, and the last `sent`
 * held back until the proxy's close says whether they reached the target (1000) or not (1011:
 * `failed`), so that a Closing engine does not end early. Otherwise (websockify): close (1000)
 * once every byte has left the WebSocket's buffer. */
function shutdown(t) {
  t.closing = true;
  afterProgress(t);
}

/** An `endOutput` (half-close). End exchange: our end after the bytes, the WebSocket stays
 * open for what the target still sends. Without it a WebSocket cannot end one way only: the
 * output ends with the connection (docs/promises-and-streams.md). */
function endOutput(t) {
  if (!t.endExchange || t.ended || !t.up) return;
  reportSent(t);
  t.ended = true;
  t.ws.send(END);
}

/** A `pause` or `resume` of the receive: told to kvsocket-proxy where it said it takes it (a
 * claim's before open waits with the frames). Elsewhere a WebSocket cannot be paused: received
 * bytes keep buffering (docs/spec.md, Backpressure). */
function pauseReading(t, paused) {
  if (t.finished) return;
  if (t.pausable) putFrame(t, paused ? PAUSE : RESUME);
  // A WebSocketStream stops being read: TCP pushes back on any proxy.
  t.ws?.pauseReading?.(paused);
}

/** An `abort`: close now. (Bytes the WebSocket already took still go out before its close
 * frame: a browser cannot reset a connection.) */
function abort(t) {
  finish(t);
  t.ws?.close();
}

/** Reports what left the WebSocket's buffer, then ends if a shutdown waits for that, or looks
 * again shortly while bytes are still queued. */
function afterProgress(t) {
  // Before open nothing has left, and a close now would abort the opening: opened() calls
  // this again.
  if (!t.up) return;
  reportSent(t);
  if (t.finished || t.ended) return;
  if (t.closing && t.endExchange) {
    // Every byte is in the WebSocket (queued ones went out in opened()); the end follows them.
    // Nothing more is reported until the proxy's close.
    t.ended = true;
    t.ws.send(END_CLOSE);
  } else if (t.unsent > 0) {
    pollLater(t);
  } else if (t.closing) {
    t.ws.close(1000);
  }
}

function reportSent(t) {
  const unsent = t.unsent;
  // Nothing unsent (a received message's common case), or, with the end exchange, what is
  // unsent at a shutdown waits for the proxy's answer.
  if (unsent <= 0 || (t.closing && t.endExchange) || t.ws === null) return;
  const left = Math.min(t.ws.bufferedAmount, unsent);
  if (left < unsent) {
    t.unsent = left; // before feeding: the engine may send more from inside the feed
    t.link.sent(t.id, unsent - left);
  }
}

/** Every byte still unsent as `sent`: the proxy said they reached the target. */
function releaseSent(t) {
  const unsent = t.unsent;
  t.unsent = 0;
  if (unsent > 0) t.link.sent(t.id, unsent);
}

function pollLater(t) {
  if (t.polling) return;
  t.polling = true;
  setTimeout(pollAgain, POLL_MS, t);
}

function pollAgain(t) {
  t.polling = false;
  afterProgress(t);
}

// ----- sessions with control messages: the reverse tunnel's listener, UDP -----

/** Opens a session's WebSocket for `t`. Its failures, before or after its first message says
 * it is ready, are `failed`: the engine decides what they mean by its state (a bind, a UDP
 * connect, a broken session). `mode`: { control(t, type, message), data(t, bytes) }. */
function openSession(t, url, mode) {
  t.mode = mode;
  const ws = url === undefined ? null : websocket(t, url);
  if (ws === null) return failLater(t, NOT_FOUND);
  ws.onopen = onSessionOpen;
  ws.onmessage = onSessionMessage;
  // The close that follows an error says all there is to say.
  ws.onclose = onSessionClose;
}

function onSessionOpen() {
  opened(this[TRANSPORT]);
}

function onSessionMessage(e) {
  const t = this[TRANSPORT];
  const data = e.data;
  if (typeof data === 'string') {
    sessionControl(t, data);
  } else if (data instanceof ArrayBuffer) {
    t.mode.data(t, new Uint8Array(data));
    reportSent(t);
  }
}

function sessionControl(t, text) {
  const m = parse(text);
  const type = m?.type;
  // docs/proxy-protocol.md: a page ignores what it does not understand.
  if (typeof type !== 'string') return;
  if (type !== 'error') return t.mode.control(t, type, m);
  // Passed as it is: the engine classifies Node's errno names and the proxy's own codes.
  const code = typeof m.code === 'string' ? m.code : '';
  // After ready: a datagram the proxy could not send, an ICMP error; the engine decides
  // whether the socket survives it (one oversized datagram does).
  if (t.ready) return t.link.failed(t.id, code);
  // A bind that failed: the proxy closes the session next (1011); tell the engine now.
  finish(t);
  t.ws.close();
  t.link.failed(t.id, code);
}

function onSessionClose(e) {
  const t = this[TRANSPORT];
  reportSent(t);
  finish(t);
  // Closed before open: the proxy refused (a denied port or target, a failed UDP connect), or
  // is not there. After open: UDP has no peer that ends the session, and a listener is ended
  // only by us, so any close from the proxy's side is a failure. The engine tells which.
  t.link.wsClosed(t.id, e.code, e.reason, t.up);
}

/** `listen` (TCP): the reverse tunnel's control socket `?listen=PORT&iface=IP`, on which the
 * proxy reports its bind and announces each incoming connection. */
function openListener({ id, ip, port }, link, template) {
  const t = transportOn(link, id);
  t.template = template;
  openSession(t, sessionUrl(template, [['listen', String(port)], ['iface', ip ?? '']]), LISTENER);
}

const LISTENER = {
  control(t, type, m) {
    if (type === 'listening') {
      t.ready = true;
      t.link.listening(t.id, m.ip, m.port);
    } else if (type === 'incoming') {
      incoming(t, m);
    }
  },
  data() {},
};

/** An announced connection: the engine makes the Connected child socket (or says to drop it),
 * then the child's transport claims the connection. */
function incoming(t, m) {
  const url = sessionUrl(t.template, [['claim', typeof m.id === 'string' ? m.id : '']]);
  const child = t.link.incoming(t.id, m.localIp, m.localPort, m.remoteIp, m.remotePort);
  if (child !== null && typeof child === 'object') return claim(url, child.link, child.id, m.pause === true);
  // Dropped (the listener is going away): claimed and closed at once, so that the peer does
  // not wait for the proxy's claim timeout.
  try {
    const ws = new WebSocket(url, 'binary');
    ws.onopen = () => ws.close();
  } catch { /* a URL the browser rejects: the claim times out */ }
}

/** UDP `connect`: `?udp=1&host=&port=`, one peer. */
function connectUdp({ id, ip, host, port }, link, template) {
  const target = ip ?? host;
  const url = target === undefined ? undefined : sessionUrl(template, [['udp', '1'], ['host', target], ['port', String(port)]]);
  const t = transportOn(link, id);
  t.udp = true;
  openSession(t, url, UDP_CONNECTED);
}

const UDP_CONNECTED = {
  control(t, type, m) {
    if (type !== 'connected') return;
    t.ready = true;
    t.remoteIp = m.remoteIp;
    t.remotePort = m.remotePort;
    t.link.connected(t.id, m.localIp, m.localPort, m.remoteIp, m.remotePort);
  },
  data(t, bytes) {
    if (t.ready) t.link.receivedFrom(t.id, bytes, t.remoteIp, t.remotePort);
  },
};

/** UDP `listen`: `?udp=1&listen=&iface=`; each datagram's sender comes in a `from` message
 * before it. */
function bindUdp({ id, ip, port }, link, template) {
  const t = transportOn(link, id);
  t.udp = t.bound = true;
  const url = sessionUrl(template, [['udp', '1'], ['listen', String(port)], ['iface', ip ?? '']]);
  openSession(t, url, UDP_BOUND);
}

const UDP_BOUND = {
  control(t, type, m) {
    if (type === 'listening') {
      t.ready = true;
      t.link.listening(t.id, m.ip, m.port);
    } else if (type === 'from') {
      t.fromIp = m.ip;
      t.fromPort = m.port;
    }
  },
  data(t, bytes) {
    t.link.receivedFrom(t.id, bytes, t.fromIp, t.fromPort);
  },
};

// ----- actions -----

/** Starts a `connect` or `listen`. Listening and UDP need kvsocket-proxy's own modes (a
 * template with placeholders); the entry's `refuse` turns the others down first, this is the
 * second line (and the only one for the Rust stream). */
function start(action, link) {
  const udp = action.protocol === 'udp';
  const listen = action.type === 'listen';
  if (!listen && !udp) return openTunnel(action, link);
  const template = templateOf(link);
  if (template === undefined || !isKvsocketProxy(template)) {
    return link.failed(action.id, UNSUPPORTED);
  }
  if (!listen) return connectUdp(action, link, template);
  return udp ? bindUdp(action, link, template) : openListener(action, link, template);
}

/** Performs one engine action (`{type, id, …}`) for the socket behind `link`. */
export function perform(action, link) {
  const type = action.type;
  if (type === 'connect' || type === 'listen') return start(action, link);
  // Only with an engine not told that the proxy resolves names.
  if (type === 'resolve') return link.failed(action.id, UNSUPPORTED);
  const t = link.get(action.id);
  switch (type) {
    case 'send':
      if (t !== undefined) (t.udp ? sendDatagram(t, action) : sendStream(t, action.data));
      return;
    case 'shutdown': if (t !== undefined) shutdown(t); return;
    case 'endOutput': if (t !== undefined) endOutput(t); return;
    case 'abort': if (t !== undefined) abort(t); return;
    case 'pause': if (t !== undefined) pauseReading(t, true); return;
    case 'resume': if (t !== undefined) pauseReading(t, false); return;
    // The tunnel's protocol carries no TCP options: the proxy's socket keeps its own.
    case 'configure': return;
    default: throw new Error(`kvsocket: unknown engine action ${JSON.stringify(type)}`);
  }
}

/** Whether `t` is this host's transport, whose `send` copies the bytes within the call
 * (WebSocket.send does; a frame that waits for open is copied into the queue): the facade
 * may lend it a write's view instead of copying it first (js/socket.js, `host.borrows`). */
export const sendsInCall = (t) => t instanceof Transport;

/** The facade's host (js/socket.js): its `send` takes bytes. */
export const browserHost = { perform };
