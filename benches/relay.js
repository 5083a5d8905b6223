// A TCP relay written on kvsocket (listen + connect, bytes passed both ways as they come)
// against the same relay on raw node:net, both in front of a real redis-server, measured with
// redis-benchmark (SET and GET, 20 clients). redis-server and redis-benchmark are Debian's
// (scripts/setup.sh installs them); both run on 127.0.0.1 only. Prints a table, then (with
// --json) one JSON line of rows for benches/run.js. Stops by itself.
import net from 'node:net';
import { spawn, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Socket } from 'kvsocket';
import { freePort } from '../tests/ports.js';

const REQUESTS = Number(process.env.BENCH_REDIS_REQUESTS ?? 100000);
const CLIENTS = 20;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const run = promisify(execFile);

async function waitPort(port) {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => { c.destroy(); resolve(true); });
      c.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port}`);
}

function rawRelay(target) {
  return new Promise((resolve) => {
    const server = net.createServer({ noDelay: true }, (client) => {
      const upstream = net.connect({ port: target, host: '127.0.0.1', noDelay: true });
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    server.listen(0, '127.0.0.1', () => resolve({ port: server.address().port, close: () => server.close() }));
  });
}

function kvRelay(target) {
  return new Promise((resolve) => {
    const server = new Socket();
    server.incomingConnectionEvent = (client) => {
      server.accept(client);
      const upstream = new Socket();
      // Written while connecting, the bytes wait in the socket until it is connected.
      client.dataAvailableEvent = () => upstream.write(client.readBytes());
      upstream.dataAvailableEvent = () => client.write(upstream.readBytes());
      client.disconnectEvent = () => { upstream.close(); client.destroy(); };
      upstream.disconnectEvent = () => { client.close(); upstream.destroy(); };
      upstream.connect('127.0.0.1', target);
    };
    server.listeningEvent = (_ip, port) => resolve({ port, close: () => server.destroy() });
    server.listen(0, '127.0.0.1');
  });
}

/** redis-benchmark's requests per second for SET and GET through `port`. */
async function benchmark(port) {
  const { stdout } = await run('redis-benchmark', [
    '-h', '127.0.0.1', '-p', String(port), '-c', String(CLIENTS), '-n', String(REQUESTS), '-t', 'set,get', '--csv',
  ], { timeout: 120_000 });
  const rps = {};
  for (const line of stdout.split('\n')) {
    const m = /^"(SET|GET)","([\d.]+)"/.exec(line);
    if (m) rps[m[1]] = Number(m[2]);
  }
  if (!rps.SET || !rps.GET) throw new Error(`redis-benchmark said: ${stdout}`);
  return rps;
}

const redisPort = await freePort();
const redis = spawn('redis-server', [
  '--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes',
], { stdio: 'ignore' });
const rows = [];
try {
  await waitPort(redisPort);
  const best = { raw: { SET: 0, GET: 0 }, kv: { SET: 0, GET: 0 } };
  // The relay's CPU time per request (this process runs only the relay while redis-benchmark
  // runs): steadier than requests per second on a busy machine. The least of the rounds.
  const cpu = { raw: Infinity, kv: Infinity };
  // Alternating sides, the best of each: neither always runs on the warmer machine.
  for (let i = 0; i < ROUNDS; i++) {
    for (const [side, make] of [['raw', rawRelay], ['kv', kvRelay]]) {
      const relay = await make(redisPort);
      const before = process.cpuUsage();
      const rps = await benchmark(relay.port);
      const used = process.cpuUsage(before);
      relay.close();
      cpu[side] = Math.min(cpu[side], (used.user + used.system) / (2 * REQUESTS));
      for (const t of ['SET', 'GET']) best[side][t] = Math.max(best[side][t], rps[t]);
    }
  }
  for (const t of ['SET', 'GET']) {
    rows.push({
      row: `relay ${t}`, unit: 'req/s', raw: best.raw[t], kv: best.kv[t], ratio: best.kv[t] / best.raw[t], better: 'higher',
      cpuRaw: cpu.raw, cpuKv: cpu.kv,
    });
  }
} finally {
  redis.kill();
}

console.log(`relay in front of redis-server, redis-benchmark -c ${CLIENTS} -n ${REQUESTS} (best of ${ROUNDS}), Node ${process.version}`);
for (const r of rows) {
  console.log(`${r.row.padEnd(14)} raw ${r.raw.toFixed(0).padStart(8)} ${r.unit}  kvsocket ${r.kv.toFixed(0).padStart(8)} ${r.unit}  ratio ${r.ratio.toFixed(2)} (higher is better)`);
}
const [{ cpuRaw, cpuKv }] = rows;
console.log(`relay CPU per request (SET and GET): raw ${cpuRaw.toFixed(1)} µs  kvsocket ${cpuKv.toFixed(1)} µs  ratio ${(cpuKv / cpuRaw).toFixed(2)} (lower is better)`);
if (process.argv.includes('--json')) console.log(JSON.stringify({ rows }));
