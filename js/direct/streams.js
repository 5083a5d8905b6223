// The Web Streams of a Direct Sockets TCPSocket or UDPSocket, over a kvsocket Socket. Neither
// stream keeps bytes of its own:
// - the readable has a high-water mark of 0, so `pull` runs only when a reader waits, and takes
//   what the engine holds at that moment (for UDP, one datagram); unread bytes stay in the
//   engine, which pauses the network at its receive high-water mark;
// - the writable hands each chunk to socket.write() and resolves the write once the engine no
//   longer owes a drain (needsDrain()), so a writer awaiting its writes waits at the socket's
//   high-water mark (sendBufferSize).

import { Watcher, overError, refusal, settled } from '../watch.js';

/** Bytes of a BufferSource (ArrayBuffer or a view); TypeError for anything else. */
export function bufferSourceBytes(chunk, what) {
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError(`${what}: expected an ArrayBuffer or an ArrayBufferView`);
}

/**
 * Makes the streams. `ready` (optional) is the promise of the connection: writes wait for it, so
 * the streams can be handed out before the socket is connected (connect(), js/connect.js). `read()` turns what is readable into one chunk (Uint8Array, or a
 * UDPMessage); `write(chunk)` queues one chunk and returns [queued, expected] byte counts (it
 * throws TypeError for a bad chunk). `endOutput()` is what closing the writable does. Returns
 * { readable, writable, closed } where `closed` settles when the connection is over: resolved
 * for a clean end or a close(), rejected with the SocketError of a failure.
 */
export function socketStreams(socket, { read, write, endOutput, ready = null }) {
  let readWake = null;
  let drainWake = null;
  const wakeRead = () => { const r = readWake; readWake = null; r?.(); };
  const wakeDrain = () => { const d = drainWake; drainWake = null; d?.(); };
  let writableController;
  const watcher = new Watcher(socket, {
    data: wakeRead,
    drain: wakeDrain,
    end: (failure) => {
      wakeRead();
      wakeDrain();
      writableController.error(failure ?? overError(socket, 'the connection is closed'));
    },
  });
  const sleep = (set) => new Promise((resolve) => set(resolve));
  // Writes wait only while the connection is being made: once it settled, a write reaches the
  // socket in the call, so a close() right after it still flushes it.
  let opening = ready;
  const opened = () => { opening = null; };
  ready?.then(opened, opened);

  let readableController;
  let retired = false;
  const readable = new ReadableStream({
    start(controller) {
      readableController = controller;
    },
    async pull(controller) {
      for (;;) {
        if (retired) return;
        if (socket.bytesAvailable() > 0) return controller.enqueue(read());
        if (watcher.ended) {
          if (watcher.failure) controller.error(watcher.failure);
          else controller.close();
          return;
        }
        await sleep((r) => { readWake = r; });
      }
    },
  }, { highWaterMark: 0 });

  const writable = new WritableStream({
    start(controller) {
      writableController = controller;
    },
    async write(chunk) {
      if (retired) throw retired;
      if (opening) await opening.catch(() => {}); // a failed connection ends the watcher: thrown below
      if (watcher.ended) throw watcher.failure ?? overError(socket, 'the connection is closed');
      let counts;
      try {
        counts = write(chunk);
        if (counts[0] < counts[1]) throw refusal(socket);
      } catch (err) {
        // A refused chunk errors the writable (Web Streams' rule); the connection cannot go on
        // with a hole in its output, so it is aborted and `closed` rejects with the same error.
        watcher.fail(err);
        socket.destroy();
        throw err;
      }
      while (socket.needsDrain() && !watcher.ended && !retired) await sleep((r) => { drainWake = r; });
      if (watcher.failure) throw watcher.failure;
    },
    close: () => endOutput(),
    abort: () => socket.destroy(),
  }, { highWaterMark: 1 });

  const closed = (async () => {
    await settled(socket);
    if (watcher.failure) throw watcher.failure;
  })();
  closed.catch(() => {}); // the failure is the user's to observe, not an unhandled rejection
  /** Hands the socket over to other streams (connect()'s startTls()): these ones error with
   * `reason` and stop following the socket, which goes on. */
  const retire = (reason) => {
    if (retired) return;
    retired = reason;
    watcher.stop();
    try { readableController.error(reason); } catch { /* already closed */ }
    writableController.error(reason);
    wakeRead();
    wakeDrain();
  };
  return { readable, writable, closed, retire };
}

/** An InvalidStateError DOMException (the spec's answer to close() on locked streams). */
export function invalidState(message) {
  return new DOMException(message, 'InvalidStateError');
}
