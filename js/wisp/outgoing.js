// A Wisp stream's output, kept in JS memory until its DATA packets go: the client (src/wisp/)
// counts the bytes and says how many each packet takes, always from the front and never more
// than the chunk there (it cuts writes into packets, it does not join them), so a packet's
// payload is a view of what the socket handed over, not a copy.

import { keepCopies } from './data.js';

export class Outgoing {
  #list = [];
  /** Whether the last chunk is (what is left of) a view the socket lent for one call. */
  #lent = false;

  /** One write's bytes (a UDP datagram: one packet); `lent`: the caller's own view, valid
   * until `keep()` (js/socket.js). */
  push(bytes, lent = false) {
    this.#list.push(bytes);
    this.#lent = lent;
  }

  /** The lent view's bytes still here become copies of our own (data.js), at the end of the
   * call that lent them. */
  keep() {
    if (!this.#lent) return;
    this.#lent = false;
    const list = this.#list;
    const rest = list.pop();
    if (rest !== undefined) keepCopies(rest, list);
  }

  /** The next `n` bytes: the front chunk, or its first `n` bytes. */
  take(n) {
    const list = this.#list;
    const first = list[0];
    if (first === undefined || first.length < n) {
      throw new Error(`kvsocket: a Wisp DATA packet of ${n} bytes is not in the stream's output (a bug)`);
    }
    if (first.length === n) {
      list.shift();
      if (list.length === 0) this.#lent = false;
      return first;
    }
    list[0] = first.subarray(n);
    return first.subarray(0, n);
  }
}
