// A GET of 16 MiB from nginx over TLS, checked by SHA-256: through node:tls (Node's net
// connections) and through the page's wasm TLS module (a Wisp stream via kvsocket-proxy). The
// 64 MiB transfers are the bench's (benches/tls.js).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Socket } from 'kvsocket';
import { startProxy } from '../../js/proxy/server.js';
import { makeCerts, nginxTls } from './servers.js';

const SIZE = 16 * 1024 * 1024;
const body = randomBytes(SIZE);
const sha = (b) => createHash('sha256').update(b).digest('hex');

let certs;
let nginx;
let proxy;
before(async () => {
  certs = makeCerts();
  nginx = await nginxTls(certs, { 'big.bin': body });
  proxy = await startProxy({ allow: ['127.0.0.1:1-65535'], log: () => {} });
});
after(async () => { await nginx.close(); await proxy.close(); certs.remove(); });

function get(options, host = 'localhost') {
  return new Promise((resolve, reject) => {
    const sock = new Socket(options);
    const chunks = [];
    const timer = setTimeout(() => { sock.destroy(); reject(new Error(`hung after ${chunks.reduce((n, c) => n + c.length, 0)} bytes`)); }, 20_000);
    sock.connectedEvent = () => sock.write('GET /big.bin HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    sock.dataAvailableEvent = () => chunks.push(Buffer.from(sock.readBytes()));
    sock.connectFailedEvent = (why) => { clearTimeout(timer); reject(new Error(why)); };
    sock.disconnectEvent = (error) => {
      clearTimeout(timer);
      chunks.push(Buffer.from(sock.readBytes()));
      const info = sock.tlsInfo();
      sock.destroy();
      const all = Buffer.concat(chunks);
      const end = all.indexOf('\r\n\r\n');
      resolve({ error, head: all.subarray(0, end).toString(), body: all.subarray(end + 4), info });
    };
    sock.connect(host, nginx.port);
  });
}

test('nginx over TLS, node:tls: 16 MiB GET, SHA-256 equal', { timeout: 30_000 }, async () => {
  const r = await get({ tls: { ca: certs.ca } });
  assert.match(r.head, /^HTTP\/1\.1 200 OK/);
  assert.equal(r.body.length, SIZE);
  assert.equal(sha(r.body), sha(body));
  assert.equal(r.error, '');
});

test('nginx over TLS, the wasm TLS module over Wisp: 16 MiB GET, SHA-256 equal', { timeout: 30_000 }, async () => {
  const r = await get({ proxy: `wisp+ws://127.0.0.1:${proxy.port}/wisp/`, tls: { ca: certs.ca, servername: 'localhost' } }, '127.0.0.1');
  assert.match(r.head, /^HTTP\/1\.1 200 OK/);
  assert.equal(r.body.length, SIZE);
  assert.equal(sha(r.body), sha(body));
});
