// One TCP connection carried by one WebSocket: bytes unchanged in binary frames both ways, each
// side's end passed on to the other only after what came before it, and neither side allowed to
// outrun the other (the slower side pauses the faster one).

import net from 'node:net';
import { parseControl } from './control.js';
import { CLOSE, REASON, TYPE } from './tunnel-codes.js';

// Marks for pausing: one side stops reading while the other holds more than HIGH unsent, and
// starts again once that falls to LOW.
export const HIGH = 1 << 20;
export const LOW = 256 << 10;
// Towards the target the kernel's send buffer (megabytes on loopback) already keeps the line
// busy, so less of ours is needed: this bounds what a target that never reads costs per tunnel.
export const TARGET_HIGH = 256 << 10;

// After the WebSocket closes we end the TCP connection and read (and drop) until the target
// ends too; a target that never does is cut off after this long.
export const LINGER_MS = 10_000;

// With the end exchange, how long the WebSocket stays open after the target's FIN for the page
// to write what it still has and answer with its own end.
const END_WAIT_MS = 10_000;

const reasonOf = (err) => String(err?.code ?? err?.message ?? 'error').slice(0, 120);

const ignoreError = () => {};

/** An Error with a Node-style code, the way net's own errors look. */
export function codedError(code, message) {
  return Object.assign(new Error(message), { code });
}

// Reads from a dialled target go into buffers of our own (net allocates 64 KiB per read): their
// size adapts to the tunnel, from MIN_READ for an idle or chatty one (what it holds between
// reads) up to MAX_READ for a bulk transfer, where each read becomes one WebSocket message, so
// fewer reads, fewer and larger messages, and buffers reused instead of fresh memory per read.
// A bulk download from a loopback target fills every read of 1 MiB (the kernel holds more than
// that): the proxy's CPU per byte was 0.47–0.55 ms/MiB with 1 MiB reads, 0.63 with 512 KiB,
// 0.70–0.86 with 256 KiB (benches/proxy.js; docs/performance.md).
const MIN_READ = 16 << 10;
const MAX_READ = 1 << 20;
// MAX_READ buffers whose bytes have been written on wait here for the next read, shared by all
// tunnels (at most 4 MiB).
const pool = [];
const POOL_SIZE = 4;
const takeBuffer = (size) => (size === MAX_READ && pool.pop()) || Buffer.allocUnsafe(size);
const giveBack = (buf) => {
  if (buf.length === MAX_READ && pool.length < POOL_SIZE) pool.push(buf);
};

const READER = Symbol('kvsocket-proxy reader');

// Idle tunnels share one read buffer, so that a tunnel holding nothing costs no buffer of its
// own (16 KiB each was more than half of an idle tunnel's memory). Reads are one at a time on
// the event loop's thread and each is handled before the next one starts, so what lands in the
// shared buffer is copied out in its read's callback and the buffer is free again.
const shared = Buffer.allocUnsafe(MIN_READ);

/**
 * The onread option of a dialled socket: what each read delivers goes to reader.onChunk(chunk,
 * done) (set by bridge), which calls done() once the chunk has been written on and returns
 * false to pause. A tunnel starts on the shared buffer, whose reads are copied out; one that
 * fills half of it gets buffers of its own: a read that fills at least half its own buffer is
 * handed on as it is (the buffer comes back through done()), a smaller one is copied out and
 * the buffer read into again, and an own buffer that only gets small reads gives way to the
 * shared one again.
 */
function adaptiveReader() {
  const reader = { buffer: null, onChunk: null }; // null: the shared buffer
  const noop = () => {};
  const deliver = (chunk, done) => reader.onChunk(chunk, done);
  const onread = {
    buffer: () => reader.buffer ?? shared,
    callback(n, buf) {
      const size = buf.length;
      if (buf === shared) {
        if (n >= size / 2) reader.buffer = takeBuffer(n === size ? Math.min(size * 4, MAX_READ) : size);
        return deliver(Buffer.from(buf.subarray(0, n)), noop);
      }
      if (n < size / 2) {
        // A small read: copy it out; an own buffer that only gets small reads gives way.
        if (n < size / 8) {
          giveBack(buf);
          reader.buffer = null;
        }
        return deliver(Buffer.from(buf.subarray(0, n)), noop);
      }
      reader.buffer = takeBuffer(n === size ? Math.min(size * 4, MAX_READ) : size);
      return deliver(buf.subarray(0, n), () => giveBack(buf));
    },
  };
  return { reader, onread };
}

/**
 * Opens a TCP connection. `ready` resolves with the socket once connected, and rejects with the
 * connect error (ETIMEDOUT after `timeout` ms) or when the socket is destroyed first. With
 * `bridged` (for bridge(), which is then the only reader) the socket reads into adaptive buffers
 * of our own and does not read at all until bridge() starts it; otherwise it is a plain socket
 * with 'data' events.
 */
export function connectTcp(host, port, timeout, { bridged = false } = {}) {
  const options = { host, port, allowHalfOpen: true, noDelay: true };
  let reader = null;
  if (bridged) ({ reader, onread: options.onread } = adaptiveReader());
  const tcp = net.connect(options);
  if (reader) {
    tcp[READER] = reader;
    tcp.pause(); // until bridge() has somewhere to put the bytes; they wait in the kernel
  }
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => tcp.destroy(codedError(REASON.TIMED_OUT, `no answer from ${host}:${port} in ${timeout} ms`)),
      timeout,
    );
    const abandoned = () => {
      clearTimeout(timer);
      reject(codedError('ECANCELED', 'connect abandoned'));
    };
    tcp.once('connect', () => {
      clearTimeout(timer);
      // Connected: the listeners of the attempt go (they would be kept, with this scope, for
      // the tunnel's life); an error before bridge() listens is its close's to report.
      tcp.off('error', reject);
      tcp.off('close', abandoned);
      tcp.on('error', ignoreError);
      resolve(tcp);
    });
    tcp.once('error', reject);
    tcp.once('close', abandoned);
  });
  return { tcp, ready };
}

/**
 * Set on a WebSocket (by the upgrade, from `?end=1`) whose client takes part in the end exchange
 * (docs/proxy-protocol.md): `{"type":"end"}` text messages both ways instead of a close on the
 * target's FIN, and a close that says whether the page's bytes reached the target.
 */
export const END_EXCHANGE = Symbol('kvsocket-proxy end exchange');

/** `?end=1`: the client opts in to the end exchange. */
export const wantsEndExchange = (query) => query?.get('end') === '1';

/**
 * Joins an open WebSocket to a connected TCP socket (created with allowHalfOpen, so that data can
 * still go to a target that has sent its FIN). `counters` gets byte counts; `onDone` runs once,
 * after both are closed. `endExchange` (default: the WebSocket's END_EXCHANGE mark) makes the
 * ends travel as `{"type":"end"}` messages; without it the target's FIN closes the WebSocket
 * (1000) and the WebSocket's close ends the TCP connection. After `idleTimeout` ms (0: never)
 * without a byte either way the tunnel is closed with 1011 ETIMEDOUT.
 */
export function bridge(ws, tcp, { counters, onDone = () => {}, endExchange = ws[END_EXCHANGE] === true, idleTimeout = 0 }) {
  let wsClosed = false;
  let tcpClosed = false;
  let tcpFailed = false;
  let pageEnded = false; // the page sent its end: the TCP side was ended after its bytes
  let waitTimer = null; // the target ended and the page has not answered yet
  const maybeDone = () => wsClosed && tcpClosed && onDone();

  // The target is read while the WebSocket has room and the page has not paused its receive
  // (`{"type":"pause"}`, end exchange only: the page's engine holds its receive high-water mark
  // unread, docs/proxy-protocol.md); the kernel's buffers then push back on the target.
  let pageHeld = false;
  const resumeTcp = () => {
    if (tcp.isPaused() && !pageHeld && ws.bufferedAmount <= LOW) tcp.resume();
  };
  const onChunk = (chunk, done) => {
    if (ws.readyState !== ws.OPEN) return true; // the WebSocket has gone; what the target says is dropped
    counters.bytesToClients += chunk.length;
    ws.send(chunk, { binary: true }, (err) => {
      if (!err) done?.();
      resumeTcp();
    });
    if (ws.bufferedAmount <= HIGH && !pageHeld) return true;
    tcp.pause();
    return false;
  };
  // A dialled target is read into our own buffers (connectTcp); an accepted one through 'data'.
  if (tcp[READER]) tcp[READER].onChunk = onChunk;
  else tcp.on('data', onChunk);
  // ws.close and ws.send queue behind the data already sent, so the page gets every byte before
  // it learns of the end.
  tcp.on('end', () => {
    if (!endExchange) {
      ws.close(CLOSE.NORMAL);
      return;
    }
    if (ws.readyState !== ws.OPEN) return;
    ws.send(JSON.stringify({ type: TYPE.END }));
    // The page answers with its own end once it has written what it still had to say; one that
    // never does is closed after a while (ending the TCP side, below).
    if (!pageEnded) {
      waitTimer = setTimeout(() => ws.close(CLOSE.NORMAL), END_WAIT_MS);
      waitTimer.unref();
    }
  });
  tcp.on('error', (err) => {
    tcpFailed = true;
    if (ws.readyState === ws.OPEN) ws.close(CLOSE.ERROR, reasonOf(err));
  });
  tcp.on('close', () => {
    tcpClosed = true;
    clearTimeout(waitTimer);
    if (ws.readyState === ws.OPEN) {
      // With the end exchange this is the answer to the page's end (unless 'finish' answered a
      // close(), above): clean once every byte it wrote was handed to the system and both sides
      // ended. (An error closed it already.)
      const clean = endExchange && pageEnded && !tcpFailed && tcp.writableFinished;
      if (clean) ws.close(CLOSE.NORMAL);
      else ws.close(CLOSE.ERROR, pageEnded ? REASON.TIMED_OUT : REASON.ABORTED);
    }
    if (ws.isPaused) ws.resume(); // no 'drain' will come now; the close handshake needs reading
    maybeDone();
  });

  // `doneReading`: the page's end came from its close(), `{"type":"end","read":false}`. The
  // page's end() (a half-close) sends a plain end and goes on reading; 'close' answers it.
  const pageEnd = (doneReading) => {
    if (pageEnded || !tcp.writable) return;
    pageEnded = true;
    clearTimeout(waitTimer);
    tcp.end(); // after everything written so far
    // After close() the page is done reading (docs/spec.md): once the system took every byte
    // and the FIN ('finish'), its close() is done. The answer is a clean close then, the same
    // point at which Node's host ends Closing (both hosts end Closing by the same rule), and
    // what the target still sends is dropped. A failure before that is 1011.
    if (doneReading) {
      tcp.once('finish', () => {
        if (ws.readyState === ws.OPEN && !tcpFailed) ws.close(CLOSE.NORMAL);
      });
    }
    // A half-close keeps a paused receive paused; after close() what comes is dropped.
    if (doneReading) pageHeld = false;
    resumeTcp();
    // A target that never ends its side (or never takes the bytes) is cut off.
    setTimeout(() => tcp.destroy(), LINGER_MS).unref();
  };

  ws.on('message', (data, isBinary) => {
    if (!isBinary) {
      const control = endExchange ? parseControl(data) : null;
      const type = control?.type;
      if (type === TYPE.END) {
        pageEnd(control.read === false);
      } else if (type === TYPE.PAUSE) {
        pageHeld = true;
        tcp.pause();
      } else if (type === TYPE.RESUME) {
        pageHeld = false;
        resumeTcp();
      } else {
        ws.close(CLOSE.UNSUPPORTED_DATA, endExchange ? 'the text messages here are {"type":"end"}, {"type":"pause"} and {"type":"resume"}' : 'text frames are not data here: send binary frames');
      }
      return;
    }
    if (!tcp.writable || pageEnded) return;
    counters.bytesFromClients += data.length;
    tcp.write(data);
    if (tcp.writableLength > TARGET_HIGH && !ws.isPaused) {
      ws.pause();
      tcp.once('drain', () => ws.resume());
    }
  });
  ws.on('error', () => {}); // a bad frame or an oversized message: 'close' follows with its code
  ws.on('close', () => {
    wsClosed = true;
    clearTimeout(waitTimer);
    if (!tcp.destroyed) {
      tcp.end(); // after everything written so far
      tcp.resume();
      setTimeout(() => tcp.destroy(), LINGER_MS).unref();
    }
    maybeDone();
  });

  // Every byte of the tunnel passes the TCP socket, so its own inactivity timer is the tunnel's.
  if (idleTimeout > 0) {
    tcp.setTimeout(idleTimeout, () => {
      if (ws.readyState === ws.OPEN) ws.close(CLOSE.ERROR, REASON.TIMED_OUT);
      tcp.destroy();
    });
  }

  tcp.resume(); // a socket accepted with pauseOnConnect does not start by itself
}
