// One Wisp connection: its WebSocket, its client (the sans-IO WispClient of
// src/transport/wisp/client.rs), the transports of its streams, and the pump that carries the
// client's packets and tells the sockets its events. Shared by every socket of a page (or a Node
// process) with the same Wisp URL.
//
// The data path stays in JS: a received DATA packet's header is read here (codec.js; every
// other packet goes whole to the client, whose Rust codec parses it), the client only says
// whether the stream takes it, and its payload goes to the socket as a view of the
// message; a socket's output waits here (Outgoing) and the client, which counts it against the
// server's credit and the WebSocket's room, says when and how much of it goes.

import { HEADER_LEN, RECORD, dataStream } from './codec.js';
import { dataPacket, sent } from './data.js';
import { Outgoing } from './outgoing.js';

/** How much the shared WebSocket may hold before DATA waits (in the client, still unsent for
 * its socket): with many streams on one WebSocket, each stream's credit alone would let it
 * buffer megabytes per stream. */
const ROOM = 1 << 20;

const names = new TextDecoder();

/** The open connections by Wisp URL. */
const sessions = new Map();

/** The session for `key`, if one is open. */
export const sessionOf = (key) => sessions.get(key);


/** The transport is done: no more inputs from it, and it leaves its link. */
function finish(t) {
  t.finished = true;
  t.link.drop(t.id, t);
}

export class Session {
  /**
   * Opens the connection for `key` (a Wisp URL) and registers it. `env`: `WispClient`, the
   * wasm `memory`, `openWebSocket(url, protocol)`, `send(ws, packet, room)` (`room`: the buffer
   * past which DATA waits), `whenRoom(ws, callback)`.
   */
  constructor(key, env) {
    this.key = key;
    this.env = env;
    this.client = new env.WispClient(key);
    this.url = this.client.webSocketUrl;
    /** stream id → the socket's transport (`link`, `id`, `stream`, `out`, …). */
    this.streams = new Map();
    this.up = false;
    this.pumping = false;
    this.scheduled = false;
    this.polling = false;
    sessions.set(key, this);
    this.ws = this.#open();
    if (this.ws === null) {
      // A URL the WebSocket constructor rejects: every stream fails (a turn later).
      this.client.notOpened();
      this.#forget();
    }
  }

  /** A stream to `host`:`port` for transport `t` (TCP, or UDP when `t.udp`). */
  openStream(t, host, port) {
    t.session = this;
    t.out = new Outgoing();
    t.stream = this.client.open(t.udp, host, port);
    this.streams.set(t.stream, t);
    // Never inside connect(): what the stream's opening says is told on a later turn.
    this.schedule();
  }

  /** The socket of `t` wrote `bytes`: its own copy, or the caller's view when `lent`
   * (js/socket.js), which is sent now as far as the credit and the room allow, and copied
   * for what must wait. */
  send(t, bytes, lent) {
    t.out.push(bytes, lent);
    this.client.send(t.stream, bytes.length);
    this.pump();
    if (lent) t.out.keep();
  }

  /** The socket of `t` paused (`paused`) or resumed its receive: a PAUSE packet for a server
   * that took the receive-pause extension (the client decides). */
  pauseReading(t, paused) {
    this.client.pause(t.stream, paused);
    this.pump();
  }

  /** close(): the stream ends after what is queued. */
  close(t) {
    this.client.close(t.stream);
    this.pump();
  }

  /** destroy(): the stream ends now. */
  abort(t) {
    this.streams.delete(t.stream);
    this.client.abort(t.stream);
    finish(t);
    this.pump();
  }

  // The WebSocket offers the subprotocol the client names (the v2 offer, or none once a server
  // turned it down).
  #open() {
    let ws;
    try {
      ws = this.url === '' ? null : this.env.openWebSocket(this.url, this.client.subprotocol || undefined);
    } catch {
      ws = null;
    }
    if (ws === null) return null;
    ws.onopen = () => {
      this.up = true;
      this.pump();
    };
    ws.onmessage = (e) => this.#message(e.data);
    ws.onclose = (e) => this.#lost(e.code, e.reason);
    // Node's `ws` throws an unhandled 'error' without a listener; the close that follows says
    // what there is to say.
    ws.onerror = () => {};
    return ws;
  }

  #forget() {
    if (sessions.get(this.key) === this) sessions.delete(this.key);
  }

  // One binary message (an ArrayBuffer in browsers, a Buffer from Node's `ws`; Wisp is binary
  // only: a text frame is ignored, as the reference implementations do).
  #message(data) {
    const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : ArrayBuffer.isView(data) ? data : null;
    if (bytes === null) return;
    const stream = dataStream(bytes);
    if (stream < 0) {
      this.client.receive(bytes);
      // A CONTINUE gives credit to DATA that may then wait for room, not go: the room the
      // client holds is the WebSocket's as of the last pump, and 0 if the buffer was full then
      // (which the client, short of credit, did not wait on). Only a pump looks at the buffer
      // again and, still full, waits for room: without it that DATA waited for nothing.
      if (this.client.hasOutput() || this.client.wantsRoom()) this.pump();
      return;
    }
    if (!this.client.routeData(stream)) return;
    const t = this.streams.get(stream);
    if (t === undefined) return;
    // A plain Uint8Array over the message's memory: what readBytes() hands out as it is (a
    // Buffer's subarray would be a Buffer, viewed again as a plain array there: js/kept.js).
    const payload = new Uint8Array(bytes.buffer, bytes.byteOffset + HEADER_LEN, bytes.length - HEADER_LEN);
    if (t.udp) t.link.receivedFrom(t.id, payload, t.remoteIp, t.remotePort);
    else t.link.received(t.id, payload);
  }

  // The WebSocket closed: every stream fails (nothing is left waiting), unless the client asks
  // for a second WebSocket without the v2 offer (a server that would not take it: the client's
  // rule, src/wisp/client.rs `retry_without_v2`). One that cannot be made fails them too.
  #lost(code, reason) {
    if (this.client.lost(this.up, code, reason ?? '', sessions.get(this.key) === this)) {
      const ws = this.#open();
      if (ws !== null) {
        this.ws = ws;
        return;
      }
      this.client.lost(false, code, reason ?? '', false);
    }
    this.#forget();
    this.up = false;
    this.pump();
  }

  /** Runs the pump on a later turn (once, however often asked before it runs). */
  schedule() {
    if (this.scheduled) return;
    this.scheduled = true;
    setTimeout(() => {
      this.scheduled = false;
      this.pump();
    }, 0);
  }

  /**
   * Sends the client's packets and tells the sockets its events, until it has nothing more.
   * A call while packets are being sent leaves the work to the outer loop, so packets go out in
   * the client's order; while events are being told (a socket told of room may write, its
   * write comes here) a call runs: the packets read before were all sent, and a write sent in
   * its own call needs no copy.
   */
  pump() {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (;;) {
        this.#drain();
        if (this.ws === null || !this.up) break;
        // Room for DATA: what the WebSocket's buffer can still take.
        this.client.setRoom(ROOM - this.ws.bufferedAmount);
        if (!this.client.hasOutput()) break;
      }
    } finally {
      this.pumping = false;
    }
    if (this.client.wantsRoom()) this.#waitForRoom();
    if (this.client.idle()) this.#closeWhenIdle();
  }

  // Pumps again once the WebSocket's buffer has room (once, however often asked).
  #waitForRoom() {
    if (this.polling || this.ws === null) return;
    this.polling = true;
    this.env.whenRoom(this.ws, () => {
      this.polling = false;
      this.pump();
    });
  }

  // Sends the client's packets, then tells its events, until it has none. The records are
  // read before anything is told: a socket told something may call into the client again.
  #drain() {
    const { client, env } = this;
    // The kinds of WispClient.poll's records (src/transport/wisp/client.rs `record`).
    const { DATA, PACKET, OPENED, SENT, CLOSED, FAILED } = RECORD;
    while (client.hasOutput()) {
      const n = client.poll();
      const buffer = env.memory.buffer;
      const words = new Uint32Array(buffer, client.records, n);
      const bytes = new Uint8Array(buffer, client.bytes);
      const ws = this.up ? this.ws : null;
      const events = [];
      for (let i = 0; i < n;) {
        switch (words[i]) {
          case DATA: {
            const t = this.streams.get(words[i + 1]);
            const payload = t.out.take(words[i + 2]);
            // A closing WebSocket drops what is sent; its close event fails the streams.
            if (ws !== null) {
              const packet = dataPacket(t.stream, payload);
              env.send(ws, packet, ROOM);
              sent(packet);
            }
            i += 3;
            break;
          }
          case PACKET:
            if (ws !== null) env.send(ws, bytes.slice(words[i + 1], words[i + 1] + words[i + 2]), ROOM);
            i += 3;
            break;
          case OPENED: events.push(OPENED, words[i + 1], 0); i += 2; break;
          case SENT: events.push(SENT, words[i + 1], words[i + 2]); i += 3; break;
          case CLOSED:
            events.push(CLOSED, words[i + 1], names.decode(bytes.subarray(words[i + 2], words[i + 2] + words[i + 3])));
            i += 4;
            break;
          case FAILED: events.push(FAILED, 0, 0); i += 1; break;
          default: throw new Error(`kvsocket: unknown Wisp record ${words[i]} (a bug)`);
        }
      }
      this.pumping = false;
      try {
        for (let i = 0; i < events.length; i += 3) this.#tell(events[i], events[i + 1], events[i + 2]);
      } finally {
        this.pumping = true;
      }
    }
  }

  #tell(kind, stream, arg) {
    if (kind === RECORD.FAILED) {
      this.#forget();
      this.ws?.close();
      return;
    }
    const t = this.streams.get(stream);
    if (t === undefined) return;
    if (kind === RECORD.SENT) return t.link.sent(t.id, arg);
    if (kind === RECORD.OPENED) {
      t.up = true;
      // A Wisp server does not tell the local address of its connection.
      return t.link.connected(t.id, '0.0.0.0', 0, t.remoteIp, t.remotePort);
    }
    // CLOSED: '' for a clean end, else the error code's name.
    this.streams.delete(stream);
    finish(t);
    if (arg === '') {
      t.link.peerClosed(t.id);
      t.link.closed(t.id);
    } else {
      t.link.failed(t.id, arg);
    }
  }

  // With no stream left (the client's rule, src/wisp/client.rs `idle`), the WebSocket is closed
  // on the next turn unless a socket opened a new stream meanwhile.
  #closeWhenIdle() {
    setTimeout(() => {
      if (this.client.idle() && !this.scheduled) {
        this.#forget();
        this.ws?.close(1000);
      }
    }, 0);
  }
}
