// The targets of benches/load.js, in a process of their own (so that the load process's CPU is
// its clients'): a source that writes SIZE bytes to each connection and ends, and a holder that
// accepts and keeps connections open, doing nothing. Sends {ports} to its parent.
import net from 'node:net';

const size = Number(process.argv[2]);
const chunk = Buffer.alloc(1 << 20, 0x61);
const sockets = new Set();
const keep = (sock) => {
  sockets.add(sock);
  sock.on('error', () => {});
  sock.on('close', () => sockets.delete(sock));
};
const source = net.createServer((sock) => {
  keep(sock);
  let left = size;
  const pump = () => {
    while (left > 0) {
      const n = Math.min(left, chunk.length);
      left -= n;
      if (!sock.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return sock.once('drain', pump);
    }
    sock.end();
  };
  pump();
});
const holder = net.createServer(keep);
await Promise.all([source, holder].map((s) => new Promise((resolve) => s.listen(0, '127.0.0.1', resolve))));
process.send({ ports: { source: source.address().port, holder: holder.address().port } });
process.on('disconnect', () => process.exit(0));
