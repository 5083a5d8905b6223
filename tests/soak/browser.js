// The browser soak (`npm run soak`, a short one in `npm test`): headless Chromium runs the
// browser Socket through kvsocket-proxy; each connection sends pseudo-random bytes to the echo
// target (tests/soak/target.js) and checks what comes back with SHA-256 (crypto.subtle). Beside
// them, connections through a second proxy process that is killed (SIGKILL) mid-transfer: each
// must end exactly once, with an error, and nothing may come after.
//
//   node tests/soak/browser.js [CONNECTIONS [BYTES]]     (default 100 × 1 MiB)
import { fileURLToPath } from 'node:url';
import { launchChromium, servePackage } from '../browser/harness.js';
import { startChild as child } from './child.js';

const CONNECTIONS = Number(process.argv[2] ?? 100);
const BYTES = Number(process.argv[3] ?? 1 << 20);
const KILLED = Math.max(5, Math.round(CONNECTIONS / 10));
const started = performance.now();
const here = (file) => fileURLToPath(new URL(file, import.meta.url));

const PROXY = `
  const { startProxy } = await import(${JSON.stringify(new URL('../../js/proxy/server.js', import.meta.url).href)});
  const proxy = await startProxy({ listen: '127.0.0.1:0', allow: ['127.0.0.1:*'], log: () => {} });
  console.log(proxy.url);
  process.stdin.on('end', async () => { await proxy.close(); process.exit(0); });
  process.stdin.resume();`;

const target = await child([here('./target.js')], { LIFETIME_S: '600' });
const proxy = await child(['--input-type=module', '-e', PROXY]);
const doomed = await child(['--input-type=module', '-e', PROXY]);
const web = await servePackage({ extra: ['/tests/soak/'] });
const browser = await launchChromium();
let result;
try {
  const page = await browser.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(web.url);
  // Kill the second proxy while its connections are mid-transfer.
  setTimeout(() => doomed.kill(), 1000);
  result = await page.evaluate(async ({ port, proxyUrl, doomedUrl, connections, bytes, killed }) => {
    const { Socket } = await import('/js/browser/index.js');
    const { bytesFor } = await import('/tests/soak/bytes.js');
    const CHUNK = 64 << 10;
    const hex = async (data) => [...new Uint8Array(await crypto.subtle.digest('SHA-256', data))]
      .map((b) => b.toString(16).padStart(2, '0')).join('');
    const run = (kind, proxyTemplate, data) => new Promise((resolve) => {
      const sock = new Socket({ proxy: proxyTemplate });
      const seen = { kind, events: 0, counts: {}, afterEnd: [], afterDestroy: 0, chunks: [], received: 0, thrown: [] };
      let ended = false;
      let destroyed = false;
      const count = (type) => {
        seen.events++;
        seen.counts[type] = (seen.counts[type] ?? 0) + 1;
        if (destroyed) seen.afterDestroy++;
        else if (ended) seen.afterEnd.push(type);
      };
      const finish = () => setTimeout(() => { sock.destroy(); destroyed = true; setTimeout(() => resolve(seen), 50); }, 50);
      let at = 0;
      const pump = () => {
        while (at < data.length && sock.status() === 3) {
          const end = Math.min(data.length, at + CHUNK);
          sock.write(data.subarray(at, end));
          at = end;
          if (sock.bufferedAmount() > (1 << 20)) return;
        }
      };
      sock.connectedEvent = () => { count('connected'); sock.write('echo\n'); pump(); };
      sock.drainEvent = () => { count('drain'); pump(); };
      sock.dataAvailableEvent = () => {
        count('dataAvailable');
        const b = sock.readBytes();
        seen.chunks.push(b);
        seen.received += b.length;
        if (kind === 'echo' && seen.received === data.length) sock.close();
      };
      sock.errorEvent = (code) => { count('error'); seen.error = code; };
      sock.connectFailedEvent = () => count('connectFailed');
      sock.stateChangedEvent = (name) => {
        count('stateChanged');
        if (name === 'Unconnected' && seen.counts.connectFailed && !ended) { ended = true; finish(); }
      };
      sock.disconnectEvent = (error) => { count('disconnected'); seen.disconnectError = error; ended = true; finish(); };
      sock.connect('127.0.0.1', port);
    });
    const jobs = [];
    const sums = [];
    for (let i = 0; i < connections; i++) {
      const data = bytesFor(i + 1, bytes);
      sums.push(await hex(data));
      jobs.push(run('echo', proxyUrl, data));
    }
    for (let i = 0; i < killed; i++) jobs.push(run('killed', doomedUrl, bytesFor(1e6 + i, 64 * bytes)));
    const results = await Promise.all(jobs);
    const out = [];
    for (const [i, s] of results.entries()) {
      const all = new Uint8Array(s.received);
      let o = 0;
      for (const c of s.chunks) { all.set(c, o); o += c.length; }
      out.push({
        kind: s.kind, events: s.events, counts: s.counts, afterEnd: s.afterEnd, afterDestroy: s.afterDestroy,
        received: s.received, disconnectError: s.disconnectError, error: s.error,
        equal: s.kind === 'echo' ? (await hex(all)) === sums[i] : null,
      });
    }
    return out;
  }, {
    port: Number(target.line),
    proxyUrl: `${proxy.line}?host={host}&port={port}`,
    doomedUrl: `${doomed.line}?host={host}&port={port}`,
    connections: CONNECTIONS,
    bytes: BYTES,
    killed: KILLED,
  });
  if (pageErrors.length) result.pageErrors = pageErrors;
} finally {
  await browser.close();
  web.close();
  await proxy.stop();
  await target.stop();
  await doomed.exited;
}

const problems = [];
let bytesLost = 0;
let echoed = 0;
for (const s of result) {
  if (s.afterDestroy) problems.push(`${s.kind}: ${s.afterDestroy} events after destroy()`);
  if (s.afterEnd.length) problems.push(`${s.kind}: events after the end: ${s.afterEnd.join(', ')}`);
  const ends = (s.counts.disconnected ?? 0) + (s.counts.connectFailed ?? 0);
  if (ends !== 1) problems.push(`${s.kind}: ${ends} ends for one attempt (${JSON.stringify(s.counts)})`);
  if (s.kind === 'echo') {
    echoed += s.received;
    if (!s.equal) bytesLost += BYTES - Math.min(BYTES, s.received) || BYTES;
    if (s.disconnectError !== '') problems.push(`echo: disconnected '${s.disconnectError}'`);
  }
  if (s.kind === 'killed' && !s.error) problems.push(`killed: ended without an error (${JSON.stringify(s.counts)})`);
}
for (const e of result.pageErrors ?? []) problems.push(`page error: ${e}`);
const echo = result.filter((s) => s.kind === 'echo');
const per = echo.map((s) => s.events);
const MiB = (n) => (n >= 1048576 ? `${(n / 1048576).toFixed(0)} MiB` : `${(n / 1024).toFixed(0)} KiB`);
console.log(`soak browser: ${echo.length} connections × ${MiB(BYTES)} echoed through kvsocket-proxy from headless Chromium, sha256 checked (${MiB(2 * echoed)} moved), ${Math.round(performance.now() - started)} ms`);
console.log(`  faults: proxy killed mid-transfer ${result.length - echo.length}: exactly one end each, with an error, none after destroy()`);
console.log(`  events per echo connection: min ${Math.min(...per)}, mean ${(per.reduce((a, b) => a + b, 0) / per.length).toFixed(1)}, max ${Math.max(...per)}`);
console.log(`  bytes lost: ${bytesLost}`);
if (bytesLost) problems.push(`${bytesLost} bytes lost`);
for (const p of problems.slice(0, 30)) console.error(`  PROBLEM ${p}`);
process.exitCode = problems.length ? 1 : 0;
