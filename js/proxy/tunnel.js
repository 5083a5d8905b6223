// One TCP connection carried by one WebSocket: bytes unchanged in binary frames both ways, each
// side's end passed on to the other only after what came before it, and neither side allowed to
// outrun the other (the slower side pauses the faster one).

import net from 'node:net';

// Marks for pausing: one side stops reading while the other holds more than HIGH unsent, and
// starts again once that falls to LOW.
export const HIGH = 1 << 20;
export const LOW = 256 << 10;

// After the WebSocket closes we end the TCP connection and read (and drop) until the target
// ends too; a target that never does is cut off after this long.
const LINGER_MS = 10_000;

const reasonOf = (err) => String(err?.code ?? err?.message ?? 'error').slice(0, 120);

/** An Error with a Node-style code, the way net's own errors look. */
export function codedError(code, message) {
  return Object.assign(new Error(message), { code });
}

/**
 * Opens a TCP connection. `ready` resolves with the socket once connected, and rejects with the
 * connect error (ETIMEDOUT after `timeout` ms) or when the socket is destroyed first.
 */
export function connectTcp(host, port, timeout) {
  const tcp = net.connect({ host, port, allowHalfOpen: true, noDelay: true });
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => tcp.destroy(codedError('ETIMEDOUT', `no answer from ${host}:${port} in ${timeout} ms`)),
      timeout,
    );
    tcp.once('connect', () => {
      clearTimeout(timer);
      resolve(tcp);
    });
    tcp.once('error', reject);
    tcp.once('close', () => {
      clearTimeout(timer);
      reject(codedError('ECANCELED', 'connect abandoned'));
    });
  });
  return { tcp, ready };
}

/**
 * Joins an open WebSocket to a connected TCP socket (created with allowHalfOpen, so that data can
 * still go to a target that has sent its FIN). `counters` gets byte counts; `onDone` runs once,
 * after both are closed.
 */
export function bridge(ws, tcp, { counters, onDone = () => {} }) {
  let wsClosed = false;
  let tcpClosed = false;
  const maybeDone = () => wsClosed && tcpClosed && onDone();

  const resumeTcp = () => {
    if (tcp.isPaused() && ws.bufferedAmount <= LOW) tcp.resume();
  };
  tcp.on('data', (chunk) => {
    if (ws.readyState !== ws.OPEN) return; // the WebSocket has gone; what the target says is dropped
    counters.bytesToClients += chunk.length;
    ws.send(chunk, { binary: true }, resumeTcp);
    if (ws.bufferedAmount > HIGH) tcp.pause();
  });
  // ws.close queues the close frame behind the data already sent, so the page gets every byte
  // before it sees the close.
  tcp.on('end', () => ws.close(1000));
  tcp.on('error', (err) => {
    if (ws.readyState === ws.OPEN) ws.close(1011, reasonOf(err));
  });
  tcp.on('close', () => {
    tcpClosed = true;
    if (ws.readyState === ws.OPEN) ws.close(1011, 'ECONNABORTED');
    if (ws.isPaused) ws.resume(); // no 'drain' will come now; the close handshake needs reading
    maybeDone();
  });

  ws.on('message', (data, isBinary) => {
    if (!isBinary) {
      ws.close(1003, 'text frames are not data here: send binary frames');
      return;
    }
    if (!tcp.writable) return;
    counters.bytesFromClients += data.length;
    tcp.write(data);
    if (tcp.writableLength > HIGH && !ws.isPaused) {
      ws.pause();
      tcp.once('drain', () => ws.resume());
    }
  });
  ws.on('error', () => {}); // a bad frame or an oversized message: 'close' follows with its code
  ws.on('close', () => {
    wsClosed = true;
    if (!tcp.destroyed) {
      tcp.end(); // after everything written so far
      tcp.resume();
      setTimeout(() => tcp.destroy(), LINGER_MS).unref();
    }
    maybeDone();
  });

  tcp.resume(); // a socket accepted with pauseOnConnect does not start by itself
}
