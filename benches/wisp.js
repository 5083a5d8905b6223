// `npm run bench` (Wisp part): the same download and upload through the same Wisp server (the
// wisp-js server, in a process of its own: benches/wisp-server.js) with kvsocket's Node host and
// with the @mercuryworkshop/wisp-js client, side by side in one run (64 KiB writes, the same 1 MiB
// of the same `ws` WebSocket's buffer before each waits), and the floor under both (no Wisp
// client: benches/wisp-floor.js); prints MiB/s and the ratio kvsocket / wisp-js (higher is
// better), each client's CPU time per MiB, and the server's (its CPU per MiB and its share of a
// core: the server is what limits the clients when that share nears 100 %). Then the number of WebSockets a page of 100 sockets opens in Chromium through one
// Wisp URL (1 expected). Stops by itself. BENCH_WISP_SKIP_PAGE=1 leaves the page out.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { readFileSync } from 'node:fs';
import { Socket } from 'kvsocket';
import { client as wispClient } from '@mercuryworkshop/wisp-js/client';
import { floorDownload, floorUpload } from './wisp-floor.js';
import { writeAllKv } from './stream.js';

const MiB = 1024 * 1024;
const TOTAL = Number(process.env.BENCH_MIB ?? 64) * MiB;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CHUNK = 64 * 1024;
// Rounds of each client first, not counted, of 256 MiB together: both clients cost up to twice
// as much per MiB in their first 200-300 MiB (the JIT; kvsocket's wasm tiers up too).
const WARM_UP = Math.max(1, Math.ceil((256 * MiB) / TOTAL));
const chunk = new Uint8Array(CHUNK).fill(0x62);

// BENCH_WISP_SERVER=proxy: kvsocket-proxy's /wisp/ endpoint instead of the wisp-js server;
// =bare: a bare server that is its own source and sink (benches/wisp-bare.js), which compares
// the clients alone.
const SERVER = ['proxy', 'bare'].includes(process.env.BENCH_WISP_SERVER) ? process.env.BENCH_WISP_SERVER : 'wisp-js';
const server = spawn(process.execPath, [new URL('./wisp-server.js', import.meta.url).pathname, String(TOTAL), SERVER], {
  stdio: ['pipe', 'pipe', 'inherit'],
});
const [line] = await once(createInterface({ input: server.stdout }), 'line');
const [URL_, sourcePort, sinkPort] = line.split(' ').map((x, i) => (i === 0 ? x : Number(x)));

// ----- kvsocket -----
function kvDownload() {
  return new Promise((resolve, reject) => {
    const s = new Socket({ proxy: `wisp+${URL_}` });
    let got = 0;
    s.dataAvailableEvent = () => {
      got += s.readBytes().length;
      if (got >= TOTAL) { s.destroy(); resolve(); }
    };
    s.errorEvent = (code) => reject(new Error(`kvsocket download: ${code}: ${s.lastError()}`));
    s.connect('127.0.0.1', sourcePort);
  });
}
function kvUpload() {
  return new Promise((resolve, reject) => {
    const s = new Socket({ proxy: `wisp+${URL_}` });
    writeAllKv(s, TOTAL, chunk, MiB);
    s.dataAvailableEvent = () => { s.destroy(); resolve(); }; // the sink's '!' once all came
    s.errorEvent = (code) => reject(new Error(`kvsocket upload: ${code}: ${s.lastError()}`));
    s.connect('127.0.0.1', sinkPort);
  });
}

// ----- the wisp-js client -----
async function wispConnection() {
  const conn = new wispClient.ClientConnection(URL_);
  await new Promise((resolve, reject) => { conn.onopen = resolve; conn.onerror = reject; });
  return conn;
}
async function wjDownload() {
  const conn = await wispConnection();
  await new Promise((resolve) => {
    const stream = conn.create_stream('127.0.0.1', sourcePort);
    let got = 0;
    stream.onmessage = (bytes) => {
      got += bytes.length;
      if (got >= TOTAL) resolve();
    };
  });
  conn.close();
}
async function wjUpload() {
  const conn = await wispConnection();
  await new Promise((resolve) => {
    const stream = conn.create_stream('127.0.0.1', sinkPort);
    stream.onmessage = resolve;
    // wisp-js queues what its credit does not cover and has no drain signal of its own: the
    // WebSocket's bufferedAmount is what there is to wait on.
    let left = TOTAL;
    const pump = () => {
      while (left > 0) {
        left -= CHUNK;
        stream.send(chunk);
        if (conn.ws.bufferedAmount > MiB || stream.send_buffer.length > 16) return setTimeout(pump, 1);
      }
    };
    pump();
  });
  conn.close();
}

// The server's CPU time so far in ms (Linux: /proc), or NaN where it cannot be read.
function serverCpuMs() {
  try {
    const fields = readFileSync(`/proc/${server.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * (1000 / CLOCK_TICKS);
  } catch {
    return NaN;
  }
}
const CLOCK_TICKS = 100; // USER_HZ: 100 on Linux

// One run of `run`: its time, this process's CPU time (the client's cost alone: the server has
// its own process) and the server's, in ms.
async function measure(run) {
  const c0 = process.cpuUsage();
  const s0 = serverCpuMs();
  const t0 = performance.now();
  await run();
  const ms = performance.now() - t0;
  const used = process.cpuUsage(c0);
  return { ms, cpu: (used.user + used.system) / 1000, serverCpu: serverCpuMs() - s0 };
}

// The clients ROUNDS times each, taking turns (each round in another order), so that a change
// in the machine's load falls on all: each one's best throughput, its CPU time per MiB over all
// its rounds (steadier than one round's; rounds that warm up, WARM_UP, are not counted),
// the server's CPU time per MiB over its rounds with that client, and its share of one core in
// that client's best round (near 100 %: the server is what limits the throughput).
async function compare(clients) {
  const runs = clients.map((run) => ({ run, rounds: [] }));
  for (let i = 0; i < WARM_UP; i++) for (const r of runs) await r.run();
  for (let i = 0; i < ROUNDS; i++) {
    for (let k = 0; k < runs.length; k++) {
      const r = runs[(i + k) % runs.length];
      r.rounds.push(await measure(r.run));
    }
  }
  return runs.map(({ rounds }) => {
    const fastest = rounds.reduce((a, b) => (b.ms < a.ms ? b : a));
    const mib = (TOTAL / MiB) * rounds.length;
    const sum = (k) => rounds.reduce((n, r) => n + r[k], 0);
    return {
      mibs: (TOTAL / MiB) / (fastest.ms / 1000),
      cpu: sum('cpu') / mib,
      serverCpu: sum('serverCpu') / mib,
      serverShare: fastest.serverCpu / fastest.ms,
    };
  });
}

const fmt = (x, w, digits = 1) => x.toFixed(digits).padStart(w);
const pct = (x) => (Number.isNaN(x) ? '   ?' : `${Math.round(x * 100)}%`.padStart(4));
const serverName = { proxy: "kvsocket-proxy's /wisp/", bare: 'a bare Wisp server (its own source and sink)', 'wisp-js': 'the wisp-js server' }[SERVER];
console.log(`\nWisp: ${TOTAL / MiB} MiB through ${serverName} (its own process), best of ${ROUNDS}, the clients taking turns`);
console.log('"ws alone": no Wisp client, prebuilt packets on the same `ws` WebSocket (benches/wisp-floor.js): the floor under any client on Node.');
console.log('                  MiB/s: kvsocket  wisp-js  ws alone   ratio | client CPU ms/MiB: kvsocket wisp-js ws alone | server CPU ms/MiB (% of a core): kvsocket wisp-js ws alone');
const floor = {
  download: () => floorDownload(URL_, sourcePort, TOTAL),
  upload: () => floorUpload(URL_, sinkPort, TOTAL),
};
for (const [name, kv, wj] of [['download', kvDownload, wjDownload], ['upload', kvUpload, wjUpload]]) {
  const [a, b, c] = await compare([kv, wj, floor[name]]);
  console.log(`${name.padEnd(16)} ${fmt(a.mibs, 15)} ${fmt(b.mibs, 8)} ${fmt(c.mibs, 9)} ${fmt(a.mibs / b.mibs, 6, 2)}x |` +
    `${fmt(a.cpu, 27, 2)} ${fmt(b.cpu, 7, 2)} ${fmt(c.cpu, 8, 2)} |` +
    `${fmt(a.serverCpu, 29, 2)} (${pct(a.serverShare)}) ${fmt(b.serverCpu, 5, 2)} (${pct(b.serverShare)}) ${fmt(c.serverCpu, 5, 2)} (${pct(c.serverShare)})`);
}
console.log('ratio: kvsocket / wisp-js throughput. A server near 100 % of a core limits every client; the client CPU columns are each client\'s own cost.');
server.stdin.end();

// ----- the WebSocket count of a 100-socket page -----
if (process.env.BENCH_WISP_SKIP_PAGE === '1') process.exit(0);
const { countPageWebSockets } = await import('./wisp-page.js');
const count = await countPageWebSockets(100);
console.log(`a page of 100 sockets through one Wisp URL opened ${count.webSockets} WebSocket(s) (${count.echoed}/100 echoed)`);
process.exit(0);
