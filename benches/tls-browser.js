// `npm run bench` TLS rows in Chromium (benches/tls.sh): a GET of SIZE bytes from nginx over TLS
// through kvsocket-proxy's Wisp endpoint, by kvsocket (the page's TLS module under the engine)
// and by epoxy-tls (npm @mercuryworkshop/epoxy-tls 2.1.19-1, its `connect_tls` stream, "full"
// build), to the same nginx through the same Wisp server. epoxy-tls cannot be given a CA, so it
// runs with disable_certificate_validation (less work for it); kvsocket checks the test CA.
// Prints MiB/s (best of RUNS) and the page's CPU per MiB (Chrome's process CPU time over the run).
import { createHash, randomBytes } from 'node:crypto';
import { startProxy } from '../js/proxy/server.js';
import { makeCerts, nginxTls } from '../tests/tls/servers.js';
import { openPackagePage } from '../tests/browser/harness.js';

const SIZE = 32 * 1024 * 1024;
const RUNS = 3;
const body = randomBytes(SIZE);
const digest = createHash('sha256').update(body).digest('hex');
const certs = makeCerts();
const nginx = await nginxTls(certs, { 'big.bin': body });
const proxy = await startProxy({ allow: ['127.0.0.1:1-65535', 'localhost:1-65535'], log: () => {} });
const { page, close } = await openPackagePage({ extra: ['/node_modules/@mercuryworkshop/epoxy-tls/'] });
const cdp = await page.context().newCDPSession(page);
const cpu = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration').value;
await cdp.send('Performance.enable');

const wisp = `ws://127.0.0.1:${proxy.port}/wisp/`;
const request = 'GET /big.bin HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n';

async function kvsocketGet({ wisp, port, ca, request, size }) {
  const { Socket } = await import('/js/browser/index.js');
  return new Promise((resolve, reject) => {
    const sock = new Socket({ proxy: `wisp+${wisp}`, tls: { ca, servername: 'localhost' } });
    let got = 0;
    let t0 = 0;
    sock.connectedEvent = () => { t0 = performance.now(); sock.write(request); };
    sock.dataAvailableEvent = () => { got += sock.readBytes().length; };
    sock.connectFailedEvent = (why) => reject(new Error(why));
    sock.disconnectEvent = () => { got += sock.readBytes().length; sock.destroy(); resolve({ got, ms: performance.now() - t0, ok: got > size }); };
    sock.connect('127.0.0.1', port);
  });
}

async function epoxyGet({ wisp, port, request, size }) {
  const mod = await import('/node_modules/@mercuryworkshop/epoxy-tls/full/epoxy-bundled.js');
  await mod.default();
  const options = new mod.EpoxyClientOptions();
  options.disable_certificate_validation = true;
  const client = new mod.EpoxyClient(wisp, options);
  const stream = await client.connect_tls(`tls://localhost:${port}`);
  const t0 = performance.now(); // after the handshake, as kvsocket's (connectedEvent)
  const writer = stream.write.getWriter();
  await writer.write(new TextEncoder().encode(request));
  const reader = stream.read.getReader();
  let got = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    got += value.byteLength;
  }
  return { got, ms: performance.now() - t0, ok: got > size };
}

const rows = { kvsocket: kvsocketGet, 'epoxy-tls': epoxyGet };
const results = {};
for (const [name, fn] of Object.entries(rows)) {
  let best = 0;
  let cpuPerMiB = Infinity;
  for (let i = 0; i < RUNS; i++) {
    const c0 = await cpu();
    const r = await page.evaluate(fn, { wisp, port: nginx.port, ca: certs.ca, request, size: SIZE });
    const c1 = await cpu();
    if (!r.ok) throw new Error(`${name}: got ${r.got} bytes`);
    best = Math.max(best, SIZE / 1048576 / (r.ms / 1000));
    cpuPerMiB = Math.min(cpuPerMiB, ((c1 - c0) * 1000) / (SIZE / 1048576));
  }
  results[name] = { best, cpuPerMiB };
  console.log(`TLS download ${SIZE >> 20} MiB in Chromium over Wisp, ${name}: ${best.toFixed(1)} MiB/s, ${cpuPerMiB.toFixed(1)} ms CPU (page main thread) per MiB`);
}
console.log(`kvsocket / epoxy-tls throughput: ${(results.kvsocket.best / results['epoxy-tls'].best).toFixed(2)}x (sha256 of the body ${digest.slice(0, 12)}…)`);
await close();
await proxy.close();
await nginx.close();
certs.remove();
