// How a Direct Socket opens, one rule for TCPSocket, UDPSocket and TCPServerSocket: a call that
// did not start fails both promises at once; a failure to open destroys the Socket; a close()
// before it opened turns that failure into an AbortError and makes `closed` resolve. And how
// TCPSocket and UDPSocket close (closeStreams).

import { refusal } from '../watch.js';
import { invalidState } from './streams.js';

/**
 * The `opened` and `closed` promises of a Direct Socket named `name` over `sock`. `ready` is the
 * promise of the connection or the bind (null when connect()/listen() returned false);
 * `open(value)` builds what `opened` resolves with; `whenOpen()` is what `closed` follows once
 * open; `closing()` tells whether close() was called. Neither promise is reported as unhandled
 * when the script ignores it.
 */
export function openingPromises(name, sock, ready, { open, whenOpen, closing }) {
  let opened;
  let closed;
  if (!ready) {
    const failure = refusal(sock);
    sock.destroy();
    opened = Promise.reject(failure);
    closed = Promise.reject(failure);
  } else {
    opened = ready.then(open, (failure) => {
      sock.destroy();
      throw closing() ? new DOMException(`${name}.close() was called before it opened`, 'AbortError') : failure;
    });
    closed = opened.then(whenOpen, (failure) => {
      if (!closing()) throw failure;
    });
  }
  opened.catch(() => {});
  closed.catch(() => {});
  return { opened, closed };
}

/**
 * close() of a TCPSocket or UDPSocket named `name`: an InvalidStateError while a stream is
 * locked (a reader or writer holds it), as the spec says; otherwise `markClosing()`, then an open
 * socket flushes what was written and closes, one still opening is abandoned. Returns `closed`
 * without its value.
 */
export function closeStreams(name, streams, sock, closed, markClosing) {
  if (streams && (streams.readable.locked || streams.writable.locked)) {
    return Promise.reject(invalidState(`${name}.close(): release the readable and writable streams first`));
  }
  markClosing();
  if (streams) sock.close();
  else sock.destroy(); // still connecting: abandon the attempt
  return closed.then(() => undefined);
}
