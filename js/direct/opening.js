// How a Direct Socket opens, one rule for TCPSocket, UDPSocket and TCPServerSocket: a call that
// did not start fails both promises at once; a failure to open destroys the Socket; a close()
// before it opened turns that failure into an AbortError and makes `closed` resolve.

import { SocketError } from '../watch.js';

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
    const failure = new SocketError(sock.lastError(), 'UnknownSocket');
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
