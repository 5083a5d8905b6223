// Repeats kvsocket uploads through the wisp-js server (in a process of its own, as in
// benches/wisp.js) and checks every byte at the sink: prints each run's outcome (ok, stalled,
// error, corrupt) and a summary. Used to chase the intermittent upload stall
// (docs/performance.md). STALL_RUNS (20), STALL_MIB (64), STALL_TIMEOUT_S (30). Stops by itself.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import net from 'node:net';
import http from 'node:http';

const MiB = 1024 * 1024;
const CHUNK = 64 * 1024;
const TOTAL = Number(process.env.STALL_MIB ?? 64) * MiB;
const RUNS = Number(process.env.STALL_RUNS ?? 20);
const TIMEOUT = Number(process.env.STALL_TIMEOUT_S ?? 30) * 1000;
// Byte i of a stream: its chunk's number and its place in the chunk, so that a chunk sent
// twice, lost or overwritten shows.
const byteAt = (i) => (Math.floor(i / CHUNK) * 31 + i) & 0xff;

if (process.argv[2] === 'server') {
  const { server: wispServer, logging } = await import('@mercuryworkshop/wisp-js/server');
  wispServer.options.allow_loopback_ips = true;
  logging.set_level(logging.ERROR);
  const listen = (s) => new Promise((r) => s.listen(0, '127.0.0.1', () => r(s.address().port)));
  const sink = net.createServer((c) => {
    let got = 0;
    let bad = -1;
    c.on('error', () => {});
    c.on('close', () => { if (got !== TOTAL || bad >= 0) console.error(`sink: a connection closed after ${got} bytes${bad >= 0 ? `, first wrong byte at ${bad}` : ''}`); });
    c.on('data', (d) => {
      for (let j = 0; j < d.length && bad < 0; j++) if (d[j] !== byteAt(got + j)) bad = got + j;
      got += d.length;
      if (got >= TOTAL && got - d.length < TOTAL) c.write(bad < 0 && got === TOTAL ? '!' : `?${bad} ${got}`);
    });
  });
  const web = http.createServer((req, res) => res.writeHead(404).end());
  web.on('upgrade', (req, socket, head) => wispServer.routeRequest(req, socket, head));
  process.stdout.write(`ws://127.0.0.1:${await listen(web)}/ ${await listen(sink)}\n`);
  const stop = () => process.exit(0);
  process.stdin.on('end', stop).on('close', stop).resume();
  setTimeout(stop, (RUNS * TIMEOUT) + 60_000).unref();
} else {
  const { Socket } = await import('kvsocket');
  const chunks = Array.from({ length: 256 }, (_, k) => {
    const c = new Uint8Array(CHUNK);
    for (let j = 0; j < CHUNK; j++) c[j] = byteAt(k * CHUNK + j);
    return c;
  });
  const server = spawn(process.execPath, [new URL(import.meta.url).pathname, 'server'], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env } });
  const [line] = await once(createInterface({ input: server.stdout }), 'line');
  const [url, sinkPort] = line.split(' ');

  const upload = () => new Promise((resolve) => {
    const s = new Socket({ proxy: `wisp+${url}` });
    let k = 0;
    const n = TOTAL / CHUNK;
    let drains = 0;
    const timer = setTimeout(() => {
      const info = `written ${k}/${n} chunks, buffered ${s.bufferedAmount()}, needsDrain ${s.needsDrain()}, drains ${drains}, ${s.status(true)}`;
      s.destroy();
      resolve(`stalled (${info})`);
    }, TIMEOUT);
    const pump = () => {
      while (k < n) {
        s.write(chunks[k % 256]);
        k++;
        if (s.bufferedAmount() > MiB) return;
      }
    };
    s.connectedEvent = pump;
    s.drainEvent = () => { drains++; pump(); };
    s.dataAvailableEvent = () => {
      const answer = new TextDecoder().decode(s.readBytes());
      clearTimeout(timer);
      s.destroy();
      resolve(answer === '!' ? 'ok' : `corrupt ${answer}`);
    };
    s.errorEvent = (code) => { clearTimeout(timer); resolve(`error ${code}: ${s.lastError()}`); };
    s.connect('127.0.0.1', Number(sinkPort));
  });

  const tally = {};
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    const outcome = await upload();
    console.log(`run ${r + 1}: ${outcome} (${Math.round(performance.now() - t0)} ms)`);
    const kind = outcome.split(' ')[0];
    tally[kind] = (tally[kind] ?? 0) + 1;
    await new Promise((r2) => setTimeout(r2, 20));
  }
  console.log(JSON.stringify({ runs: RUNS, mib: TOTAL / MiB, ...tally }));
  server.stdin.end();
  process.exit(0);
}
