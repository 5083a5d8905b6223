// The source and the sink of benches/proxy.js, in a process of their own so that the bench's CPU
// time is its client's alone. argv: total bytes, chunk size. Tells the parent (IPC) its ports,
// then `{sunk: n}` each time a sink connection has every byte. Exits with its parent.
import net from 'node:net';
import { writeAll } from './stream.js';

const TOTAL = Number(process.argv[2]);
const chunk = Buffer.alloc(Number(process.argv[3]), 0x61);

function server(onConnection) {
  return new Promise((resolve) => {
    const s = net.createServer((c) => { c.on('error', () => {}); onConnection(c); });
    s.listen(0, '127.0.0.1', () => resolve(s.address().port));
  });
}

const sourcePort = await server((c) => writeAll(c, TOTAL, chunk));
const sinkPort = await server((c) => {
  let got = 0;
  c.on('data', (d) => {
    got += d.length;
    if (got >= TOTAL) process.send({ sunk: got });
  });
});
process.send({ ports: { sourcePort, sinkPort } });
process.on('disconnect', () => process.exit(0));
