// The floor of benches/wisp.js: the same download and upload over the same `ws` WebSocket with
// no Wisp client at all — one prebuilt DATA packet sent again and again within the server's
// credit, received bytes only counted. What it costs per MiB is what any Wisp client on Node's
// `ws` pays (framing and masking, Node's streams, the kernel), so the most a client can gain over
// another is bounded by how far that client is above this floor. Wisp v1 (no subprotocol
// offered): the server's CONTINUE on stream 0 comes first, then one stream.
import WebSocket from 'ws';

const CONNECT = 1;
const DATA = 2;
const CONTINUE = 3;
const MiB = 1024 * 1024;

function connectPacket(stream, port) {
  const host = Buffer.from('127.0.0.1');
  const out = Buffer.alloc(5 + 3 + host.length);
  out[0] = CONNECT;
  out.writeUInt32LE(stream, 1);
  out[5] = 0x01; // TCP
  out.writeUInt16LE(port, 6);
  host.copy(out, 8);
  return out;
}

// A WebSocket open as the Wisp host opens its own (js/node/wisp.js), and one stream on it:
// resolves with { ws, stream, credit() } once the server's first CONTINUE came.
function open(url, port, onData) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.binaryType = 'nodebuffer';
    const stream = 1;
    const state = { ws, credit: 0, onCredit: null };
    ws.on('error', reject);
    ws.on('message', (m) => {
      if (m[0] === DATA) return onData(m);
      if (m[0] !== CONTINUE) return;
      const id = m.readUInt32LE(1);
      state.credit = m.readUInt32LE(5);
      if (id === 0) {
        ws.send(connectPacket(stream, port));
        resolve(state);
      } else {
        state.onCredit?.();
      }
    });
  });
}

/** Downloads `total` bytes from the source at `port`. */
export async function floorDownload(url, port, total) {
  let got = 0;
  let done;
  const finished = new Promise((resolve) => { done = resolve; });
  const { ws } = await open(url, port, (m) => {
    got += m.length - 5;
    if (got >= total) done();
  });
  await finished;
  ws.close();
}

/** Uploads `total` bytes to the sink at `port` (64 KiB packets, the WebSocket's buffer kept
 * under a MiB as the Wisp sessions keep it: src/transport/wisp/out.rs ROOM) and waits for the sink's answer. */
export async function floorUpload(url, port, total) {
  let answered;
  const finished = new Promise((resolve) => { answered = resolve; });
  const state = await open(url, port, () => answered());
  const { ws } = state;
  const packet = Buffer.alloc(5 + 64 * 1024, 0x62);
  packet[0] = DATA;
  packet.writeUInt32LE(1, 1);
  let left = total;
  const pump = () => {
    while (left > 0) {
      if (state.credit === 0) return; // the next CONTINUE pumps
      state.credit--;
      left -= packet.length - 5;
      // Over a MiB buffered: this packet pumps again once it has left.
      if (ws.bufferedAmount > MiB) return ws.send(packet, pump);
      ws.send(packet);
    }
  };
  state.onCredit = pump;
  pump();
  await finished;
  ws.close();
}
