// Stream bytes a socket received and keeps on the JS side (docs/design.md, the receive path):
// the engine counts them (`receivedKept`) and says how many each read takes (`readKept`); the
// chunks themselves stay here, so that a read of exactly one chunk hands out the chunk the
// network gave, and no byte is copied into wasm and out again.

const EMPTY = new Uint8Array(0);

/** A plain Uint8Array over the same bytes (a Node Buffer is a subclass). */
const plain = (b) => (b.constructor === Uint8Array ? b : new Uint8Array(b.buffer, b.byteOffset, b.length));

/** The last (up to 3) bytes of `bytes`, packed as `Engine.receivedKept` takes them. */
export function tailOf(bytes) {
  const n = bytes.length;
  if (n >= 3) return 0x3000000 | (bytes[n - 3] << 16) | (bytes[n - 2] << 8) | bytes[n - 1];
  if (n === 2) return 0x2000000 | (bytes[0] << 8) | bytes[1];
  return 0x1000000 | bytes[0];
}

/** Received chunks in order; the first one taken up to `head`. */
export class Chunks {
  #list = [];
  #head = 0;

  push(bytes) {
    this.#list.push(bytes);
  }

  /**
   * The next `n` bytes (the engine's count: never more than were pushed): a plain Uint8Array
   * when `handedOut` (readBytes gives it to the script), else any view of them (a chunk as
   * the network gave it, e.g. a Buffer: no view made for a read that only decodes it).
   */
  take(n, handedOut = true) {
    if (n === 0) return EMPTY;
    const list = this.#list;
    const first = list[0];
    const left = first.length - this.#head;
    if (n < left) {
      // Within one chunk: a view, no copy (the rest of the chunk is not visible through it).
      const out = plain(first).subarray(this.#head, this.#head + n);
      this.#head += n;
      return out;
    }
    if (n === left) {
      list.shift();
      const out = this.#head !== 0 ? plain(first).subarray(this.#head) : handedOut ? plain(first) : first;
      this.#head = 0;
      return out;
    }
    const out = new Uint8Array(n);
    let at = 0;
    while (at < n) {
      const chunk = list[0];
      const take = Math.min(chunk.length - this.#head, n - at);
      out.set(chunk.subarray(this.#head, this.#head + take), at);
      at += take;
      this.#head += take;
      if (this.#head === chunk.length) {
        list.shift();
        this.#head = 0;
      }
    }
    return out;
  }
}

/**
 * Bytes the script wrote that wait on the JS side until the engine sends them (`SendKept`):
 * the engine numbers kept bytes from 0 over the socket's life, so that chunks it discarded
 * (the output of a connection that ended) are dropped here by their place, with no message.
 */
export class KeptOut {
  #list = [];
  #start = 0; // the number of the first byte of #list[0]

  push(bytes) {
    this.#list.push(bytes);
  }

  /** Replaces `bytes`, if it is still kept, with `copy(bytes)` (a lent view: js/socket.js). */
  replace(bytes, copy) {
    const list = this.#list;
    for (let i = list.length - 1; i >= 0; i--) {
      if (list[i] === bytes) {
        list[i] = copy(bytes);
        return;
      }
    }
  }

  /** The chunk of bytes `start..start + len` (the engine sends one write's chunk at a time). */
  take(start, len) {
    const list = this.#list;
    while (this.#start < start && list.length > 0) this.#start += list.shift().length;
    const out = list.shift();
    if (this.#start !== start || out?.length !== len) {
      throw new Error(`kvsocket: kept bytes ${start}+${len} are not the next chunk (a bug)`);
    }
    this.#start += len;
    return out;
  }
}
