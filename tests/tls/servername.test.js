// The default servername, decided by the engine (src/engine/tls_options.rs, resolve) and handed
// to the host's TLS layer with the startTls action: the name connect() was given, else the IP
// address the connection reached. The same cases on both layers: node:tls (the Node host) and
// the page's TLS module (js/tls/layer.js, over kvsocket-proxy's Wisp endpoint).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Socket } from 'kvsocket';
import { startProxy } from '../../js/proxy/server.js';
import { makeCerts, sServer } from './servers.js';
import { startTlsServer } from './starttls-server.js';
import { first, readUntil } from './events.js';

let certs;
let proxy;
before(async () => {
  certs = makeCerts();
  proxy = await startProxy({ allow: ['127.0.0.1:1-65535'], log: () => {} });
});
after(async () => { certs.remove(); await proxy.close(); });

const T = { timeout: 15_000 };
const LAYERS = [
  ['node:tls', () => ({})],
  ['the TLS module over Wisp', () => ({ proxy: `wisp+ws://127.0.0.1:${proxy.port}/wisp/` })],
];

for (const [layer, base] of LAYERS) {
  test(`${layer}: tls with no servername checks the IP address connected to`, T, async () => {
    // The server certificate holds IP:127.0.0.1: the handshake succeeds against the IP.
    const server = await sServer(certs);
    const sock = new Socket({ ...base(), tls: { ca: certs.ca } });
    try {
      sock.connect('127.0.0.1', server.port);
      const [type] = await first(sock, ['connected', 'connectFailed']);
      assert.equal(type, 'connected', sock.lastError());
      assert.equal(sock.tlsInfo().servername, '127.0.0.1');
      assert.equal(sock.tlsInfo().authorized, true);
    } finally { sock.destroy(); await server.close(); }

    // One for other.test only: the IP is what was checked, and the engine names the refusal.
    const wrong = await sServer(certs, { cert: 'wrongname' });
    const refused = new Socket({ ...base(), tls: { ca: certs.ca } });
    try {
      refused.connect('127.0.0.1', wrong.port);
      const [type, detail] = await first(refused, ['connected', 'connectFailed']);
      assert.equal(type, 'connectFailed');
      assert.equal(detail.code, 'TlsCertificateNameMismatch');
      assert.equal(refused.lastError(), detail.reason);
    } finally { refused.destroy(); await wrong.close(); }
  });

  test(`${layer}: startTls() with no servername checks the IP address connected to`, T, async () => {
    const server = await startTlsServer(certs);
    const sock = new Socket(base());
    try {
      sock.connect('127.0.0.1', server.port);
      await first(sock, ['connected']);
      await readUntil(sock, '220 ready\r\n');
      sock.write('STARTTLS\r\n');
      await readUntil(sock, '220 go ahead\r\n');
      assert.equal(sock.startTls({ ca: certs.ca }), true);
      const [type] = await first(sock, ['secure', 'disconnected']);
      assert.equal(type, 'secure', sock.lastError());
      assert.equal(sock.tlsInfo().servername, '127.0.0.1');
    } finally { sock.destroy(); await server.close(); }
  });
}
