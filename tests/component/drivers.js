// Two drivers with one shape over the same engine: the wasm-bindgen build (pkg/, what the npm
// package ships) and the WebAssembly component (component/, transpiled by jco into
// test-output/component/ by scripts/test-component.sh). A session script runs against a
// `Recorder` over either driver; the recorder plays the host's loop (after every call it drains
// the actions and the events) and writes a transcript in the wasm-bindgen build's shapes, with
// transport ids renumbered in order of appearance. Equal transcripts: equal behaviour.
import { readFileSync, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createBatchReader } from '../../js/batch.js';
import { readTuning } from '../../js/tuning.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PKG = path.join(ROOT, 'pkg');
const COMPONENT = path.join(ROOT, 'test-output/component');

// ----- the wasm-bindgen build ------------------------------------------------------------------

let bindgen;
async function loadBindgen() {
  if (!bindgen) {
    const wasm = path.join(PKG, 'kvsocket_bg.wasm');
    if (!existsSync(wasm)) throw new Error('pkg/ is not built: run scripts/build.sh');
    const module = await import(pathToFileURL(path.join(PKG, 'kvsocket.js')));
    const { memory } = module.initSync({ module: readFileSync(wasm) });
    const { batchHeader, batchKinds, setShelf, hostTuning } = module;
    bindgen = { Engine: module.Engine, memory, readBatch: createBatchReader({ memory, batchHeader, batchKinds, setShelf }, { textCache: readTuning(hostTuning).textCache }), headerAt: batchHeader() };
  }
  return bindgen;
}

/** The batch's header (four f64), over the memory as it is now (growing it detaches views). */
const batchHeader = () => new Float64Array(bindgen.memory.buffer, bindgen.headerAt, 4);

const ipPort = (ip, port) => (ip === '' ? null : [ip, port]);

/**
 * The wasm-bindgen `Engine` behind the common driver shape. Its outputs reach JS only through
 * the batch (src/bindings/batch.rs), as in the facade (js/socket.js `#out`): the engine is
 * batched, each call that writes a batch is followed by reading it with the facade's own reader
 * (js/batch.js), and what it held is queued here for `pollAction` / `pollEvent`; the batch's
 * deadline is this socket's `pollTimeout` until its next batch.
 */
class BindgenDriver {
  #actions = [];
  #events = [];
  #deadline = -1; // the facade's timer too is unarmed until the engine's first batch

  constructor(engine) {
    this.e = engine;
    this.e.setBatched(true); // an accepted connection's engine is batched already: no change
  }

  /**
   * Calls the engine, then reads the batch if that call wrote one. The batch is one per module
   * and stays until the next call that writes: a call that writes none (a query,
   * setProtocol, ...) leaves another call's batch there, possibly another socket's. So the
   * deadline word is set to NaN first, which the engine replaces with a number whenever it
   * writes a batch.
   */
  #call(f) {
    batchHeader()[3] = NaN;
    try {
      return f(this.e);
    } finally {
      // (also when the call threw: a refused setting's TypeError comes after its batch)
      if (!Number.isNaN(batchHeader()[3])) this.#readBatch();
    }
  }

  #readBatch() {
    const { actions, events, actionCount, eventCount, deadline } = bindgen.readBatch();
    // Copied out: the reader reuses its arrays, and a `send`'s bytes are already its own copy.
    for (let i = 0; i < actionCount; i++) this.#actions.push(actions[i]);
    for (let i = 0; i < eventCount; i++) {
      // The batch's error record carries the engine's `fatal` bit for the JS layers; the WIT's
      // `error(failure)` does not (a component's host reads the state-changed that follows).
      const { fatal, ...event } = events[i];
      this.#events.push(event.type === 'error' ? event : events[i]);
    }
    this.#deadline = deadline;
  }

  // commands
  connect(host, port, now) { return this.#call((e) => e.connect(host, port, now)); }
  listen(port, iface, forceIpv6) { return this.#call((e) => e.listen(port, iface, forceIpv6)); }
  write(bytes) { return this.#call((e) => e.write(bytes)); }
  /** 'now', 'queued' or 'refused' (the common shape of the WIT's `through`). */
  writeThrough(bytes, turn) {
    if (this.#call((e) => e.letThrough(bytes.length, turn)) > 0) return 'now';
    return this.#call((e) => e.writeHeld(bytes, bytes.length, false)) > 0 ? 'queued' : 'refused';
  }
  reserve(len) { return this.#call((e) => e.reserve(len)) ?? null; }
  fill(slot, bytes) { this.#call((e) => e.fill(slot, bytes)); }
  read(length) { return this.#call((e) => e.read(length)); }
  readBytes(length) { return this.#call((e) => e.readBytes(length)); }
  readHex(length) { return this.#call((e) => e.readHex(length)); }
  close() { this.#call((e) => e.close()); }
  destroy() { this.#call((e) => e.destroy()); }
  setProtocol(name) { return this.#call((e) => e.setProtocol(name)); }
  setConnectTimeout(ms) { return throwsNot(() => this.#call((e) => e.setConnectTimeout(ms))); }
  setHighWaterMark(bytes) { return throwsNot(() => this.#call((e) => e.setHighWaterMark(bytes))); }
  setTransportResolvesNames(on) { this.#call((e) => e.setTransportResolvesNames(on)); }
  adopt(other) { return this.#call((e) => e.adopt(other.e)); }

  // queries (they write no batch; called through `#call` all the same, which would tell)
  status() { return this.#call((e) => e.status()); }
  statusName() { return this.#call((e) => e.statusName()); }
  protocol() { return this.#call((e) => e.protocol()); }
  lastError() { return this.#call((e) => e.lastError()); }
  bytesAvailable() { return this.#call((e) => e.bytesAvailable()); }
  bufferedAmount() { return this.#call((e) => e.bufferedAmount()); }
  currentId() { return this.#call((e) => e.currentId()) || null; }
  remote() { return this.#call((e) => ipPort(e.remoteIp(), e.remotePort())); }
  local() { return this.#call((e) => ipPort(e.localIp(), e.localPort())); }
  /** The deadline of this socket's latest batch (no export asks the engine for it). */
  pollTimeout() { return this.#deadline < 0 ? null : this.#deadline; }

  // inputs
  resolved(id, addrs) { this.#call((e) => e.resolved(id, addrs)); }
  connected(id, [lip, lport], [rip, rport]) { this.#call((e) => e.connected(id, lip, lport, rip, rport)); }
  received(id, bytes, from) { this.#call((e) => e.received(id, bytes, from?.[0], from?.[1])); }
  sent(id, len) { this.#call((e) => e.sent(id, len)); }
  peerClosed(id) { this.#call((e) => e.peerClosed(id)); }
  closed(id) { this.#call((e) => e.closed(id)); }
  failed(id, error) { this.#call((e) => e.failed(id, error)); }
  listening(id, [ip, port]) { this.#call((e) => e.listening(id, ip, port)); }
  incoming(id, [lip, lport], [rip, rport]) {
    const child = this.#call((e) => e.incoming(id, lip, lport, rip, rport));
    return child ? new BindgenDriver(child) : null;
  }
  timeout(now) { this.#call((e) => e.timeout(now)); }

  // outputs, from the queue, in the common shapes (js/batch.js's, which are
  // src/bindings/convert.rs's: a send's bytes shown as hex)
  pollAction() {
    const a = this.#actions.shift();
    if (a === undefined) return undefined;
    // A queued write's chunk comes back as itself (`sendHeld`): a send of its bytes.
    if (a.type === 'sendHeld') return { type: 'send', id: a.id, data: hex(a.data) };
    return a.type === 'send' ? { ...a, data: hex(a.data) } : { ...a };
  }
  pollEvent() {
    const e = this.#events.shift();
    return e === undefined ? undefined : { ...e };
  }
}


function throwsNot(f) {
  try {
    f();
    return true;
  } catch (e) {
    if (e instanceof TypeError) return false;
    throw e;
  }
}

// ----- the component ------------------------------------------------------------------------------

/** The WIT's `enum status` cases, in order: the index is the number scripts see. */
export const STATUS_CASES = [
  'unconnected', 'host-look-up', 'connecting', 'connected', 'bound', 'closing', 'listening',
];

/** `host-look-up` -> `HostLookUp` (WIT case -> the name scripts see). */
export const pascal = (kebab) => kebab.replace(/(^|-)([a-z])/g, (_, __, c) => c.toUpperCase());
/** `state-changed` -> `stateChanged` (WIT case -> the JS event type). */
export const camel = (kebab) => kebab.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
export const hex = (bytes) => Buffer.from(bytes).toString('hex');

let component;
/** The component's `engine` interface as jco exposes it (`Socket`, `parseIp`, ...). */
export async function loadComponent() {
  if (!component) {
    const entry = path.join(COMPONENT, 'kvsocket.js');
    if (!existsSync(entry)) {
      throw new Error('test-output/component/ is missing: run scripts/test-component.sh');
    }
    // jco ships the WASI shim as its own dependency; resolve it from jco's folder, wherever npm
    // placed it (nested or hoisted).
    const fromJco = createRequire(path.join(ROOT, 'node_modules/@bytecodealliance/jco/package.json'));
    const shim = fromJco.resolve('@bytecodealliance/preview2-shim/instantiation');
    const { WASIShim } = await import(pathToFileURL(shim));
    const { instantiate } = await import(pathToFileURL(entry));
    const compile = async (file) => WebAssembly.compile(await readFile(path.join(COMPONENT, file)));
    // The engine reads no file, environment or network: a sandboxed shim.
    const wasi = new WASIShim({ sandbox: { preopens: {}, env: {}, args: ['kvsocket'], enableNetwork: false } });
    component = (await instantiate(compile, wasi.getImportObject())).engine;
  }
  return component;
}

/** A command's `result<_, string>`: jco returns for ok and throws a ComponentError for err. */
function ok(f) {
  try {
    f();
    return true;
  } catch (e) {
    if (typeof e?.payload === 'string') return false;
    throw e;
  }
}

/** A script's port as the WIT's `port-arg`. */
function portArg(port) {
  if (typeof port === 'number') return { tag: 'number', val: port };
  if (typeof port === 'string') return { tag: 'text', val: port };
  return { tag: 'other' };
}

/** The length argument of `read*`: none means everything (as 0 and negatives do in JS). */
const length = (n) => (typeof n === 'number' && n > 0 ? BigInt(Math.floor(n)) : undefined);

/** The component's `socket` resource behind the common driver shape. */
class ComponentDriver {
  constructor(engine, socket) {
    this.c = engine;
    this.s = socket;
  }

  ip(text) {
    const ip = this.c.parseIp(text);
    if (ip === undefined) throw new Error(`parse-ip refused ${text}`);
    return ip;
  }
  addr([ip, port]) { return { ip: this.ip(ip), port }; }
  unaddr(a) { return a === undefined ? null : [this.c.ipToString(a.ip), a.port]; }

  // commands
  connect(host, port, now) { return ok(() => this.s.connect(host, portArg(port), BigInt(now))); }
  listen(port = 0, iface = '', forceIpv6 = false) {
    return ok(() => this.s.listen(portArg(port), iface, forceIpv6));
  }
  write(bytes) { return this.s.write(bytes); }
  writeThrough(bytes, turn) { return this.s.writeThrough(bytes, turn).tag; }
  reserve(len) { return this.s.reserve(BigInt(len)) ?? null; }
  fill(slot, bytes) { this.s.fill(slot, bytes); }
  read(n) { return this.s.readText(length(n)); }
  readBytes(n) { return this.s.readBytes(length(n)); }
  readHex(n) { return this.s.readHex(length(n)); }
  close() { this.s.close(); }
  destroy() { this.s.destroy(); }
  setProtocol(name) {
    const p = String(name).toLowerCase();
    if (p !== 'tcp' && p !== 'udp') return false; // the WIT takes the enum: no other names exist
    return ok(() => this.s.setProtocol(p));
  }
  setConnectTimeout(ms) { return ok(() => this.s.setConnectTimeout(BigInt(ms))); }
  setHighWaterMark(bytes) { return ok(() => this.s.setHighWaterMark(BigInt(bytes))); }
  setTransportResolvesNames(on) { this.s.setTransportResolvesNames(on); }
  adopt(other) { return ok(() => this.s.adopt(other.s)); }

  // queries
  status() { return STATUS_CASES.indexOf(this.s.status()); }
  statusName() { return pascal(this.s.status()); }
  protocol() { return this.s.protocol(); }
  lastError() { return this.s.lastError(); }
  bytesAvailable() { return Number(this.s.bytesAvailable()); }
  bufferedAmount() { return Number(this.s.bufferedAmount()); }
  currentId() { return this.s.currentId() ?? null; }
  remote() { return this.unaddr(this.s.remoteAddress()); }
  local() { return this.unaddr(this.s.localAddress()); }
  pollTimeout() { const t = this.s.pollTimeout(); return t === undefined ? null : Number(t); }

  // inputs
  handle(tag, val) { this.s.handle({ tag, val }); }
  resolved(id, addrs) { this.handle('resolved', { id, addrs: addrs.map((a) => this.ip(a)) }); }
  connected(id, local, remote) {
    this.handle('connected', { id, local: this.addr(local), remote: this.addr(remote) });
  }
  received(id, data, from) {
    this.handle('received', { id, data, from: from ? this.addr(from) : undefined });
  }
  sent(id, len) { this.handle('sent', { id, len: BigInt(len) }); }
  peerClosed(id) { this.handle('peer-closed', id); }
  closed(id) { this.handle('closed', id); }
  failed(id, error) { this.handle('failed', { id, error }); }
  listening(id, local) { this.handle('listening', { id, local: this.addr(local) }); }
  incoming(id, local, remote) {
    const child = this.s.handleIncoming(id, this.addr(local), this.addr(remote));
    return child ? new ComponentDriver(this.c, child) : null;
  }
  timeout(now) { this.s.handleTimeout(BigInt(now)); }

  // outputs, converted to the wasm-bindgen build's shapes
  pollAction() {
    const a = this.s.pollAction();
    if (a === undefined) return undefined;
    const { tag, val } = a;
    const ip = (addr) => this.c.ipToString(addr.ip);
    switch (tag) {
      case 'resolve':
        return { type: 'resolve', id: val.id, host: val.host };
      case 'connect':
        return { type: 'connect', id: val.id, ip: ip(val.addr), port: val.addr.port, protocol: val.protocol };
      case 'connect-name':
        return { type: 'connect', id: val.id, host: val.host, port: val.port, protocol: val.protocol };
      case 'send': {
        const out = { type: 'send', id: val.id, data: hex(val.data) };
        if (val.to) Object.assign(out, { ip: ip(val.to), port: val.to.port });
        return out;
      }
      case 'listen':
        return {
          type: 'listen', id: val.id, ip: ip(val.addr), port: val.addr.port,
          ipv6Only: val.ipv6Only, protocol: val.protocol,
        };
      case 'shutdown':
      case 'abort':
        return { type: tag, id: val };
      case 'pause-reading':
        return { type: 'pause', id: val };
      case 'resume-reading':
        return { type: 'resume', id: val };
      default:
        throw new Error(`unknown action ${tag}`);
    }
  }

  pollEvent() {
    const e = this.s.pollEvent();
    if (e === undefined) return undefined;
    const { tag, val } = e;
    const type = camel(tag);
    switch (tag) {
      case 'state-changed':
        return { type, status: STATUS_CASES.indexOf(val), name: pascal(val) };
      case 'connect-failed':
        return { type, code: pascal(val.code), reason: val.message };
      case 'error':
        return { type, code: pascal(val.code), message: val.message };
      case 'data-available':
        return { type, length: Number(val) };
      case 'disconnected':
        return { type, error: val };
      case 'listening':
        return { type, ip: this.c.ipToString(val.ip), port: val.port };
      case 'host-found':
      case 'connected':
      case 'incoming-connection':
      case 'drain':
        return { type };
      default:
        throw new Error(`unknown event ${tag}`);
    }
  }
}

// ----- the recorder -----------------------------------------------------------------------------

const INPUTS = new Set([
  'resolved', 'connected', 'received', 'sent', 'peerClosed', 'closed', 'failed',
  'listening', 'incoming', 'timeout',
]);

/**
 * Wraps a driver: every call is logged with its result, then the actions and the events are
 * drained into the log (the host's loop). `ids` renumbers transport ids (shared by the sockets
 * of one session); `name` tells sockets apart in the log.
 */
export class Recorder {
  constructor(driver, log, ids, name) {
    Object.assign(this, { driver, log, ids, name, actions: [], events: [] });
  }

  id(raw) {
    if (raw === null || raw === undefined) return raw;
    if (!this.ids.has(raw)) this.ids.set(raw, `#${this.ids.size + 1}`);
    return this.ids.get(raw);
  }

  /** Calls `method` on the driver, logs it, drains; returns the driver's result. */
  call(method, ...args) {
    const raw = args.map((a) => (a instanceof Recorder ? a.driver : a));
    let result = this.driver[method](...raw);
    if (result instanceof BindgenDriver || result instanceof ComponentDriver) {
      result = new Recorder(result, this.log, this.ids, `${this.name}.child`);
    }
    const shown = args.map((a, i) => {
      if (a instanceof Recorder) return a.name;
      if (a instanceof Uint8Array) return hex(a);
      if (i === 0 && (INPUTS.has(method) || method === 'fill') && method !== 'timeout') {
        return this.id(a);
      }
      return a;
    });
    let logged = result;
    if (result instanceof Recorder) logged = result.name;
    else if (result instanceof Uint8Array) logged = hex(result);
    else if (method === 'currentId' || method === 'reserve') logged = this.id(result);
    this.log.push({ socket: this.name, call: method, args: shown, result: logged });
    this.drain();
    return result;
  }

  drain() {
    for (let a; (a = this.driver.pollAction()) !== undefined;) {
      this.actions.push(a);
      this.log.push({ socket: this.name, action: { ...a, id: this.id(a.id) } });
    }
    for (let e; (e = this.driver.pollEvent()) !== undefined;) {
      this.events.push(e);
      this.log.push({ socket: this.name, event: e });
    }
  }

  /** The latest action of `type` this socket drained (raw ids, for the next input). */
  lastAction(type) {
    const found = this.actions.findLast((a) => a.type === type);
    if (!found) throw new Error(`${this.name}: no '${type}' action yet`);
    return found;
  }
}

// Commands and inputs as methods of the recorder: `rec.connect(...)` is `rec.call('connect', ...)`.
for (const method of Object.getOwnPropertyNames(BindgenDriver.prototype)) {
  if (method === 'constructor' || method === 'pollAction' || method === 'pollEvent') continue;
  Recorder.prototype[method] = function (...args) {
    return this.call(method, ...args);
  };
}

/** Builds named after what it runs: the common driver shape's factories. */
export const BUILDS = {
  async 'wasm-bindgen'() {
    const { Engine } = await loadBindgen();
    return () => new BindgenDriver(new Engine());
  },
  async component() {
    const engine = await loadComponent();
    return () => new ComponentDriver(engine, new engine.Socket());
  },
};

/**
 * Runs `session(socket, { newSocket })` on each build and returns the transcripts by build.
 * `newSocket(name)` makes a further socket of the same build and session.
 */
export async function transcripts(session) {
  const out = {};
  for (const [build, load] of Object.entries(BUILDS)) {
    const make = await load();
    const log = [];
    const ids = new Map();
    const newSocket = (name) => new Recorder(make(), log, ids, name);
    await session(newSocket('socket'), { newSocket });
    out[build] = log;
  }
  return out;
}

/** The parts of a transcript tests usually assert on. */
export const eventsOf = (log, socket = 'socket') =>
  log.filter((l) => l.event && l.socket === socket).map((l) => l.event);
export const actionsOf = (log, socket = 'socket') =>
  log.filter((l) => l.action && l.socket === socket).map((l) => l.action);
