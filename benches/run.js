// `npm run bench`: every row of docs/performance.md's table, kvsocket against the raw platform
// API side by side in one run, on the machine's Node and on the current LTS (Node 24, where
// scripts/node-lts.sh says: ~/.cache/kvsocket/node24, installed by scripts/setup.sh;
// KVSOCKET_NODE24 to point elsewhere): bulk send and receive, ping-pong, the 1000-connection soak (benches/node.js), 10 000
// idle connections (benches/idle.js, each side in a process of its own, with --expose-gc), the
// redis relay (benches/relay.js), npm clients over kvsocket/net against the same over node:net
// (benches/clients.js: ioredis, pg), the browser (benches/browser.js, and the same clients in a
// page, benches/clients.js --page: once, their Node only serves),
// and the module's size. Prints a table, then one JSON line. Every part stops by itself; a part
// that fails is reported as such and the others still run.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const IDLE = Number(process.env.BENCH_IDLE ?? 10000);
// The LTS Node's path has one place, scripts/node-lts.sh (the test scripts source it too).
const NODE24 = execFileSync('bash', ['-c', '. scripts/node-lts.sh && printf %s "$NODE_LTS"'], { cwd: ROOT, encoding: 'utf8' });

// The issue's targets (ratio kvsocket / raw; for sizes, bytes).
const TARGETS = {
  'node upload': ['>=', 0.9],
  'node download': ['>=', 0.9],
  'node echo': ['<=', 1.25],
  'node soak': ['<=', 1.25],
  'idle RSS/conn': ['<=', 1.5],
  'idle heap/conn': null,
  'idle open': ['<=', 1.5],
  'relay SET': ['>=', 0.9],
  'relay GET': ['>=', 0.9],
  'ioredis GET/SET': ['>=', 0.9],
  'pg SELECT 1': ['<=', 1.15],
  'browser upload': ['>=', 0.9],
  'browser download': ['>=', 0.9],
  'browser echo': ['<=', 1.1],
  'wasm (wasm-opt)': ['<=', 100000],
};

/** Runs a command (its output shown as it comes); resolves with its stdout. */
function sh(cmd, args, { timeoutMs = 15 * 60_000, input } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; process.stdout.write(d); });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${path.basename(cmd)} ${args.join(' ')}: ${signal ?? `exit ${code}`}`));
    });
    if (input !== undefined) child.stdin.end(input);
  });
}
const lastJson = (out) => JSON.parse(out.trim().split('\n').at(-1));

// A command with the descriptor limit raised (10 000 connections need as many descriptors).
const withFds = (node, args) => ['bash', ['-c', 'ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$@"', 'bash', node, ...args]];

// Each side gets a server of its own: the first side's 10 000 closed connections stay in
// TIME-WAIT for a minute, and a second side connecting to the same address and port paid for
// them in the kernel's search for a free local port (system time: 860 ms instead of 390 ms for
// the same raw side), which made whichever side ran second look up to 2.5x slower.
async function idleServer(node) {
  const [cmd, args] = withFds(node, ['benches/idle.js', 'server']);
  const server = spawn(cmd, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  const stop = () => { server.stdin.end(); server.kill(); };
  try {
    const port = await new Promise((resolve, reject) => {
      server.stdout.once('data', (d) => resolve(Number(String(d).trim())));
      server.once('exit', () => reject(new Error('the idle server exited')));
    });
    return { port, stop };
  } catch (err) {
    stop();
    throw err;
  }
}

async function idleSide(node, mode) {
  const server = await idleServer(node);
  try {
    const [c, a] = withFds(node, ['--expose-gc', 'benches/idle.js', mode, String(server.port), String(IDLE)]);
    return lastJson(await sh(c, a, { timeoutMs: 5 * 60_000 }));
  } finally {
    server.stop();
  }
}

async function idleRows(node) {
  const raw = await idleSide(node, 'raw');
  let kv;
  try {
    kv = await idleSide(node, 'kv');
  } catch (err) {
    return [{ row: 'idle RSS/conn', error: err.message }, { row: 'idle open', error: err.message }];
  }
  return [
    { row: 'idle RSS/conn', unit: 'B', raw: raw.rssPerConn, kv: kv.rssPerConn, ratio: kv.rssPerConn / raw.rssPerConn, better: 'lower' },
    { row: 'idle heap/conn', unit: 'B', raw: raw.heapPerConn, kv: kv.heapPerConn, ratio: kv.heapPerConn / raw.heapPerConn, better: 'lower' },
    // cpuRatio as in benches/node.js (user + system); userRatio: user time only.
    {
      row: 'idle open', unit: 'ms', raw: raw.openMs, kv: kv.openMs, ratio: kv.openMs / raw.openMs, better: 'lower',
      cpuRatio: kv.openCpuMs / raw.openCpuMs, userRatio: kv.openUserMs / raw.openUserMs,
    },
  ];
}

async function part(name, fn) {
  try {
    return await fn();
  } catch (err) {
    console.log(`${name}: failed: ${err.message}`);
    return [{ row: name, error: err.message }];
  }
}

/** The module and the JS that loads it: what a page or a bundle carries (docs/performance.md). */
function sizeRows() {
  const row = (name, file) => {
    const bytes = readFileSync(path.join(ROOT, file));
    return { row: name, unit: 'B', kv: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  };
  // A module per host: the browser's (with the browser transport) and Node's.
  return [
    row('browser wasm (wasm-opt)', 'pkg/kvsocket_bg.wasm'),
    row('browser JS glue', 'pkg/kvsocket.js'),
    // The wasm as the entries load it: base64 inside an ES module (scripts/inline-wasm.js).
    row('browser wasm inline (kvsocket_wasm.js)', 'pkg/kvsocket_wasm.js'),
    row('Node wasm (wasm-opt)', 'pkg/kvsocket_node_bg.wasm'),
    row('Node JS glue', 'pkg/kvsocket_node.js'),
  ];
}

const nodes = [process.execPath];
if (existsSync(NODE24)) nodes.push(NODE24);
else console.log(`(no Node 24 at ${NODE24}: run scripts/setup.sh; Node ${process.version} only)`);

const results = {};
for (const node of nodes) {
  const version = (await sh(node, ['--version'])).trim();
  console.log(`\n===== Node ${version} =====`);
  const rows = [
    ...await part('node', async () => lastJson(await sh(node, ['benches/node.js', '--json'])).rows),
    ...await part('idle', () => idleRows(node)),
    ...await part('relay', async () => lastJson(await sh(node, ['benches/relay.js', '--json'])).rows),
    ...await part('clients', async () => lastJson(await sh(node, ['benches/clients.js', '--node', '--json'])).rows),
  ];
  results[version] = rows;
}
console.log('\n===== browser (headless Chromium) =====');
results.browser = existsSync(process.env.CHROMIUM ?? '/usr/bin/chromium')
  ? [
    ...await part('browser', async () => lastJson(await sh(process.execPath, ['benches/browser.js', '--json'])).rows),
    // npm clients in a page (reported: no raw side, no target)
    ...await part('clients in a page', async () => lastJson(await sh(process.execPath, ['benches/clients.js', '--page', '--json'])).rows),
  ]
  : [{ row: 'browser', error: 'no Chromium (scripts/setup.sh installs it)' }];
results.size = sizeRows();

// ----- the table -----
const fmt = (n) => (n === undefined ? '' : n >= 100 ? n.toFixed(0) : n.toFixed(1));
const met = (row, value) => {
  const t = TARGETS[row];
  if (!t || value === undefined) return '';
  const ok = t[0] === '>=' ? value >= t[1] : value <= t[1];
  return `${t[0]} ${t[1]} ${ok ? 'met' : 'NOT met'}`;
};
console.log('\n| where | row | raw | kvsocket | unit | ratio | target |');
console.log('|---|---|---|---|---|---|---|');
for (const [where, rows] of Object.entries(results)) {
  for (const r of rows) {
    if (r.error) { console.log(`| ${where} | ${r.row} | | | | failed: ${r.error} | |`); continue; }
    if (r.ratio === undefined) {
      const value = r.gzip === undefined ? fmt(r.kv) : `${r.kv} (gzip ${r.gzip})`; // a size, or a row reported alone
      console.log(`| ${where} | ${r.row} | | ${value} | ${r.unit} | | ${met(r.row, r.kv)} |`);
      continue;
    }
    console.log(`| ${where} | ${r.row} | ${fmt(r.raw)} | ${fmt(r.kv)} | ${r.unit} | ${r.ratio.toFixed(2)} | ${met(r.row, r.ratio)} |`);
  }
}
console.log(JSON.stringify({ bench: 'kvsocket', date: new Date().toISOString(), cores: os.cpus().length, load: os.loadavg(), results }));
