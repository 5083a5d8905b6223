// Reads the batch a batched engine writes after each call (src/bindings/batch.rs): its actions
// and events as plain objects, in the shapes the hosts and the dispatcher use, and its next
// deadline. One call into wasm per command or input; the outputs are read from typed arrays
// over wasm memory, no call per output and no object built from Rust.

/**
 * A reader over one wasm instance: `memory` is its WebAssembly.Memory; `batchHeader` and
 * `batchKinds` are the exports of the same name, `setShelf` the shelf's (src/bindings/shelf.rs);
 * `textCache` is the module's `hostTuning()` size of that name (js/tuning.js). `dataAvailableAsLength`: a dataAvailable event
 * is its length, a number, rather than `{ type: 'dataAvailable', length }` (the facade's form:
 * one object fewer per message).
 */
export function createBatchReader({ memory, batchHeader, batchKinds, setShelf }, { textCache, dataAvailableAsLength = false }) {
  const at = batchHeader();
  // The longest text `text` keeps for the next (`textCache`: src/bindings/tuning.rs).
  const TEXT_KEPT = textCache;
  // Where the engine puts the JS values it holds (src/bindings/shelf.rs): a `sendHeld`'s chunk,
  // a `startTls`'s options, in the slot its record names. Emptied as read, so that it keeps no
  // chunk alive.
  const shelf = [];
  setShelf(shelf);
  // The engine's kind numbers mapped to this reader's own (NAMES' order), so that the switch
  // below compares with constants; a kind this reader does not know maps to 0.
  const code = new Uint8Array(64);
  batchKinds().split(' ').forEach((name, i) => { code[i + 1] = NAMES.indexOf(name) + 1; });
  const decoder = new TextDecoder();

  // Views over the whole memory, remade when it grows: growing detaches the old buffer, and
  // a detached view has length 0 (cheaper to test than reading memory.buffer each time).
  let header = new Float64Array(0);
  let words;
  let bytes;
  let textAt = 0;
  const views = () => {
    if (header.length !== 0) return;
    const buffer = memory.buffer;
    header = new Float64Array(buffer, at, 4);
    words = new Uint32Array(buffer);
    bytes = new Uint8Array(buffer);
  };
  // A status's name is the engine's for that status, always the same: decoded once each.
  const names = [];
  const statusName = (status, i) => names[status] ??= text(i);
  // The last short text decoded, and its bytes: a connect's address is most often the one
  // the previous connect had, and comparing a few bytes costs less than a view and a decode.
  const lastBytes = new Uint8Array(TEXT_KEPT);
  let lastLength = -1;
  let lastText = '';
  const text = (i) => {
    const o = textAt + words[i];
    const n = words[i + 1];
    if (n === lastLength) {
      let k = 0;
      while (k < n && bytes[o + k] === lastBytes[k]) k++;
      if (k === n) return lastText;
    }
    const view = bytes.subarray(o, o + n);
    const decoded = decoder.decode(view);
    if (n <= TEXT_KEPT) {
      lastBytes.set(view);
      lastLength = n;
      lastText = decoded;
    }
    return decoded;
  };

  /**
   * The decoded batch, reused by every read: copy out before calling into wasm again. The
   * arrays are not emptied (setting an array's length is a call into V8's runtime): only the
   * first `eventCount` / `actionCount` entries are this batch's.
   */
  const out = { events: [], actions: [], eventCount: 0, actionCount: 0, deadline: -1 };

  /** Reads the batch into `out` and returns it. */
  function read() {
    views();
    out.deadline = header[3];
    const count = header[1];
    out.eventCount = out.actionCount = 0;
    if (count === 0) return out;
    const events = out.events;
    const actions = out.actions;
    let ne = 0;
    let na = 0;
    const base = header[0] >>> 2;
    textAt = header[2];
    for (let i = base, end = base + count; i < end; i += 2 + words[i + 1]) {
      const f = i + 2; // the record's first field
      switch (code[words[i]]) {
        // ----- actions -----
        case SEND: {
          const ptr = words[f + 1];
          const action = { type: 'send', id: words[f], data: bytes.slice(ptr, ptr + words[f + 2]) };
          if (words[i + 1] > 3) {
            action.ip = text(f + 3);
            action.port = words[f + 5];
          }
          actions[na++] = action;
          break;
        }
        case SEND_HELD: {
          const slot = words[f + 1];
          actions[na++] = { type: 'sendHeld', id: words[f], data: shelf[slot] };
          shelf[slot] = undefined;
          break;
        }
        case SHUTDOWN: actions[na++] = { type: 'shutdown', id: words[f] }; break;
        case ABORT: actions[na++] = { type: 'abort', id: words[f] }; break;
        case PAUSE: actions[na++] = { type: 'pause', id: words[f] }; break;
        case END_OUTPUT: actions[na++] = { type: 'endOutput', id: words[f] }; break;
        // keepAlive: -1 for off, else the delay in ms (0: the system's); the word holds it + 1.
        case CONFIGURE: actions[na++] = { type: 'configure', id: words[f], noDelay: words[f + 1] === 1, keepAlive: words[f + 2] - 1 }; break;
        case RESUME: actions[na++] = { type: 'resume', id: words[f] }; break;
        // The handshake's options, every default filled in by the engine, on the shelf.
        case START_TLS: {
          const slot = words[f + 1];
          actions[na++] = { type: 'startTls', id: words[f], tls: shelf[slot] };
          shelf[slot] = undefined;
          break;
        }
        case RESOLVE: actions[na++] = { type: 'resolve', id: words[f], host: text(f + 1) }; break;
        case CONNECT:
          actions[na++] = { type: 'connect', id: words[f], ip: text(f + 1), port: words[f + 3], protocol: protocol(words[f + 4]) };
          break;
        case CONNECT_NAME:
          actions[na++] = { type: 'connect', id: words[f], host: text(f + 1), port: words[f + 3], protocol: protocol(words[f + 4]) };
          break;
        case LISTEN:
          actions[na++] = {
            type: 'listen', id: words[f], ip: text(f + 1), port: words[f + 3],
            ipv6Only: words[f + 5] === 1, protocol: protocol(words[f + 4]),
          };
          break;
        // ----- events -----
        case DATA_AVAILABLE: events[ne++] = dataAvailableAsLength ? words[f] : { type: 'dataAvailable', length: words[f] }; break;
        case DRAIN: events[ne++] = { type: 'drain' }; break;
        case IDLE: events[ne++] = { type: 'idle' }; break;
        case SECURE: events[ne++] = { type: 'secure' }; break;
        case STATE_CHANGED: events[ne++] = { type: 'stateChanged', status: words[f], name: statusName(words[f], f + 1) }; break;
        case HOST_FOUND: events[ne++] = { type: 'hostFound' }; break;
        case CONNECTED: events[ne++] = { type: 'connected' }; break;
        case CONNECT_FAILED: events[ne++] = { type: 'connectFailed', code: text(f), reason: text(f + 2) }; break;
        case ERROR: events[ne++] = { type: 'error', code: text(f), message: text(f + 2), fatal: words[f + 4] === 1 }; break;
        case DISCONNECTED: events[ne++] = { type: 'disconnected', error: text(f) }; break;
        case INCOMING_CONNECTION: events[ne++] = { type: 'incomingConnection' }; break;
        case LISTENING: events[ne++] = { type: 'listening', ip: text(f), port: words[f + 2] }; break;
        default: throw new Error(`kvsocket: unknown batch record kind ${words[i]}`);
      }
    }
    out.eventCount = ne;
    out.actionCount = na;
    return out;
  }

  read.shelf = shelf;
  return read;
}

// The kinds this reader knows, by the engine's names (src/bindings/batch.rs, KINDS), and their
// codes here (place + 1).
const NAMES = [
  'send', 'sendHeld', 'shutdown', 'abort', 'pause', 'endOutput', 'configure', 'resume', 'resolve',
  'connect', 'connectName', 'listen', 'dataAvailable', 'drain', 'idle', 'stateChanged', 'hostFound',
  'connected', 'connectFailed', 'error', 'disconnected', 'incomingConnection', 'listening',
  'startTls', 'secure',
];
const [
  SEND, SEND_HELD, SHUTDOWN, ABORT, PAUSE, END_OUTPUT, CONFIGURE, RESUME, RESOLVE,
  CONNECT, CONNECT_NAME, LISTEN, DATA_AVAILABLE, DRAIN, IDLE, STATE_CHANGED, HOST_FOUND,
  CONNECTED, CONNECT_FAILED, ERROR, DISCONNECTED, INCOMING_CONNECTION, LISTENING,
  START_TLS, SECURE,
] = NAMES.map((_, i) => i + 1);


const protocol = (udp) => (udp === 1 ? 'udp' : 'tcp');
