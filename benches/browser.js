// `npm run bench` (through benches/browser.sh): the browser path. In headless Chromium, through
// kvsocket-proxy (in-process) to local node:net servers, kvsocket's browser Socket against a raw
// WebSocket to the same proxy URL doing the same work (benches/browser-page.js), side by side in
// one run: upload, download, echo round trips. Prints MiB/s and µs per round trip for each and
// the ratio kvsocket / raw (throughput: higher is better; latency: lower is better), and the CPU
// time the page's renderer process spent per MiB or per round trip, median of the rounds, from
// /proc: unlike wall time, it does not grow when other work on the machine takes the cores.
//
// Env: BENCH_BROWSER_MIB (transfer size, default 64), BENCH_BROWSER_PINGS (echo round trips,
// default 1000), BENCH_ROUNDS (best of, default 3), CHROMIUM (default /usr/bin/chromium),
// BENCH_BROWSER_PROFILE=DIR (after the bench, one more of each run under the page's V8
// profiler, written to DIR/browser-{raw,kv}{Upload,Download,Echo}.cpuprofile).
import net from 'node:net';
import path from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import { startProxy } from '../js/proxy/server.js';
import { writeAll } from './stream.js';
import { openPackagePage } from '../tests/browser/harness.js';
import { rendererCpuMs } from './renderer-cpu.js';

const MiB = 1024 * 1024;
const TOTAL = Number(process.env.BENCH_BROWSER_MIB ?? 64) * MiB;
const CHUNK = 64 * 1024;
const PINGS = Number(process.env.BENCH_BROWSER_PINGS ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PROFILE = process.env.BENCH_BROWSER_PROFILE; // a directory: also write page CPU profiles

// Never hang: a bench that stops making progress fails instead.
const deadline = setTimeout(() => {
  console.error('browser bench: gave up after 180 s');
  process.exit(1);
}, 180_000);
deadline.unref();

// ----- targets: node:net on 127.0.0.1 -----
function server(onConnection) {
  return new Promise((resolve) => {
    const s = net.createServer((c) => { c.on('error', () => {}); onConnection(c); });
    s.listen(0, '127.0.0.1', () => resolve(s));
  });
}
let sunk = 0; // every byte the sink received, checked against what the uploads sent
const sink = await server((c) => c.on('data', (d) => { sunk += d.length; }).on('end', () => c.end()));
const chunk = Buffer.alloc(CHUNK, 0x61);
const source = await server((c) => writeAll(c, TOTAL, chunk));
const echo = await server((c) => c.pipe(c));
const ports = { sink: sink.address().port, source: source.address().port, echo: echo.address().port };

const proxy = await startProxy({
  listen: '127.0.0.1:0',
  allow: Object.values(ports).map((p) => `127.0.0.1:${p}`),
  log: (line) => console.error(`kvsocket-proxy: ${line}`),
});

const median = (xs) => xs.slice().sort((a, b) => a - b)[xs.length >> 1];

// ----- the page: the browser entry, the wasm and the page half of the bench -----
const { page, pageErrors, close: closePage } = await openPackagePage({ extra: ['/benches/browser-page.js'] });
const rows = [];
try {
  await page.evaluate(async ({ proxyUrl, sizes }) => {
    const { Socket } = await import('/js/browser/index.js');
    const { make } = await import('/benches/browser-page.js');
    Socket.defaultProxy = proxyUrl;
    window.bench = make(Socket, proxyUrl, sizes);
  }, { proxyUrl: `${proxy.url}?host={host}&port={port}`, sizes: { total: TOTAL, chunkSize: CHUNK, pings: PINGS } });

  const run = (fn, port) => page.evaluate(([f, p]) => window.bench[f](p), [fn, port]);
  // Milliseconds and the renderer's CPU milliseconds of one run.
  async function measured(fn, port) {
    const cpu0 = rendererCpuMs();
    const ms = await run(fn, port);
    return { ms, cpuMs: rendererCpuMs() - cpu0 };
  }
  // Best of ROUNDS each (CPU: the median), raw and kvsocket alternating so that neither always
  // runs warmer.
  async function compare(name, port, rawFn, kvFn, unit) {
    let rawMs = Infinity;
    let kvMs = Infinity;
    const rawCpu = [];
    const kvCpu = [];
    for (let i = 0; i < ROUNDS; i++) {
      const raw = await measured(rawFn, port);
      const kv = await measured(kvFn, port);
      rawMs = Math.min(rawMs, raw.ms);
      kvMs = Math.min(kvMs, kv.ms);
      rawCpu.push(raw.cpuMs);
      kvCpu.push(kv.cpuMs);
    }
    rows.push({ name, rawMs, kvMs, rawCpuMs: median(rawCpu), kvCpuMs: median(kvCpu), unit });
  }
  await compare('upload', ports.sink, 'rawUpload', 'kvUpload', 'throughput');
  await compare('download', ports.source, 'rawDownload', 'kvDownload', 'throughput');
  await compare(`echo x${PINGS}`, ports.echo, 'rawEcho', 'kvEcho', 'latency');
  if (PROFILE) {
    // One more run of each, under the page's V8 profiler (chrome://inspect's format).
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
    await mkdir(PROFILE, { recursive: true });
    const runs = [['Upload', ports.sink], ['Download', ports.source], ['Echo', ports.echo]]
      .flatMap(([what, port]) => [[`raw${what}`, port], [`kv${what}`, port]]);
    for (const [fn, port] of runs) {
      await cdp.send('Profiler.start');
      await run(fn, port);
      const { profile } = await cdp.send('Profiler.stop');
      await writeFile(path.join(PROFILE, `browser-${fn}.cpuprofile`), JSON.stringify(profile));
    }
    sunk -= 2 * TOTAL; // those uploads are not among the counted ones
  }
  if (pageErrors.length) throw new Error(`page errors: ${pageErrors.join('; ')}`);
  // The proxy passes the last bytes on before it ends the target's connection: let it finish.
  for (let i = 0; i < 50 && sunk < 2 * ROUNDS * TOTAL; i++) await new Promise((r) => setTimeout(r, 20));
  if (sunk !== 2 * ROUNDS * TOTAL) throw new Error(`the sink got ${sunk} bytes, expected ${2 * ROUNDS * TOTAL}`);
} finally {
  await closePage();
  await proxy.close();
  for (const s of [sink, source, echo]) s.close();
}

const out = rows.map(({ name, rawMs, kvMs, rawCpuMs, kvCpuMs, unit }) => {
  // The renderer's CPU per MiB (ms) or per round trip (µs); the ratio is kvsocket / raw.
  const cpu = unit === 'throughput'
    ? { cpuUnit: 'CPU ms/MiB', rawCpu: rawCpuMs / (TOTAL / MiB), kvCpu: kvCpuMs / (TOTAL / MiB) }
    : { cpuUnit: 'CPU µs/rt', rawCpu: (rawCpuMs * 1000) / PINGS, kvCpu: (kvCpuMs * 1000) / PINGS };
  cpu.cpuRatio = cpu.kvCpu / cpu.rawCpu;
  return unit === 'throughput'
    ? { row: `browser ${name}`, unit: 'MiB/s', raw: TOTAL / MiB / (rawMs / 1000), kv: TOTAL / MiB / (kvMs / 1000), ratio: rawMs / kvMs, better: 'higher', ...cpu }
    : { row: 'browser echo', unit: 'µs/rt', raw: (rawMs * 1000) / PINGS, kv: (kvMs * 1000) / PINGS, ratio: kvMs / rawMs, better: 'lower', ...cpu };
});
console.log(`kvsocket (browser, Chromium) vs raw WebSocket, both through kvsocket-proxy to 127.0.0.1 (best of ${ROUNDS}; ${TOTAL / MiB} MiB transfers)`);
for (const r of out) {
  console.log(`${r.row.padEnd(16)} raw ${r.raw.toFixed(1).padStart(8)} ${r.unit.padEnd(6)} kvsocket ${r.kv.toFixed(1).padStart(8)} ${r.unit.padEnd(6)} ratio ${r.ratio.toFixed(2)} (${r.better} is better)`);
}
console.log(`the page's CPU (Chromium's renderer process; median of ${ROUNDS}; kvsocket / raw, lower is cheaper):`);
for (const r of out) {
  console.log(`${r.row.padEnd(16)} raw ${r.rawCpu.toFixed(1).padStart(8)} ${r.cpuUnit.padEnd(10)} kvsocket ${r.kvCpu.toFixed(1).padStart(8)} ${r.cpuUnit.padEnd(10)} ratio ${r.cpuRatio.toFixed(2)}`);
}
if (process.argv.includes('--json')) console.log(JSON.stringify({ rows: out }));
