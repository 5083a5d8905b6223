// A raw Wisp client for the proxy suites: the packets of js/proxy/wisp-packet.js (the Rust
// codec; CONNECT and PAUSE, which only clients write, are framed here by hand) over a `ws`
// WebSocket to kvsocket-proxy's /wisp/, with every packet the server sends kept in order, parsed.
// Tests drive the protocol by hand with it, so that they can send what a well-behaved client
// library would not (a CLOSE mid-lookup, a reused id).

import { CLOSE, EXT, TYPE, StreamType, closePacket, dataPacket, infoPacket, parsePacket } from '../../js/proxy/wisp-packet.js';
import { mustOpen, waitUntil } from './helpers.js';

export { CLOSE, EXT, StreamType, TYPE };

/** CONNECT: stream type, port (LE), then the host name in UTF-8. */
export function connectPacket(stream, streamType, port, host) {
  const name = Buffer.from(host, 'utf8');
  const out = Buffer.alloc(5 + 3 + name.length);
  out[0] = TYPE.CONNECT;
  out.writeUInt32LE(stream, 1);
  out[5] = streamType;
  out.writeUInt16LE(port, 6);
  name.copy(out, 8);
  return out;
}

/** PAUSE (kvsocket's receive-pause extension, docs/wisp.md): 1 paused, 0 resumed. */
export function pausePacket(stream, paused) {
  const out = Buffer.alloc(6);
  out[0] = TYPE.PAUSE;
  out.writeUInt32LE(stream, 1);
  out[5] = paused ? 1 : 0;
  return out;
}

/**
 * Opens /wisp/ on proxy `p` as a v2 client that asks for the stream-open confirmation (a
 * CONTINUE once a stream is open), and completes the handshake. Returns the session:
 * `packets` (every packet from the server, parsed), `of(id)` (those of one stream),
 * `connect(id, host, port, type)`, `data(id, bytes)`, `close(id, reason)`, `opened(id)`
 * (waits for the confirmation or throws with the CLOSE reason), `closeOf(id)` (waits for a
 * CLOSE), `dataOf(id)` (the DATA payloads so far, joined), and the WebSocket `ws`.
 */
export async function wispSession(t, p) {
  const ws = await mustOpen(t, `${p.url}wisp/`, { protocols: ['wisp-v2'] });
  const packets = [];
  const take = () => {
    for (const m of ws.inbox.splice(0)) packets.push(parsePacket(m.data));
  };
  ws.on('message', take);
  take();
  await waitUntil(() => packets.some((x) => x.type === TYPE.INFO), "the server's INFO");
  ws.send(infoPacket([EXT.STREAM_CONFIRMATION]));
  await waitUntil(() => packets.some((x) => x.type === TYPE.CONTINUE && x.stream === 0), 'the CONTINUE on stream 0');
  const of = (id) => packets.filter((x) => x.stream === id);
  const session = {
    ws,
    packets,
    of,
    connect: (id, host, port, type = StreamType.TCP) => ws.send(connectPacket(id, type, port, host)),
    data: (id, bytes) => ws.send(dataPacket(id, Buffer.from(bytes))),
    close: (id, reason = CLOSE.VOLUNTARY) => ws.send(closePacket(id, reason)),
    pause: (id, paused) => ws.send(pausePacket(id, paused)),
    dataOf: (id) => Buffer.concat(of(id).filter((x) => x.type === TYPE.DATA).map((x) => x.payload)),
    async closeOf(id, ms = 5000) {
      await waitUntil(() => of(id).some((x) => x.type === TYPE.CLOSE), `a CLOSE for stream ${id}`, ms);
      return of(id).find((x) => x.type === TYPE.CLOSE).reason;
    },
    /** Waits for stream `id`'s confirmation; `after` skips the packets of an earlier use of the id. */
    async opened(id, after = 0) {
      const mine = () => of(id).slice(after).find((x) => x.type === TYPE.CONTINUE || x.type === TYPE.CLOSE);
      await waitUntil(mine, `stream ${id} to open`);
      const first = mine();
      if (first.type === TYPE.CLOSE) throw new Error(`stream ${id} closed with 0x${first.reason.toString(16)}`);
    },
  };
  return session;
}

/**
 * Sends `data` on stream `id` in DATA packets of `size` bytes (the last one shorter) as a client
 * that keeps to its credit and no more: the CONTINUE on stream 0 gives the stream's first credit,
 * each CONTINUE for the stream then sets it (the protocol's rule: what was left is gone), and a
 * packet goes only while it is above 0, at once (the most a compliant client can do). `from`:
 * the index in `w.packets` where this use of the id starts (an earlier one's CONTINUEs are not
 * its). Throws if the stream is closed. Resolves with the number of CONTINUEs it got.
 */
export async function sendWithinCredit(w, id, data, size, from = 0) {
  let credit = w.packets.find((x) => x.type === TYPE.CONTINUE && x.stream === 0).credit;
  let seen = from;
  let continues = 0;
  const look = () => {
    for (; seen < w.packets.length; seen++) {
      const x = w.packets[seen];
      if (x.stream !== id) continue;
      if (x.type === TYPE.CLOSE) throw new Error(`stream ${id} closed with 0x${x.reason.toString(16)} after ${continues} CONTINUEs`);
      if (x.type === TYPE.CONTINUE) {
        credit = x.credit;
        continues += 1;
      }
    }
  };
  const next = () => new Promise((resolve) => w.ws.once('message', () => setImmediate(resolve)));
  for (let at = 0; at < data.length;) {
    look();
    if (w.ws.readyState !== w.ws.OPEN) throw new Error('the WebSocket closed');
    if (credit === 0) await next();
    else if (w.ws.bufferedAmount > 32 << 20) await new Promise((resolve) => setTimeout(resolve, 1));
    else {
      w.data(id, data.subarray(at, at + size));
      at += size;
      credit -= 1;
    }
  }
  look();
  return continues;
}
