// `npm run bench` (Wisp part, through benches/wisp.sh): the same download and upload through the
// same Wisp server with kvsocket's browser Socket and with the @mercuryworkshop/wisp-js client
// (its browser build, dist/wisp-client.mjs, served from node_modules), in one headless Chromium
// page (benches/wisp-browser-page.js), side by side in one run, with the floor under both (no
// Wisp client: prebuilt packets on the page's WebSocket). Two servers, each in a process of its
// own (benches/wisp-server.js): a bare one that is its own source and sink and does no per-byte
// work (benches/wisp-bare.js: it compares the clients alone) and the wisp-js server with
// node:net targets. Prints MiB/s (best of the rounds), the ratio kvsocket / wisp-js (higher is
// better), the page's CPU per MiB (the renderer process, from /proc, over all counted rounds),
// its main thread's script time per MiB (CDP Performance.getMetrics ScriptDuration), the
// network service's CPU per MiB (the process that frames the WebSocket's bytes for the page),
// and the server's share of a core in the best round (near 100 %: the server is what limits).
//
// Env: BENCH_MIB (transfer size, default 64), BENCH_ROUNDS (counted rounds per client, default
// 3; one uncounted warm-up round each before), BENCH_WISP_BROWSER_PROFILE=DIR (then one more run
// of each under the page's V8 profiler: DIR/wisp-{kv,wj,raw}{Download,Upload}-SERVER.cpuprofile).
import path from 'node:path';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { openPackagePage } from '../tests/browser/harness.js';
import { chromiumCpuMs, rendererCpuMs } from './renderer-cpu.js';

const MiB = 1024 * 1024;
const TOTAL = Number(process.env.BENCH_MIB ?? 64) * MiB;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CHUNK = 64 * 1024;
const PROFILE = process.env.BENCH_WISP_BROWSER_PROFILE;
const WISP_JS_CLIENT = '/node_modules/@mercuryworkshop/wisp-js/dist/';

const deadline = setTimeout(() => {
  console.error('Wisp browser bench: gave up after 300 s');
  process.exit(1);
}, 300_000);
deadline.unref();

// A Wisp server in a process of its own: { url, source, sink, pid, stop }.
async function startServer(kind) {
  const child = spawn(process.execPath, [new URL('./wisp-server.js', import.meta.url).pathname, String(TOTAL), kind], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const [line] = await once(createInterface({ input: child.stdout }), 'line');
  const [url, source, sink] = line.split(' ');
  return { kind, url, source: Number(source), sink: Number(sink), pid: child.pid, stop: () => child.stdin.end() };
}
// A process's CPU time so far in ms (/proc; NaN where it cannot be read).
function cpuMsOf(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) * 10; // USER_HZ is 100 on Linux
  } catch {
    return NaN;
  }
}

const servers = await Promise.all([startServer('bare'), startServer('wisp-js')]);
const { page, pageErrors, close: closePage } = await openPackagePage({ extra: ['/benches/wisp-browser-page.js', WISP_JS_CLIENT] });
const rows = [];
try {
  await page.evaluate(async ({ sizes, wispJs }) => {
    const { Socket } = await import('/js/browser/index.js');
    const { client } = await import(wispJs);
    const { make } = await import('/benches/wisp-browser-page.js');
    window.bench = make(Socket, client, sizes);
  }, { sizes: { total: TOTAL, chunkSize: CHUNK }, wispJs: `${WISP_JS_CLIENT}wisp-client.mjs` });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  // The page's main thread so far, ms: busy (TaskDuration) and running script (ScriptDuration).
  const threadMs = async () => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    const get = (name) => metrics.find((m) => m.name === name).value * 1000;
    return { task: get('TaskDuration'), script: get('ScriptDuration') };
  };

  const run = (fn, server, port) => page.evaluate(([f, u, p]) => window.bench[f](u, p), [fn, server.url, port]);
  async function measured(fn, server, port) {
    const cpu0 = rendererCpuMs();
    const net0 = chromiumCpuMs('NetworkService');
    const thread0 = await threadMs();
    const s0 = cpuMsOf(server.pid);
    const ms = await run(fn, server, port);
    const serverCpu = cpuMsOf(server.pid) - s0;
    const cpu = rendererCpuMs() - cpu0;
    const net = chromiumCpuMs('NetworkService') - net0;
    const thread = await threadMs();
    return { ms, cpu, net, task: thread.task - thread0.task, script: thread.script - thread0.script, serverCpu };
  }
  // One warm-up round of each (not counted), then ROUNDS each, the clients taking turns (each
  // round in the other order), so that a change in the machine's load falls on both.
  async function compare(name, server, port, fns) {
    for (const fn of fns) await run(fn, server, port);
    const rounds = fns.map(() => []);
    for (let i = 0; i < ROUNDS; i++) {
      for (let k = 0; k < fns.length; k++) {
        const j = (i + k) % fns.length;
        rounds[j].push(await measured(fns[j], server, port));
      }
    }
    const mib = (TOTAL / MiB) * ROUNDS;
    const [kv, wj, raw] = rounds.map((rs) => {
      const best = rs.reduce((a, b) => (b.ms < a.ms ? b : a));
      const sum = (k) => rs.reduce((n, r) => n + r[k], 0);
      return {
        mibs: TOTAL / MiB / (best.ms / 1000),
        cpu: sum('cpu') / mib,
        task: sum('task') / mib,
        script: sum('script') / mib,
        net: sum('net') / mib,
        share: best.serverCpu / best.ms,
      };
    });
    rows.push({ name, server: server.kind, kv, wj, raw });
  }
  for (const server of servers) {
    await compare('download', server, server.source, ['kvDownload', 'wjDownload', 'rawDownload']);
    await compare('upload', server, server.sink, ['kvUpload', 'wjUpload', 'rawUpload']);
  }
  if (PROFILE) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
    await mkdir(PROFILE, { recursive: true });
    for (const server of servers) {
      for (const fn of ['kvDownload', 'wjDownload', 'rawDownload', 'kvUpload', 'wjUpload', 'rawUpload']) {
        await cdp.send('Profiler.start');
        await run(fn, server, fn.endsWith('Download') ? server.source : server.sink);
        const { profile } = await cdp.send('Profiler.stop');
        await writeFile(path.join(PROFILE, `wisp-${fn}-${server.kind}.cpuprofile`), JSON.stringify(profile));
      }
    }
  }
  if (pageErrors.length) throw new Error(`page errors: ${pageErrors.join('; ')}`);
} finally {
  await closePage();
  for (const s of servers) s.stop();
}

const fmt = (x, w, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : '?').padStart(w);
const pct = (x) => (Number.isFinite(x) ? `${Math.round(x * 100)}%` : '?').padStart(4);
const three = (r, k, w, d) => `${fmt(r.kv[k], w, d)} ${fmt(r.wj[k], 7, d)} ${fmt(r.raw[k], 5, d)}`;
console.log(`\nWisp in Chromium: ${TOTAL / MiB} MiB in 64 KiB writes, kvsocket's browser Socket (kv) vs the wisp-js client (wj) in one page, best of ${ROUNDS} (after a warm-up each), taking turns`);
console.log('servers: bare = its own source and sink, no per-byte work (the clients alone); wisp-js = the wisp-js server with node:net targets');
console.log('raw = no Wisp client, prebuilt packets on the page\'s WebSocket: the floor under any client in this browser. CPU per MiB over all counted rounds:');
console.log('renderer = the page\'s renderer process (/proc); script = the main thread running JS (CDP ScriptDuration, native calls such as send() included);');
console.log('network = Chromium\'s network service process (/proc), which carries every WebSocket byte for the page');
console.log('                     MiB/s:  kv      wj   raw  kv/wj | renderer ms/MiB: kv    wj   raw  kv/wj | script ms/MiB: kv   wj  raw | network ms/MiB: kv   wj  raw | server % of a core: kv   wj  raw');
for (const r of rows) {
  console.log(`${`${r.name} (${r.server})`.padEnd(24)} ${three(r, 'mibs', 7, 1)} ${fmt(r.kv.mibs / r.wj.mibs, 5, 2)}x |` +
    `${three(r, 'cpu', 19, 2)} ${fmt(r.kv.cpu / r.wj.cpu, 6, 2)} |${three(r, 'script', 17, 2)} |${three(r, 'net', 18, 2)} |` +
    `${pct(r.kv.share).padStart(22)} ${pct(r.wj.share).padStart(4)} ${pct(r.raw.share).padStart(4)}`);
}
console.log('kv/wj: kvsocket / wisp-js (throughput: higher is better; CPU: lower is cheaper).');
if (process.argv.includes('--json')) console.log(JSON.stringify({ rows }));
process.exit(0);
