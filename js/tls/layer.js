// TLS inside the page: the TLS module (pkg/kvsocket_tls*, tls/: rustls, sans-IO) between the
// engine and any transport of the browser host (a kvsocket-proxy tunnel, websockify, a Wisp
// stream), so that proxies carry ciphertext only (docs/design.md, TLS). The engine decides
// every state (src/engine/socket/tls.rs): it asks for a handshake with a `startTls` action that
// carries the handshake's options (every default filled in), and hears `secure` or a failure
// named by the TLS module (tls/src/errors.rs).
//
// From the `startTls` action on, for that transport: the engine's `send`s are plaintext that the
// layer encrypts before the host sends them; what the host receives is ciphertext that the
// layer decrypts before the engine gets it; and the host's `sent` counts (ciphertext) become
// the plaintext counts the engine keeps (each record's plaintext is sent once all of its
// ciphertext is). The module is loaded on the first TLS socket (js/tls/load.js).

import { loadTls } from './load.js';

// The TLS module's phase numbers, read from it once it is loaded (`TlsClient.phases()`);
// `FAILED` stands for "failed" until then (a module that could not load).
let HANDSHAKING = 0;
let SECURE = -1;
let FAILED = -2;
function learnPhases(TlsClient) {
  if (SECURE >= 0) return; // learnt from the one module already
  const names = TlsClient.phases().split(' ');
  [HANDSHAKING, SECURE, FAILED] = ['handshaking', 'secure', 'failed'].map((n) => names.indexOf(n));
}

/** One transport's TLS: its client (once the module is loaded) and its bookkeeping. */
class Layer {
  constructor(link, id, inner, options) {
    this.link = link;
    this.id = id;
    this.inner = inner;
    this.options = options;
    this.client = null;
    this.records = []; // [ciphertext length, plaintext length], oldest first, not yet all sent
    this.phase = HANDSHAKING;
    this.shutdown = false;
    this.info = null;
  }

  /** Hands ciphertext to the transport, remembering how much plaintext it carries. */
  sendCipher(cipher, plain) {
    if (cipher.length === 0) {
      if (plain > 0) this.records.push([0, plain]);
      return;
    }
    this.records.push([cipher.length, plain]);
    this.inner.perform({ type: 'send', id: this.id, data: cipher }, this.link);
  }

  /** The transport sent `n` more ciphertext bytes: the plaintext of each record now all sent. */
  sent(n) {
    let plain = 0;
    const r = this.records;
    while (r.length > 0 && n >= r[0][0]) {
      n -= r[0][0];
      plain += r[0][1];
      r.shift();
    }
    if (r.length > 0) r[0][0] -= n;
    // Handshake records carry no plaintext; records emptied by earlier counts follow them.
    while (r.length > 0 && r[0][0] === 0) plain += r.shift()[1];
    if (plain > 0) this.link.sentPlain(this.id, plain);
  }

  // The engine holds the output while the handshake runs (src/engine/socket/tls.rs): a send
  // comes once the client is secure.
  write(data) {
    this.sendCipher(this.client.write(data), data.length);
  }

  // Before the module has loaded no ClientHello went out, so nothing the server sends can be
  // TLS: it goes to the engine as it came, which fails the connection (`tls_refuses_plain`).
  received(data) {
    if (this.client === null) return this.link.receivedPlain(this.id, data);
    if (this.phase === FAILED) return;
    const plain = this.client.feed(data);
    const out = this.client.takeCiphertext();
    if (out.length > 0) this.sendCipher(out, 0);
    if (plain.length > 0) this.link.receivedPlain(this.id, plain);
    this.after();
  }

  /** Tells the engine what the last step changed: secure, or failed. */
  after() {
    const phase = this.client.phase();
    if (phase === this.phase) return;
    const was = this.phase;
    this.phase = phase;
    if (phase === SECURE && was === HANDSHAKING) {
      this.info = this.client.info();
      if (this.info !== null) this.info.servername = this.options.servername;
      this.link.secure(this.id);
    } else if (phase === FAILED) {
      // The engine decides what it means (connectFailed while Connecting, else a broken
      // connection), names a failure the module did not name by its TLS phase, and aborts the
      // transport.
      this.link.failed(this.id, this.client.errorName() ?? '');
    }
  }

  /** The module is loaded: the ClientHello goes out, then what waited. */
  start({ TlsClient }) {
    learnPhases(TlsClient);
    this.phase = HANDSHAKING;
    const o = this.options;
    try {
      this.client = new TlsClient(o.servername, o.ca, o.rejectUnauthorized, o.alpn);
    } catch (err) {
      // Options the module cannot use (a `ca` that is not PEM: TlsInvalidOptions): the
      // handshake cannot start. The name goes as it is; the engine classifies it.
      this.phase = FAILED;
      this.link.failed(this.id, typeof err?.name === 'string' ? err.name : '');
      return;
    }
    this.sendCipher(this.client.takeCiphertext(), 0);
    if (this.shutdown) this.close();
  }

  /** A graceful end: close_notify after the data, then the transport's own shutdown. */
  close() {
    this.shutdown = true;
    if (this.client === null) return;
    if (this.phase !== FAILED) {
      this.client.close();
      this.sendCipher(this.client.takeCiphertext(), 0);
    }
    this.inner.perform({ type: 'shutdown', id: this.id }, this.link);
  }
}

// The link's own input methods (js/link.js), kept for the plaintext side.
function install(link, layer) {
  if (link.layers === undefined) {
    link.layers = new Map();
    const received = link.received;
    const sent = link.sent;
    link.receivedPlain = received;
    link.sentPlain = sent;
    // The transport's bytes and counts go through the transport's layer, if it has one.
    link.received = function tlsReceived(id, data) {
      const l = this.layers.get(id);
      if (l === undefined) return received.call(this, id, data);
      return l.received(data);
    };
    link.sent = function tlsSent(id, n) {
      const l = this.layers.get(id);
      if (l === undefined) return sent.call(this, id, n);
      return l.sent(n);
    };
  }
  link.layers.set(layer.id, layer);
}

/**
 * `inner` (a host's `perform` and the rest) with TLS in the page: performs `startTls` actions
 * (their `tls`: the handshake's options as the engine resolved them, `{ servername, ca,
 * rejectUnauthorized, alpn }`) and routes a secured transport's sends and shutdown through its
 * layer. `native(action, link)` says whether `inner` secures that transport itself (Node's net
 * connections, with node:tls: js/node/tls.js).
 */
export function withTlsLayer(inner, native = () => false) {
  return {
    ...inner,
    perform(action, link) {
      const layer = link.layers?.get(action.id);
      if (layer !== undefined) {
        if (action.type === 'send') return layer.write(action.data);
        if (action.type === 'shutdown') return layer.close();
        if (action.type === 'abort') link.layers.delete(action.id);
        return inner.perform(action, link);
      }
      if (action.type !== 'startTls' || native(action, link)) return inner.perform(action, link);
      const l = new Layer(link, action.id, inner, action.tls);
      install(link, l);
      loadTls().then((mod) => l.start(mod), () => {
        l.phase = FAILED;
        link.failed(action.id, 'TlsModuleUnavailable');
      });
      return undefined;
    },
    // A secured transport's bytes are encrypted into new buffers: nothing to lend.
    borrows: (link) => link.layers === undefined && inner.borrows?.(link) === true,
    tlsInfo: (link) => link.layers?.get(link.id)?.info ?? inner.tlsInfo?.(link) ?? null,
  };
}
