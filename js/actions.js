// The actions of every socket of a Socket class, performed in the order their engines made
// them: the outermost call performs, and a host that feeds an input while performing
// (synchronously) queues the actions that follow behind the ones still waiting, as one engine
// queue would. A `sendHeld` becomes the host's `send` of its chunk; a write's view lent to a
// host that borrows (js/socket.js) goes as itself only when it is performed within the write's
// own call, else as a copy.

export class Actions {
  // socket, action, socket, action, …: filled up to #count (setting an array's length is a call
  // into V8's runtime).
  #list = [];
  #count = 0;
  #perform;
  #copyBytes;
  /** Whether actions (or a write let through: js/socket.js #sendNow) are being performed. */
  performing = false;
  /** The caller's view that the write running now lends to a host that borrows, or null. */
  lent = null;

  /** `perform(socket, action)` performs one; `copyBytes(bytes)` copies a written view. */
  constructor(perform, copyBytes) {
    this.#perform = perform;
    this.#copyBytes = copyBytes;
  }

  /** Whether nothing waits and nothing is being performed. */
  get idle() {
    return this.#count === 0 && !this.performing;
  }

  /** Queues one of `socket`'s actions (as the batch reader gave it). */
  add(socket, a) {
    this.#list[this.#count++] = socket;
    this.#list[this.#count++] = a.type === 'sendHeld' ? this.#sendOf(a) : a;
  }

  // The send of a `sendHeld`: its chunk, lent when it is the running write's view and is
  // performed within this call (no other action is being performed), else a copy.
  #sendOf(a) {
    const data = a.data;
    if (data !== this.lent) return { type: 'send', id: a.id, data };
    if (this.performing) return { type: 'send', id: a.id, data: this.#copyBytes(data) };
    return { type: 'send', id: a.id, data, lent: true };
  }

  /** Performs what waits, unless a call further out is performing already. */
  run() {
    if (this.performing || this.#count === 0) return;
    this.performing = true;
    const list = this.#list;
    let i = 0;
    try {
      for (; i < this.#count; i += 2) {
        const socket = list[i];
        const action = list[i + 1];
        list[i] = list[i + 1] = undefined;
        this.#perform(socket, action);
      }
      this.#count = 0;
    } catch (err) {
      // A host that threw leaves the rest for the next call, as the engine queue did.
      const done = i + 2;
      for (let k = done; k < this.#count; k++) list[k - done] = list[k];
      this.#count -= done;
      throw err;
    } finally {
      this.performing = false;
    }
  }

  /** The call that lent `bytes` ends: sends of it still waiting here (a host threw) get a copy. */
  unlend(bytes) {
    this.lent = null;
    const list = this.#list;
    for (let i = 1; i < this.#count; i += 2) {
      const a = list[i];
      if (a.data === bytes) list[i] = { ...a, data: this.#copyBytes(bytes), lent: false };
    }
  }
}
