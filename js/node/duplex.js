// A Socket as a node:stream Duplex, so kvsocket plugs into Node code that takes a stream
// (pipeline, node:http's createConnection, TLS, protocol clients). Backpressure both ways is the
// engine's:
// - write side: a chunk is handed to socket.write() at once; its callback waits for the drain
//   event while needsDrain() says the write went over the socket's high-water mark
//   (setHighWaterMark), so a writer that honours write()'s false stops there;
// - read side: bytes stay in the engine's receive buffer until the Duplex asks (_read); each ask
//   takes at most readableHighWaterMark bytes, and while the stream's buffer is full nothing is
//   taken, so the engine pauses the network at its receive high-water mark. No other buffer.
//
//   const duplex = toDuplex(sock);              // or sock.toDuplex()
//   await pipeline(fs.createReadStream(f), duplex, process.stdout);

import { Duplex } from 'node:stream';
import { SocketError, Watcher, isConnecting, isLive, settled } from '../watch.js';
import { describe } from '../bytes.js';

// The Socket class installDuplex was given: toDuplex takes its instances only.
let SocketClass = null;

/** A stream.Duplex over `socket` (TCP). Destroying the Duplex destroys the socket; ending its
 * writable side ends the socket's output (see `final` below). `options` go to the Duplex
 * (readableHighWaterMark, writableHighWaterMark, ...). */
export function toDuplex(socket, options = {}) {
  if (!(SocketClass && socket instanceof SocketClass)) {
    throw new TypeError(`toDuplex: expected a Socket, got ${describe(socket)}`);
  }
  let wanted = false; // the Duplex asked for data and has not been given any since
  let drained = null; // the write callback waiting for a drain

  const watcher = new Watcher(socket, {
    open: () => duplex.emit('connect'),
    data: () => { if (wanted) pull(); },
    drain: () => { const cb = drained; drained = null; cb?.(); },
    end: (failure) => {
      const cb = drained; drained = null;
      cb?.(failure ?? new SocketError('the connection ended before the write drained', 'RemoteHostClosed'));
      if (failure) return duplex.destroy(failure);
      pull();
    },
  });

  // Hands the Duplex what the engine holds, as long as it wants more; ends it after the last bytes.
  function pull() {
    while (wanted) {
      if (socket.bytesAvailable() > 0) {
        wanted = duplex.push(socket.readBytes(duplex.readableHighWaterMark));
      } else {
        if (watcher.ended) {
          wanted = false;
          duplex.push(null);
        }
        return;
      }
    }
  }

  const duplex = new Duplex({
    ...options,
    read() {
      wanted = true;
      pull();
    },
    write(chunk, _encoding, callback) {
      if (watcher.ended || !isLive(socket)) {
        return callback(watcher.failure ?? new SocketError(`write: the socket is ${socket.status(true)}`, 'UnknownSocket'));
      }
      const n = socket.write(chunk);
      if (n < chunk.length) return callback(new SocketError(socket.lastError(), 'UnknownSocket'));
      if (socket.needsDrain()) drained = callback;
      else callback();
    },
    // The end of our output is a half-close (socket.end()): our FIN follows what was written,
    // and the readable side goes on until the peer ends too, as net.Socket with allowHalfOpen.
    // The engine keeps sending what it holds; the Duplex auto-destroys only after the readable
    // side ended, which is after the connection did. A socket that cannot half-close (not
    // connected any more) flushes and closes instead, and 'finish' waits for that.
    final(callback) {
      if (socket.end()) return callback();
      socket.close();
      settled(socket).then(() => callback());
    },
    destroy(err, callback) {
      watcher.stop();
      socket.destroy();
      callback(err);
    },
  });
  duplex.setNoDelay = (on = true) => { socket.setNoDelay(on); return duplex; };
  duplex.setKeepAlive = (on = false, delay = 0) => { socket.setKeepAlive(on, delay); return duplex; };
  // net.Socket's setTimeout: 'timeout' after `ms` without a byte either way (the engine's idle
  // timeout); the connection stays open.
  duplex.setTimeout = (ms, listener) => {
    socket.setIdleTimeout(ms);
    if (listener) duplex.once('timeout', listener);
    return duplex;
  };
  socket.addEventListener('idle', () => duplex.emit('timeout'));

  // What net.Socket users (node:http among them) look for.
  Object.defineProperties(duplex, {
    socket: { value: socket },
    connecting: { get: () => isConnecting(socket.status()) },
    remoteAddress: { get: () => socket.remoteIp() || undefined },
    remotePort: { get: () => socket.remotePort() || undefined },
    localAddress: { get: () => socket.localIp() || undefined },
    localPort: { get: () => socket.localPort() || undefined },
  });
  return duplex;
}

/** Adds `socket.toDuplex(options)` to the Node entry's Socket class. */
export function installDuplex(Socket) {
  SocketClass = Socket;
  Object.defineProperty(Socket.prototype, 'toDuplex', {
    value: function toDuplexMethod(options) { return toDuplex(this, options); },
    writable: true,
    configurable: true,
  });
}
