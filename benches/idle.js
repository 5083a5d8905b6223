// Many idle connections: what each one costs in memory (RSS and JS heap, after a full GC) and
// how long opening them takes, kvsocket against raw node:net. One side per process, so that
// one side's memory never counts for the other; benches/run.js starts them.
//
//   node benches/idle.js server                 a raw net server; prints its port, exits when
//                                               stdin closes
//   node --expose-gc benches/idle.js raw|kv PORT COUNT
//                                               opens COUNT connections to PORT, prints one JSON
//                                               line {side, count, openMs, openCpuMs, openUserMs,
//                                               rssPerConn, heapPerConn}
//
// Needs COUNT (+ a few) file descriptors in each process: `ulimit -n` at least that.
import net from 'node:net';

const [mode, portArg, countArg] = process.argv.slice(2);
const BATCH = 500; // connections opened at once

if (mode === 'server') {
  const conns = new Set();
  const server = net.createServer((c) => {
    conns.add(c);
    c.on('error', () => {});
    c.on('close', () => conns.delete(c));
  });
  server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => console.log(server.address().port));
  // Ends with its parent (or after 5 minutes at most).
  const stop = () => { for (const c of conns) c.destroy(); server.close(); process.exit(0); };
  process.stdin.on('end', stop).on('close', stop).resume();
  setTimeout(stop, 5 * 60_000).unref();
} else {
  const port = Number(portArg);
  const count = Number(countArg);
  if (typeof gc !== 'function') throw new Error('run with --expose-gc');
  const { Socket } = mode === 'kv' ? await import('kvsocket') : {};

  const openRaw = () => new Promise((resolve, reject) => {
    const c = net.connect(port, '127.0.0.1');
    c.once('connect', () => resolve(c)).once('error', reject);
  });
  const openKv = () => new Promise((resolve, reject) => {
    const s = new Socket();
    s.connectedEvent = () => resolve(s);
    s.connectFailedEvent = (reason) => reject(new Error(reason));
    s.connect('127.0.0.1', port);
  });
  const open = mode === 'kv' ? openKv : openRaw;
  // One connection first, so that loading and first-use costs are not counted per connection.
  const first = await open();

  const settle = async () => {
    for (let i = 0; i < 3; i++) { gc(); await new Promise((r) => setTimeout(r, 20)); }
    return process.memoryUsage();
  };
  const before = await settle();
  const conns = [];
  const t = performance.now();
  const cpu = process.cpuUsage();
  for (let i = 0; i < count; i += BATCH) {
    conns.push(...await Promise.all(Array.from({ length: Math.min(BATCH, count - i) }, open)));
  }
  const openMs = performance.now() - t;
  const used = process.cpuUsage(cpu);
  // This process's CPU time while opening (user + system): on a shared machine it moves far
  // less than the wall time.
  const openCpuMs = (used.user + used.system) / 1000;
  // User time alone: the system time of 10 000 loopback connects moves with contention for the
  // kernel's locks (the server accepts on the other core), the user time much less.
  const openUserMs = used.user / 1000;
  const after = await settle();
  console.log(JSON.stringify({
    side: mode,
    count,
    openMs,
    openCpuMs,
    openUserMs,
    rssPerConn: (after.rss - before.rss) / count,
    heapPerConn: (after.heapUsed - before.heapUsed) / count,
  }));
  for (const c of [first, ...conns]) c.destroy();
  process.exit(0);
}
