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
import { checkEvents, summary, MiB } from './connection.js';

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
    const { soakConnection } = await import('/tests/soak/connection.js');
    const hex = async (data) => [...new Uint8Array(await crypto.subtle.digest('SHA-256', data))]
      .map((b) => b.toString(16).padStart(2, '0')).join('');
    // One connection (connection.js), its bytes kept for one digest at the end.
    const run = (kind, proxyTemplate, data) => {
      const chunks = [];
      return soakConnection(new Socket({ proxy: proxyTemplate }), { kind, port, header: 'echo\n', data, onBytes: (b) => chunks.push(b) })
        .then((seen) => Object.assign(seen, { chunks }));
    };
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
        problems: s.problems, received: s.received, disconnectError: s.disconnectError, error: s.error,
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
const fail = (what) => problems.push(what);
let bytesLost = 0;
let echoed = 0;
for (const s of result) {
  checkEvents(s, fail);
  if (s.kind === 'echo') {
    echoed += s.received;
    if (!s.equal) bytesLost += BYTES - Math.min(BYTES, s.received) || BYTES;
    if (s.disconnectError !== '') fail(`echo: disconnected '${s.disconnectError}'`);
  }
  if (s.kind === 'killed' && !s.error) fail(`killed: ended without an error (${JSON.stringify(s.counts)})`);
}
for (const e of result.pageErrors ?? []) fail(`page error: ${e}`);
const echo = result.filter((s) => s.kind === 'echo');
console.log(`soak browser: ${echo.length} connections × ${MiB(BYTES)} echoed through kvsocket-proxy from headless Chromium, sha256 checked (${MiB(2 * echoed)} moved), ${Math.round(performance.now() - started)} ms`);
console.log(`  faults: proxy killed mid-transfer ${result.length - echo.length}: exactly one end each, with an error, none after destroy()`);
console.log(summary(echo, bytesLost));
if (bytesLost) fail(`${bytesLost} bytes lost`);
for (const p of problems.slice(0, 30)) console.error(`  PROBLEM ${p}`);
process.exitCode = problems.length ? 1 : 0;
