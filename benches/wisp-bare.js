// A bare Wisp v1 server for benches/wisp.js (BENCH_WISP_SERVER=bare): it dials no target, it is
// the source and the sink itself (a stream to port 1 gets TOTAL bytes in 64 KiB DATA packets, a
// stream to port 2 counts what it gets and answers one byte once TOTAL came), with a credit no
// client exhausts. It costs a fraction of a real server's CPU per MiB, so through it the clients
// themselves are what limits the throughput: the row that compares the clients alone (not what
// issue 13 asks for, which is through a real server; that row is the default).
import { WebSocketServer } from 'ws';

const DATA = 2;
const CONTINUE = 3;
const CREDIT = 1 << 30;

const packet = (type, stream, payload) => {
  const out = Buffer.allocUnsafe(5 + payload.length);
  out[0] = type;
  out.writeUInt32LE(stream, 1);
  payload.copy(out, 5);
  return out;
};

/** Starts the server on loopback; resolves with its ws:// URL. */
export function startBareWisp(total) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  const credit = Buffer.alloc(4);
  credit.writeUInt32LE(CREDIT);
  wss.on('connection', (ws) => {
    ws.on('error', () => {});
    ws.send(packet(CONTINUE, 0, credit));
    const sinks = new Map(); // stream → bytes got
    ws.on('message', (m) => {
      const type = m[0];
      const stream = m.readUInt32LE(1);
      if (type === 1 && m.readUInt16LE(6) === 1) {
        const data = packet(DATA, stream, Buffer.alloc(64 * 1024, 0x61));
        let left = total;
        const more = () => {
          while (left > 0 && ws.readyState === ws.OPEN) {
            left -= 64 * 1024;
            ws.send(data);
            if (ws.bufferedAmount > 4 << 20) return setImmediate(more);
          }
        };
        more();
      } else if (type === 1) {
        sinks.set(stream, 0);
      } else if (type === DATA && sinks.has(stream)) {
        const before = sinks.get(stream);
        const got = before + m.length - 5;
        sinks.set(stream, got);
        if (got >= total && before < total) ws.send(packet(DATA, stream, Buffer.from('!')));
      }
    });
  });
  return new Promise((resolve) => wss.on('listening', () => resolve(`ws://127.0.0.1:${wss.address().port}/`)));
}
