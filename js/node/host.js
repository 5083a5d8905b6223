// The Node host: performs the engine's actions with node:net, node:dns and node:dgram and feeds
// back what happened. It decides nothing: every "what now" is the engine's (docs/design.md).

import net from 'node:net';
import dns from 'node:dns';
import dgram from 'node:dgram';
import { startNodeTls, nodeTlsInfo } from './tls.js';
import { hostTuning } from '../../pkg/kvsocket_node.js';
import { readTuning } from '../tuning.js';

const IPV6_ONLY = 1; // libuv's UV_TCP_IPV6ONLY flag

// The system's name for a failure (ECONNREFUSED…), or none: the engine classifies both.
const errorName = (err) => err?.code ?? '';

// Inputs go through the transport's current link (`t.link`), which changes when accept(other)
// moves it, one typed call per kind (js/link.js). Every failure is `failed`: the engine tells a
// failed lookup, connect or bind from a broken connection by its own state.

function resolve({ id, host }, link) {
  const t = link.open(id, { kind: 'lookup' });
  dns.lookup(host, { all: true, verbatim: true }, (err, addrs) => {
    t.link.drop(t.id, t);
    if (t.aborted) return;
    if (err) t.link.failed(t.id, errorName(err));
    else t.link.resolved(t.id, addrs.map((a) => a.address));
  });
}

// A TCP connection's events, for outgoing and incoming connections alike. The listeners are
// shared by every connection (`this` is the net.Socket, its transport at TRANSPORT): closures
// per connection are memory per connection.
// Once TLS runs over a connection (js/node/tls.js), the TLSSocket is the transport's `sock` and
// speaks for it: what the plain net.Socket under it still says is not the connection's news.
const TRANSPORT = Symbol('kvsocket transport');
const superseded = (sock) => sock[TRANSPORT].sock !== sock;
function onTcpData(buf) { const t = this[TRANSPORT]; t.link.received(t.id, buf); }
function onTcpEnd() { if (superseded(this)) return; const t = this[TRANSPORT]; t.link.peerClosed(t.id); }
function onTcpError(err) {
  if (superseded(this)) return;
  const t = this[TRANSPORT];
  t.link.failed(t.id, errorName(err));
}
function onTcpConnect() {
  const t = this[TRANSPORT];
  t.up = true;
  listenData(this); // only now: see connectTcp
  const local = sockName(this, false);
  const remote = sockName(this, true);
  t.link.connected(t.id, local.address, local.port, remote.address, remote.port);
}

// A connected socket's own or peer address, read into a reused object (one for each side):
// net's getters (localAddress, remoteAddress, …) keep what they read on the socket for its life,
// two objects and their strings per connection that nobody reads again. Through net's getters
// where the handle lacks the call.
const LOCAL = { address: '', family: '', port: 0 };
const PEER = { address: '', family: '', port: 0 };
function sockName(sock, peer) {
  const handle = sock._handle;
  const read = peer ? handle?.getpeername : handle?.getsockname;
  const out = peer ? PEER : LOCAL;
  if (typeof read === 'function' && read.call(handle, out) === 0) return out;
  return peer
    ? { address: sock.remoteAddress, port: sock.remotePort }
    : { address: sock.localAddress, port: sock.localPort };
}
function onTcpClose() {
  if (superseded(this)) return;
  const t = this[TRANSPORT];
  t.link.drop(t.id, t);
  if (t.up) t.link.closed(t.id);
}

// 'data' in flowing mode without `resume()`, which starts the flow a tick later: a tick per
// connection, and Node's tick processing allocates on each. net reads already (its connect
// step reads, and so does an accepted socket), so the stream only has to be flowing when 'data'
// gets its listener, and a flowing stream's 'data' listener does not resume it again.
function listenData(sock) {
  sock.readableFlowing = true;
  sock.on('data', onTcpData);
}

// A TCP connection's transport, one shape for outgoing and incoming connections alike: the
// per-chunk code (onTcpData, send, reportTcpSent) then sees one hidden class, not several.
class TcpTransport {
  constructor(up) {
    this.link = null; // set by link.open, with the id
    this.id = 0;
    this.up = up; // connected: its 'close' is reported `closed`
    this.aborted = false;
    this.kind = 'tcp';
    this.sock = null;
    this.server = null;
    this.unsent = 0;
    this.written = null; // the write callback, made at the first write (idle sockets have none)
    this.inflight = null; // what was handed to net and not yet called back, oldest first
    this.tlsInfo = null; // tlsInfo() once node:tls's handshake is done (js/node/tls.js)
    this.readPaused = false; // TLS: the engine paused reading
  }
}

// Links whose socket called unref(): their net and dgram handles do not keep the process
// running, those opened later included (a WeakSet: no field on every link for the few that do).
const unrefd = new WeakSet();

function holdProcess(t, on) {
  const handle = t.sock ?? t.server;
  if (on) handle?.ref?.();
  else handle?.unref?.();
}

function setRef(link, on) {
  if (on) unrefd.delete(link);
  else unrefd.add(link);
  link.each((t) => holdProcess(t, on));
}

function attachTcp(t, sock) {
  t.sock = sock;
  if (unrefd.has(t.link)) sock.unref();
  sock[TRANSPORT] = t;
  sock.setNoDelay(true); // the engine's contract: connections start so (Action::Configure)
}

const BUN = typeof process.versions.bun === 'string';
const ignore = () => {};

// An outgoing connection's net.Socket hears its 'connect', 'end', 'error' and 'close' in its
// own `emit`, after net's listeners as a listener of ours would: adding four listeners cost
// more than the rest of opening a connection in the facade (~4 µs and ~100 B each time,
// measured alone). 'data' keeps a listener: net's streams emit it only to a stream that has one.
// An 'error' goes to us alone (with no listener, net's emit would throw it).
class TcpClient extends net.Socket {
  constructor() {
    super();
    // Bun's net reports a peer's reset as a clean end ('end', no 'error') to a socket with no
    // 'error' listener (Bun 1.4.5): one that does nothing (errors come through emit, below)
    // keeps a reset RemoteHostClosed there. Node needs none, and pays nothing.
    if (BUN) this.on('error', ignore);
  }

  emit(event, a, b) {
    if (event === 'error') {
      onTcpError.call(this, a);
      return true;
    }
    const heard = super.emit(event, a, b);
    switch (event) {
      case 'connect': onTcpConnect.call(this); break;
      case 'end': onTcpEnd.call(this); break;
      case 'close': onTcpClose.call(this); break;
      default: break;
    }
    return heard;
  }
}

function connectTcp({ id, ip, port }, link) {
  const t = link.open(id, new TcpTransport(false));
  const sock = new TcpClient();
  attachTcp(t, sock);
  // 'data' is listened to from the connect on (onTcpConnect): a listener before it makes net
  // wait for the connect with a closure of its own (its `_read`), memory and time per connection.
  sock.connect({ host: ip, port });
}

function listenTcp({ id, ip, port, ipv6Only }, link) {
  const t = link.open(id, { kind: 'server' });
  const server = net.createServer({ noDelay: true });
  t.server = server;
  if (unrefd.has(link)) server.unref();
  server.on('connection', (sock) => {
    const local = sockName(sock, false);
    const remote = sockName(sock, true);
    const child = t.link.incoming(t.id, local.address, local.port, remote.address, remote.port);
    if (!child) return sock.destroy();
    const ct = child.link.open(child.id, new TcpTransport(true));
    attachTcp(ct, sock);
    sock.on('end', onTcpEnd);
    sock.on('error', onTcpError);
    sock.on('close', onTcpClose);
    listenData(sock);
  });
  server.on('error', (err) => t.link.failed(t.id, errorName(err)));
  server.on('listening', () => {
    const a = server.address();
    t.link.listening(t.id, a.address, a.port);
  });
  // `listen({host})` binds only after a DNS lookup, a tick later, even for an IP literal.
  // `_listen2` (net's own legacy alias of its bind step) binds now, so that localPort() answers
  // right after listen() as in KVIrc; errors such as EADDRINUSE still arrive as 'error'.
  sizes ??= readTuning(hostTuning);
  if (typeof server._listen2 === 'function') {
    server._listen2(ip, port, net.isIPv6(ip) ? 6 : 4, sizes.backlog, undefined, ipv6Only ? IPV6_ONLY : 0);
  } else {
    server.listen({ host: ip, port, ipv6Only, backlog: sizes.backlog });
  }
  const a = server.address();
  if (a) t.link.listening(t.id, a.address, a.port);
}

// The engine hands the host IP literals only. dgram would still look them up through
// dns.lookup, a tick later; answering at once makes bind() synchronous, so that localPort()
// answers right after listen() as it does for TCP.
const literalLookup = (address, _family, callback) => callback(null, address, net.isIPv6(address) ? 6 : 4);

function udpSocket(t, ip, ipv6Only) {
  const type = net.isIPv6(ip) ? 'udp6' : 'udp4';
  const sock = dgram.createSocket({ type, ipv6Only, lookup: literalLookup });
  t.kind = 'udp';
  t.sock = sock;
  if (unrefd.has(t.link)) sock.unref();
  sock.on('message', (msg, rinfo) => t.link.receivedFrom(t.id, msg, rinfo.address, rinfo.port));
  sock.on('error', (err) => t.link.failed(t.id, errorName(err)));
  sock.on('close', () => t.link.drop(t.id, t));
  return sock;
}

function connectUdp({ id, ip, port }, link) {
  const t = link.open(id, {});
  const sock = udpSocket(t, ip, false);
  // dgram hands a failed connect (EACCES for a broadcast address, ENETUNREACH, …) to this
  // callback, not to 'error': it is the attempt's failure.
  sock.connect(port, ip, (err) => {
    if (t.aborted) return;
    if (err) return t.link.failed(t.id, errorName(err));
    const local = sock.address();
    const remote = sock.remoteAddress();
    t.link.connected(t.id, local.address, local.port, remote.address, remote.port);
  });
}

function listenUdp({ id, ip, port, ipv6Only }, link) {
  const t = link.open(id, {});
  const sock = udpSocket(t, ip, ipv6Only);
  sock.bind({ address: ip, port }, () => {
    const a = sock.address();
    t.link.listening(t.id, a.address, a.port);
  });
}

// TCP: bytes handed to `sock.write` and not yet reported `sent`. What net still holds is
// `writableLength`; the rest reached the kernel. Reported right after the write when the kernel
// took it at once (the common case, no callback to wait for), else by a write's callback (one
// function per connection: writeTcp).
function reportTcpSent(t) {
  // A socket destroyed by a failure took nothing more: its 'error' tells the engine.
  if (t.sock.destroyed) return;
  const sent = t.unsent - t.sock.writableLength;
  if (sent <= 0) return;
  t.unsent -= sent;
  t.link.sent(t.id, sent);
}

// Copies of written views (`copyBytes`) from 4 KiB to 64 KiB go into 64 KiB buffers that come
// back here once net has written them (the write's callback), up to `slabPool` of them: a fresh
// 64 KiB allocation per write was freed and trimmed by malloc and faulted in and zeroed by the
// kernel again (clear_page_erms 12 % of an upload profile). Only bytes the facade made reach
// `send` (never a script's own memory), so whatever comes back is ours to reuse.
// Their sizes and number (and the listen backlog) are the module's (src/bindings/tuning.rs),
// read on first use.
let sizes = null;
const slabs = [];

function copyBytes(bytes) {
  const n = bytes.length;
  // Under `smallCopy` (4 KiB) from Node's shared pool (allocUnsafe + set: 47 ns for a 45-byte
  // command against 69 for Buffer.from, which first looks at what it was given; Node 24: 42
  // against 58); over `slab` (64 KiB) a copy of its own.
  sizes ??= readTuning(hostTuning);
  if (n < sizes.smallCopy) {
    const out = Buffer.allocUnsafe(n);
    out.set(bytes);
    return out;
  }
  if (n > sizes.slab) return Buffer.from(bytes);
  const out = Buffer.from(slabs.pop() ?? new ArrayBuffer(sizes.slab), 0, n);
  out.set(bytes);
  return out;
}

function written(data) {
  if (typeof data !== 'string' && sizes !== null && data.buffer.byteLength === sizes.slab && data.byteOffset === 0 && slabs.length < sizes.slabPool) {
    slabs.push(data.buffer);
  }
}

const NOTHING = Buffer.alloc(0);

// Hands `data` to net. A write that net takes to the kernel within the call (nothing of the
// connection's waits in net, and the kernel has room: the common case) goes without a
// callback, since with one net schedules a tick per write to call it. Net calls back only
// writes it could not finish at once: one made while net still holds earlier bytes, or, when
// the kernel took part of a write, an empty write behind the rest. Callbacks come in write
// order: the oldest entry of `inflight` is the one done. TCP failures arrive as the socket's
// 'error', not here.
// Over TLS (a TLSSocket: `encrypted`) every write takes its callback, and no empty write is
// made: Deno's node:tls fails an empty write with `write EPERM` (Deno 2.9.6), where Node calls
// it back; a tick per write is little beside the encryption.
function writeTcp(t, data) {
  const sock = t.sock;
  if (sock.writableLength === 0 && !sock.encrypted) {
    sock.write(data);
    if (sock.writableLength === 0) return written(data); // all in the kernel: free again
    (t.inflight ??= []).push(data);
    data = NOTHING; // the kernel took part: an empty write calls back once the rest is out
  } else {
    (t.inflight ??= []).push(data);
  }
  t.written ??= (err) => {
    written(t.inflight.shift());
    if (!err) reportTcpSent(t);
  };
  sock.write(data, t.written);
}

function send({ id, data, ip, port }, link) {
  const t = link.get(id);
  if (!t?.sock) return;
  if (t.kind === 'tcp') {
    t.unsent += data.length;
    writeTcp(t, data);
    reportTcpSent(t);
    return;
  }
  const done = (err) => {
    if (!err) return t.link.sent(t.id, data.length);
    // A refused datagram is reported, then leaves the send count like a sent one: the engine
    // keeps the socket for DatagramTooLarge and ignores the count once a failure ended it.
    t.link.failed(t.id, errorName(err));
    t.link.sent(t.id, data.length);
  };
  if (ip !== undefined) t.sock.send(data, port, ip, done);
  else t.sock.send(data, done);
}

// The event loop's turn, for the engine (`letThrough`, `close`): bytes let through in the
// turn of a close() keep the socket Closing until net confirms them (`flushed`, after end()).
// It moves on once the turn ends, checked when a write names it: one setImmediate per turn
// with writes, none otherwise.
let turn = 0;
let turnEnds = false;
const nextTurn = () => {
  turn = (turn + 1) >>> 0;
  turnEnds = false;
};
function currentTurn() {
  if (!turnEnds) {
    turnEnds = true;
    setImmediate(nextTurn);
  }
  return turn;
}

// A write the engine let through (`letThrough`: nothing written earlier waits) is handed
// to net within the write() call, with no action. The engine counted it as handed over: what
// net still holds beyond what the engine counts as unsent is reported `unsent`, or, when
// earlier bytes left meanwhile, `sent`. False when the transport is not a net connection of
// this host (a Wisp stream): the facade sends it as an action instead.
function sendNow(id, data, link) {
  const t = link.get(id);
  if (t === undefined || t.kind !== 'tcp' || !t.sock || t.sock.destroyed) return false;
  writeTcp(t, data);
  // A write that destroyed the socket (a failure at once) took nothing: all of it unsent, and
  // the socket's 'error' tells the engine what happened.
  const held = t.sock.destroyed ? t.unsent + data.length : t.sock.writableLength;
  if (held > t.unsent) {
    const n = held - t.unsent;
    t.unsent = held;
    t.link.unsent(t.id, n);
  } else {
    reportTcpSent(t);
  }
  return true;
}

function release(t, graceful) {
  t.aborted = true;
  if (t.server) t.server.close();
  if (!t.sock) return;
  if (t.kind === 'udp') {
    try { t.sock.close(); } catch { /* already closed */ }
  } else if (graceful) {
    // Flushes what was written, then FIN; net calls back once its buffer is in the kernel,
    // which a close() in the turn of a write waits for. A failure is the socket's 'error'.
    t.sock.end((err) => { if (!err) t.link.flushed(t.id); });
  } else {
    t.sock.destroy();
  }
}

const actions = {
  resolve,
  connect: (a, link) => (a.protocol === 'udp' ? connectUdp(a, link) : connectTcp(a, link)),
  listen: (a, link) => (a.protocol === 'udp' ? listenUdp(a, link) : listenTcp(a, link)),
  send,
  shutdown: ({ id }, link) => { const t = link.get(id); if (t) release(t, true); },
  abort: ({ id }, link) => {
    const t = link.get(id);
    if (!t) return;
    link.drop(id, t);
    release(t, false);
  },
  // Half-close: FIN after what was written; 'data' goes on until the peer ends.
  endOutput: ({ id }, link) => { const t = link.get(id); if (t?.kind === 'tcp') t.sock.end(); },
  configure: ({ id, noDelay, keepAlive }, link) => {
    const t = link.get(id);
    if (t?.kind !== 'tcp') return;
    t.sock.setNoDelay(noDelay);
    t.sock.setKeepAlive(keepAlive >= 0, Math.max(0, keepAlive));
  },
  startTls: ({ id, tls: options }, link) => {
    const t = link.get(id);
    if (t?.kind !== 'tcp' || !t.sock || t.sock.destroyed) return;
    const raw = t.sock;
    raw.removeListener('data', onTcpData);
    const secure = startNodeTls(raw, options, {
      secure() {
        t.tlsInfo = nodeTlsInfo(this, options.servername, String);
        t.link.secure(t.id);
      },
      data: onTcpData, end: onTcpEnd, error: onTcpError, close: onTcpClose,
      paused: () => t.readPaused,
    });
    secure[TRANSPORT] = t;
    t.sock = secure;
  },
  pause: ({ id }, link) => {
    const t = link.get(id);
    if (t?.sock?.readMore) t.readPaused = true; // a TLSSocket read by 'readable' (js/node/tls.js)
    else t?.sock?.pause?.();
  },
  resume: ({ id }, link) => {
    const t = link.get(id);
    if (t?.sock?.readMore) {
      t.readPaused = false;
      t.sock.readMore();
    } else {
      t?.sock?.resume?.();
    }
  },
};

export const nodeHost = {
  perform(action, link) {
    // `send` first: one per write, and a lookup by a varying key is a megamorphic load.
    if (action.type === 'send') send(action, link);
    else actions[action.type](action, link);
  },
  sendNow,
  setRef,
  turn: currentTurn,
  // tlsInfo() once the engine says the connection is secure (js/node/tls.js).
  tlsInfo: (link) => link.get(link.id)?.tlsInfo ?? null,
  // `send` takes an ASCII string as well as bytes (net writes it as it is).
  sendsText: () => true,
  // A Buffer: net writes it without converting, and one under 4 KiB comes from Node's shared
  // pool rather than an allocation of its own (a relay's small messages).
  copyBytes,
};
