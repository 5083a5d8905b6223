// `npm run bench`: kvsocket on Node against raw node:net, side by side in one run, on loopback.
// Prints each measurement and the ratio kvsocket / raw (throughput: higher is better, 1.0 = as
// fast as raw net; latency: lower is better). Stops by itself.
import net from 'node:net';
import { Socket } from 'kvsocket';
import { writeAll } from './stream.js';

const MiB = 1024 * 1024;
const TOTAL = Number(process.env.BENCH_MIB ?? 64) * MiB;
const CHUNK = 64 * 1024;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PINGS = 2000;
const chunk = Buffer.alloc(CHUNK, 0x61);

function server(onConnection) {
  return new Promise((resolve) => {
    const s = net.createServer(onConnection).listen(0, '127.0.0.1', () => resolve(s));
  });
}
const sink = () => server((c) => c.on('data', () => {}).on('end', () => c.end()));
const source = () => server((c) => writeAll(c, TOTAL, chunk));
const echo = () => server((c) => c.on('data', (d) => c.write(d)).on('end', () => c.end()));

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
    let left = TOTAL;
    const pump = () => {
      while (left > 0) {
        left -= CHUNK;
        s.write(chunk);
        if (s.bufferedAmount() > MiB) return; // drainEvent resumes
      }
      s.close();
    };
    s.connectedEvent = pump;
    s.drainEvent = pump;
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
function rawPing(port) {
  return new Promise((resolve) => {
    let n = 0;
    const c = net.connect(port, '127.0.0.1', () => c.write('ping'));
    c.setNoDelay(true);
    c.on('data', () => { if (++n < PINGS) c.write('ping'); else c.end(); });
    c.on('close', resolve);
  });
}
function kvPing(port) {
  return new Promise((resolve) => {
    let n = 0;
    const s = new Socket();
    s.connectedEvent = () => s.write('ping');
    s.dataAvailableEvent = () => { s.read(); if (++n < PINGS) s.write('ping'); else s.close(); };
    s.disconnectEvent = () => { s.destroy(); resolve(); };
    s.connect('127.0.0.1', port);
  });
}

async function best(fn) {
  let min = Infinity;
  for (let i = 0; i < ROUNDS; i++) {
    const t = performance.now();
    await fn();
    min = Math.min(min, performance.now() - t);
  }
  return min;
}

const rows = [];
async function compare(name, makeServer, raw, kv, unit) {
  const srv = await makeServer();
  const port = srv.address().port;
  // Alternate so that neither side always runs on a warmer machine.
  const rawMs = await best(() => raw(port));
  const kvMs = await best(() => kv(port));
  srv.close();
  rows.push({ name, rawMs, kvMs, unit });
}

await compare('upload', sink, rawUpload, kvUpload, 'throughput');
await compare('download', source, rawDownload, kvDownload, 'throughput');
await compare(`echo x${PINGS}`, echo, rawPing, kvPing, 'latency');

console.log(`kvsocket vs node:net on 127.0.0.1 (best of ${ROUNDS}; ${TOTAL / MiB} MiB transfers)`);
for (const { name, rawMs, kvMs, unit } of rows) {
  if (unit === 'throughput') {
    const raw = TOTAL / MiB / (rawMs / 1000);
    const kv = TOTAL / MiB / (kvMs / 1000);
    console.log(`${name.padEnd(12)} raw ${raw.toFixed(0).padStart(6)} MiB/s  kvsocket ${kv.toFixed(0).padStart(6)} MiB/s  ratio ${(kv / raw).toFixed(2)}`);
  } else {
    const raw = (rawMs * 1000) / PINGS;
    const kv = (kvMs * 1000) / PINGS;
    console.log(`${name.padEnd(12)} raw ${raw.toFixed(1).padStart(6)} µs/rt    kvsocket ${kv.toFixed(1).padStart(6)} µs/rt    ratio ${(kv / raw).toFixed(2)}`);
  }
}
