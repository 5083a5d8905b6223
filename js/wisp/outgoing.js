// A Wisp stream's output, kept in JS memory until its DATA packets go: the client (src/wisp/)
// counts the bytes and says how many each packet takes, always from the front and never more
// than the chunk there (it cuts writes into packets, it does not join them), so a packet's
// payload is a view of what the socket handed over, not a copy.

export class Outgoing {
  #list = [];

  /** One write's bytes (a UDP datagram: one packet). */
  push(bytes) {
    this.#list.push(bytes);
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
      return first;
    }
    list[0] = first.subarray(n);
    return first.subarray(0, n);
  }
}
