// A WebSocketStream (Chromium has it) behind the WebSocket members the browser transport uses
// (src/transport/browser/socket.rs: `send`, `bufferedAmount`, `close`, `url`, the four `on…`
// handlers), plus `pauseReading(paused)`: a paused tunnel stops reading the stream, so the
// browser stops reading its TCP connection and TCP pushes back on the proxy, whichever it is
// (websockify too). A WebSocket has no such pause: it takes every message as fast as the network
// brings it. The transport's handlers are shared by every WebSocket and find theirs by the
// event's `target`, which each event here carries as a WebSocket's does.
//
// A wasm-bindgen snippet of the engine module (imported by src/transport/browser/socket.rs): it
// imports nothing.

export const hasWebSocketStream = () => typeof WebSocketStream === 'function';

export class StreamSocket {
  constructor(url, protocol) {
    this.onopen = this.onmessage = this.onerror = this.onclose = null;
    this.bufferedAmount = 0; // bytes written whose write has not completed
    this.paused = false;
    this.wake = null; // resumes a read loop waiting for the resume
    this.writer = null;
    this.last = Promise.resolve(); // the last write: a close goes after it, as a WebSocket's does
    this.reading = Promise.resolve(); // the read loop, which ends after the last message
    this.ended = false; // the readable ended cleanly: the peer's close frame arrived
    this.stream = new WebSocketStream(url, { protocols: [protocol] }); // throws for a bad URL, as WebSocket
    this.url = url; // as a WebSocket's: where the proxy was looked for, told when it never opens
    this.stream.opened.then((o) => this.#opened(o), () => {});
    // The close is told after every message before it was (a paused loop: after the resume), as
    // a WebSocket's close event follows its messages.
    this.stream.closed.then(
      (c) => this.reading.then(() => this.onclose?.({ code: c.closeCode ?? 1005, reason: c.reason ?? '', target: this })),
      (err) => this.reading.then(() => {
        // The close frame came, and every message before it was read, but the closing
        // handshake failed after it (websockify shuts its socket down right after its close
        // frame, and the stream's later reply meets a reset): a WebSocket reports the close,
        // as here, with the frame's code and reason, which Chromium's WebSocketError carries
        // (websockify's refused target: 1011 'Failed to connect to downstream server').
        if (this.ended) return this.onclose?.({ code: err?.closeCode ?? 1005, reason: err?.reason ?? '', target: this });
        // No close frame (the connection dropped, or never opened): a WebSocket's error, then close 1006.
        this.onerror?.({ target: this });
        this.onclose?.({ code: 1006, reason: '', target: this });
      }),
    );
  }

  #opened({ readable, writable }) {
    this.writer = writable.getWriter();
    this.reading = this.#read(readable.getReader());
    this.onopen?.({ target: this });
  }

  async #read(reader) {
    for (;;) {
      if (this.paused) await new Promise((resolve) => (this.wake = resolve));
      let r;
      try {
        r = await reader.read();
      } catch {
        return; // `closed` tells
      }
      if (r.done) {
        this.ended = true;
        return;
      }
      const v = r.value;
      // Binary messages come as a Uint8Array (an ArrayBuffer in older builds): the handlers take
      // an ArrayBuffer, as a WebSocket's with binaryType arraybuffer.
      const data = typeof v === 'string' || v instanceof ArrayBuffer ? v
        : v.byteOffset === 0 && v.byteLength === v.buffer.byteLength ? v.buffer : v.slice().buffer;
      this.onmessage?.({ data, target: this });
    }
  }

  pauseReading(paused) {
    this.paused = paused;
    if (!paused && this.wake !== null) {
      const wake = this.wake;
      this.wake = null;
      wake();
    }
  }

  /** Bytes (copied now: a write may wait in the stream's queue, and the caller may lend a view
   * valid for this call only) or a text message. */
  send(data) {
    const copy = typeof data === 'string' ? data : data.slice();
    const n = data.length;
    this.bufferedAmount += n;
    this.last = this.writer.write(copy).then(() => {
      this.bufferedAmount -= n;
    }, () => {});
  }

  close(code) {
    // A read loop waiting for the resume would keep the closing handshake from being read.
    this.pauseReading(false);
    const options = code === undefined ? undefined : { closeCode: code };
    this.last.then(() => {
      try {
        this.stream.close(options);
      } catch { /* closed already */ }
    });
  }
}
