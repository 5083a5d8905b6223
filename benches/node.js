// kvsocket on Node against raw node:net, side by side in one run, on loopback: bulk send and
// receive, small-message ping-pong, and many connections echoing at once under a 256 KiB
// high-water mark. Prints a table, then (with --json) one JSON line of rows for benches/run.js.
// Ratios: kvsocket / raw throughput (higher is better) or kvsocket / raw time (lower is better).
// Stops by itself.
import net from 'node:net';
import { Socket } from 'kvsocket';
import { writeAll, writeAllKv } from './stream.js';

const MiB = 1024 * 1024;
const KiB = 1024;
const TOTAL = Number(process.env.BENCH_MIB ?? 64) * MiB;
const CHUNK = 64 * KiB;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PINGS = Number(process.env.BENCH_PINGS ?? 2000);
// The echo's untimed warm-up: kvsocket's facade and wasm take some 5 000-20 000 round trips to
// reach V8's optimising tiers on Node 20 (a warm-up of 2 000 left the timed runs measuring
// that: wall ratio 1.30-1.45 and a CPU ratio of 1.5-2.0 from the compiler threads, against
// 1.12-1.17 from 5 000 on; docs/performance.md).
const WARM_PINGS = Number(process.env.BENCH_WARM_PINGS ?? 20000);
const SOAK_CONNS = Number(process.env.BENCH_SOAK_CONNS ?? 1000);
const SOAK_BYTES = Number(process.env.BENCH_SOAK_MIB ?? 1) * MiB;
const SOAK_MARK = 256 * KiB;
// BENCH_ONLY=echo,soak runs those rows only (while profiling one of them).
const ONLY = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : null;
const chunk = Buffer.alloc(CHUNK, 0x61);

function server(onConnection, options = {}) {
  return new Promise((resolve) => {
    const s = net.createServer(options, onConnection).listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => resolve(s));
  });
}
const sink = () => server((c) => c.on('data', () => {}).on('end', () => c.end()));
const source = () => server((c) => writeAll(c, TOTAL, chunk));
const echo = () => server((c) => c.on('data', (d) => c.write(d)).on('end', () => c.end()));
// Echoes with net's own backpressure (pipe), under the soak's high-water mark.
const soakEcho = () => server((c) => c.pipe(c), { highWaterMark: SOAK_MARK, noDelay: true });

// Upload TOTAL bytes, respecting each API's backpressure signal.
function rawUpload(port) {
  return new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1', () => writeAll(c, TOTAL, chunk));
    c.on('close', resolve);
  });
}
function kvUpload(port) {
  return new Promise((resolve) => {
    const s = new Socket();
    writeAllKv(s, TOTAL, chunk, MiB, () => s.close());
    s.disconnectEvent = () => { s.destroy(); resolve(); };
    s.connect('127.0.0.1', port);
  });
}
function rawDownload(port) {
  return new Promise((resolve) => {
    let got = 0;
    const c = net.connect(port, '127.0.0.1');
    c.on('data', (d) => { got += d.length; });
    c.on('close', () => resolve(got));
  });
}
function kvDownload(port) {
  return new Promise((resolve) => {
    let got = 0;
    const s = new Socket();
    s.dataAvailableEvent = () => { got += s.readBytes().length; };
    s.disconnectEvent = () => { got += s.readBytes().length; s.destroy(); resolve(got); };
    s.connect('127.0.0.1', port);
  });
}
function rawPing(port, pings = PINGS) {
  return new Promise((resolve) => {
    let n = 0;
    const c = net.connect(port, '127.0.0.1', () => c.write('ping'));
    c.setNoDelay(true);
    c.on('data', () => { if (++n < pings) c.write('ping'); else c.end(); });
    c.on('close', resolve);
  });
}
function kvPing(port, pings = PINGS) {
  return new Promise((resolve) => {
    let n = 0;
    const s = new Socket();
    s.connectedEvent = () => s.write('ping');
    s.dataAvailableEvent = () => { s.read(); if (++n < pings) s.write('ping'); else s.close(); };
    s.disconnectEvent = () => { s.destroy(); resolve(); };
    s.connect('127.0.0.1', port);
  });
}

// The soak: SOAK_CONNS connections at once, each writes SOAK_BYTES in 64 KiB writes while
// its buffered output stays under SOAK_MARK, reads the echo back, then closes.
function rawSoakOne(port) {
  return new Promise((resolve, reject) => {
    const c = net.connect({ port, host: '127.0.0.1', highWaterMark: SOAK_MARK, noDelay: true });
    let got = 0;
    c.on('connect', () => writeSome(c));
    let left = SOAK_BYTES;
    function writeSome() {
      while (left > 0) {
        left -= CHUNK;
        if (!c.write(chunk)) return c.once('drain', writeSome);
      }
    }
    // Done once our FIN is handed over after the last echoed byte, as kvsocket's close() ends
    // (disconnect after the flush): neither side waits for the server's FIN, so the row times
    // the same work on both.
    const done = () => { c.destroy(); got === SOAK_BYTES ? resolve() : reject(new Error(`raw soak got ${got}`)); };
    c.on('data', (d) => { got += d.length; if (got >= SOAK_BYTES) c.end(done); });
    c.on('error', reject);
  });
}
function kvSoakOne(port) {
  return new Promise((resolve, reject) => {
    const s = new Socket();
    s.setHighWaterMark(SOAK_MARK);
    let got = 0;
    writeAllKv(s, SOAK_BYTES, chunk, SOAK_MARK);
    s.dataAvailableEvent = () => { got += s.readBytes().length; if (got >= SOAK_BYTES) s.close(); };
    s.errorEvent = (code) => reject(new Error(`kvsocket soak: ${code}`));
    s.disconnectEvent = () => { s.destroy(); got === SOAK_BYTES ? resolve() : reject(new Error(`kvsocket soak got ${got}`)); };
    s.connect('127.0.0.1', port);
  });
}
const soak = (one) => (port) => Promise.all(Array.from({ length: SOAK_CONNS }, () => one(port)));

// The best wall time of `rounds` runs, and the least CPU time of this process over a run (both
// ends of the connection run here; steadier than wall time on a busy machine).
async function best(fn, rounds = ROUNDS) {
  let min = Infinity;
  let cpu = Infinity;
  for (let i = 0; i < rounds; i++) {
    const c = process.cpuUsage();
    const t = performance.now();
    await fn();
    min = Math.min(min, performance.now() - t);
    const used = process.cpuUsage(c);
    cpu = Math.min(cpu, (used.user + used.system) / 1000);
  }
  return { ms: min, cpu };
}

const rows = [];
// `warm`: one untimed run of each side first, so that both are measured with their code
// compiled (V8 tiers JS and wasm up as they run; a short run of a cold side measures that);
// `warmArg` is passed to that run (the echo's count of round trips).
async function compare(row, makeServer, raw, kv, rounds = ROUNDS, warm = true, warmArg = undefined) {
  if (ONLY && !ONLY.has(row)) return;
  const srv = await makeServer();
  const port = srv.address().port;
  if (warm) {
    await raw(port, warmArg);
    await kv(port, warmArg);
  }
  const { ms: rawMs, cpu: rawCpu } = await best(() => raw(port), rounds);
  const { ms: kvMs, cpu: kvCpu } = await best(() => kv(port), rounds);
  srv.close();
  rows.push({ row, rawMs, kvMs, cpuRatio: kvCpu / rawCpu });
}

await compare('upload', sink, rawUpload, kvUpload);
await compare('download', source, rawDownload, kvDownload);
await compare('echo', echo, rawPing, kvPing, ROUNDS, true, WARM_PINGS);
await compare('soak', soakEcho, soak(rawSoakOne), soak(kvSoakOne), 1, false);

const mibps = (ms) => TOTAL / MiB / (ms / 1000);
const out = rows.map(({ row, rawMs, kvMs, cpuRatio }) => ({ ...shape(row, rawMs, kvMs), cpuRatio }));
function shape(row, rawMs, kvMs) {
  switch (row) {
    case 'upload':
    case 'download':
      return { row: `node ${row}`, unit: 'MiB/s', raw: mibps(rawMs), kv: mibps(kvMs), ratio: rawMs / kvMs, better: 'higher' };
    case 'echo':
      return { row: 'node echo', unit: 'µs/rt', raw: (rawMs * 1000) / PINGS, kv: (kvMs * 1000) / PINGS, ratio: kvMs / rawMs, better: 'lower' };
    default:
      return { row: 'node soak', unit: 'ms', raw: rawMs, kv: kvMs, ratio: kvMs / rawMs, better: 'lower' };
  }
}

console.log(`kvsocket vs node:net on 127.0.0.1, Node ${process.version} (best of ${ROUNDS}; ${TOTAL / MiB} MiB transfers; ${PINGS} round trips; soak ${SOAK_CONNS} x ${SOAK_BYTES / MiB} MiB echoed, 256 KiB marks, one run)`);
for (const r of out) {
  console.log(`${r.row.padEnd(14)} raw ${r.raw.toFixed(1).padStart(8)} ${r.unit.padEnd(6)} kvsocket ${r.kv.toFixed(1).padStart(8)} ${r.unit.padEnd(6)} ratio ${r.ratio.toFixed(2)} (${r.better} is better; CPU ratio ${r.cpuRatio.toFixed(2)})`);
}
if (process.argv.includes('--json')) console.log(JSON.stringify({ rows: out }));
