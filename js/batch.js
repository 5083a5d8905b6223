// Reads the batch a batched engine writes after each call (src/bindings/batch.rs): its actions
// and events as plain objects, in the shapes the hosts and the dispatcher use, and its next
// deadline. One call into wasm per command or input; the outputs are read from typed arrays
// over wasm memory, no call per output and no object built from Rust.

/**
 * A reader over one wasm instance: `memory` is its WebAssembly.Memory; `batchHeader` and
 * `batchKinds` are the exports of the same name.
 */
export function createBatchReader({ memory, batchHeader, batchKinds }) {
  const at = batchHeader();
  const K = {};
  batchKinds().split(' ').forEach((name, i) => { K[name] = i + 1; });
  const decoder = new TextDecoder();

  // Views over the whole memory, remade when it grows: growing detaches the old buffer, and
  // a detached view has length 0 (cheaper to test than reading memory.buffer each time).
  let header = new Float64Array(0);
  let words;
  let bytes;
  const views = () => {
    if (header.length !== 0) return;
    const buffer = memory.buffer;
    header = new Float64Array(buffer, at, 4);
    words = new Uint32Array(buffer);
    bytes = new Uint8Array(buffer);
  };

  /** The decoded batch, reused by every read: copy out before calling into wasm again. */
  const out = { events: [], actions: [], deadline: -1 };

  /** Reads the batch into `out` and returns it. */
  function read() {
    views();
    out.events.length = 0;
    out.actions.length = 0;
    out.deadline = header[3];
    const count = header[1];
    if (count === 0) return out;
    const base = header[0] >>> 2;
    const textAt = header[2];
    const text = (i) => {
      const o = textAt + words[i];
      return decoder.decode(bytes.subarray(o, o + words[i + 1]));
    };
    for (let i = base, end = base + count; i < end; i += 2 + words[i + 1]) {
      const f = i + 2; // the record's first field
      switch (words[i]) {
        // ----- actions -----
        case K.send: {
          const ptr = words[f + 1];
          const action = { type: 'send', id: words[f], data: bytes.slice(ptr, ptr + words[f + 2]) };
          if (words[i + 1] > 3) {
            action.ip = text(f + 3);
            action.port = words[f + 5];
          }
          out.actions.push(action);
          break;
        }
        case K.sendKept:
          out.actions.push({ type: 'sendKept', id: words[f], start: words[f + 1] + words[f + 2] * 2 ** 32, len: words[f + 3] });
          break;
        case K.shutdown: out.actions.push({ type: 'shutdown', id: words[f] }); break;
        case K.abort: out.actions.push({ type: 'abort', id: words[f] }); break;
        case K.pause: out.actions.push({ type: 'pause', id: words[f] }); break;
        case K.endOutput: out.actions.push({ type: 'endOutput', id: words[f] }); break;
        // keepAlive: -1 for off, else the delay in ms (0: the system's); the word holds it + 1.
        case K.configure: out.actions.push({ type: 'configure', id: words[f], noDelay: words[f + 1] === 1, keepAlive: words[f + 2] - 1 }); break;
        case K.resume: out.actions.push({ type: 'resume', id: words[f] }); break;
        case K.resolve: out.actions.push({ type: 'resolve', id: words[f], host: text(f + 1) }); break;
        case K.connect:
          out.actions.push({ type: 'connect', id: words[f], ip: text(f + 1), port: words[f + 3], protocol: protocol(words[f + 4]) });
          break;
        case K.connectName:
          out.actions.push({ type: 'connect', id: words[f], host: text(f + 1), port: words[f + 3], protocol: protocol(words[f + 4]) });
          break;
        case K.listen:
          out.actions.push({
            type: 'listen', id: words[f], ip: text(f + 1), port: words[f + 3],
            ipv6Only: words[f + 5] === 1, protocol: protocol(words[f + 4]),
          });
          break;
        // ----- events -----
        case K.dataAvailable: out.events.push({ type: 'dataAvailable', length: words[f] }); break;
        case K.drain: out.events.push({ type: 'drain' }); break;
        case K.idle: out.events.push({ type: 'idle' }); break;
        case K.stateChanged: out.events.push({ type: 'stateChanged', status: words[f], name: text(f + 1) }); break;
        case K.hostFound: out.events.push({ type: 'hostFound' }); break;
        case K.connected: out.events.push({ type: 'connected' }); break;
        case K.connectFailed: out.events.push({ type: 'connectFailed', code: text(f), reason: text(f + 2) }); break;
        case K.error: out.events.push({ type: 'error', code: text(f), message: text(f + 2) }); break;
        case K.disconnected: out.events.push({ type: 'disconnected', error: text(f) }); break;
        case K.incomingConnection: out.events.push({ type: 'incomingConnection' }); break;
        case K.listening: out.events.push({ type: 'listening', ip: text(f), port: words[f + 2] }); break;
        default: throw new Error(`kvsocket: unknown batch record kind ${words[i]}`);
      }
    }
    return out;
  }

  return read;
}

const protocol = (udp) => (udp === 1 ? 'udp' : 'tcp');
