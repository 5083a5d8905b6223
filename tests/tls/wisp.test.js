// TLS inside the process over Wisp (kvsocket-proxy's /wisp/): the page's TLS layer
// (js/tls/layer.js and the wasm module) as Node runs it for Wisp streams. A relay between the
// proxy and the TLS server keeps what the proxy forwarded: none of the plaintext is in it. Last,
// the default servername the engine hands this layer and node:tls alike.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Socket } from 'kvsocket';
import { startProxy } from '../../js/proxy/server.js';
import { makeCerts, sServer, relay } from './servers.js';
import { startTlsServer } from './starttls-server.js';
import { first, readUntil, untilGoAhead } from './events.js';

let certs;
let proxy;
before(async () => {
  certs = makeCerts();
  // Loopback targets on any port: the relays and servers each take a free one.
  proxy = await startProxy({ allow: ['127.0.0.1:1-65535'], log: () => {} });
});
after(async () => { certs.remove(); await proxy.close(); });

const T = { timeout: 15_000 };
const wispUrl = () => `wisp+ws://127.0.0.1:${proxy.port}/wisp/`;

const SECRET = 'the secret line 4f1c9a';
const reversed = (s) => [...s].reverse().join('');

for (const version of ['tls1_2', 'tls1_3']) {
  test(`Wisp + TLS in wasm to s_server (${version}): the proxy forwarded no plaintext`, T, async () => {
    const server = await sServer(certs, { version });
    const tap = await relay(server.port);
    const sock = new Socket({ proxy: wispUrl(), tls: { ca: certs.ca, servername: 'localhost' } });
    try {
      sock.connect('127.0.0.1', tap.port);
      const [type, detail] = await first(sock, ['connected', 'connectFailed']);
      assert.equal(type, 'connected', JSON.stringify(detail));
      sock.write(`${SECRET}\n`);
      assert.equal(await readUntil(sock, '\n'), `${reversed(SECRET)}\n`);
      const info = sock.tlsInfo();
      assert.equal(info.protocol, version === 'tls1_2' ? 'TLSv1.2' : 'TLSv1.3');
      assert.equal(info.servername, 'localhost');
      assert.equal(info.peerCertificate.subject.CN, 'localhost');
      const wire = tap.captured().toString('latin1');
      assert.ok(wire.length > 200, 'the relay saw the TLS records');
      assert.ok(!wire.includes('secret line') && !wire.includes(reversed('secret line')), 'plaintext crossed the proxy');
      // A clean close: close_notify, then the stream's close.
      const end = first(sock, ['disconnected']);
      sock.close();
      assert.equal((await end)[1].error, '');
    } finally { sock.destroy(); await tap.close(); await server.close(); }
  });
}

test('Wisp + TLS in wasm: refusals name the failure (unknown CA, wrong name, expired)', T, async () => {
  for (const [cert, tls, name] of [
    ['server', {}, 'TlsCertificateUnknownIssuer'],
    ['wrongname', { ca: certs.ca }, 'TlsCertificateNameMismatch'],
    ['expired', { ca: certs.ca }, 'TlsCertificateExpired'],
  ]) {
    const server = await sServer(certs, { cert });
    const sock = new Socket({ proxy: wispUrl(), tls: { servername: 'localhost', ...tls } });
    try {
      sock.connect('127.0.0.1', server.port);
      const [type, detail] = await first(sock, ['connected', 'connectFailed']);
      assert.equal(type, 'connectFailed');
      assert.equal(detail.code, name);
    } finally { sock.destroy(); await server.close(); }
  }
});

test('Wisp + STARTTLS in wasm: plaintext before, ciphertext after, nothing lost', T, async () => {
  const server = await startTlsServer(certs);
  const tap = await relay(server.port);
  const sock = new Socket({ proxy: wispUrl() });
  try {
    sock.connect('127.0.0.1', tap.port);
    await first(sock, ['connected']);
    assert.equal(await readUntil(sock, '220 ready\r\n'), '220 ready\r\n');
    sock.write('STARTTLS\r\n');
    await new Promise((r) => { const w = () => (sock.bytesAvailable() >= 14 ? r() : setTimeout(w, 5)); w(); });
    assert.equal(sock.startTls({ ca: certs.ca, servername: 'localhost' }), true);
    const done = first(sock, ['secure', 'disconnected']);
    sock.write(`${SECRET}\n`);
    assert.equal((await done)[0], 'secure');
    assert.equal(await readUntil(sock, `${reversed(SECRET)}\n`), `220 go ahead\r\n${reversed(SECRET)}\n`);
    const wire = tap.captured().toString('latin1');
    assert.ok(wire.includes('STARTTLS\r\n') && wire.includes('220 go ahead'), 'the plaintext part is plaintext');
    assert.ok(!wire.includes('secret line'), 'the secured part is not');
  } finally { sock.destroy(); await tap.close(); await server.close(); }
});

// The default servername, decided by the engine (src/engine/tls_options.rs, resolve) and handed
// to the TLS layer with the startTls action: the name connect() was given, else the IP address
// the connection reached. The same cases on the TLS module over Wisp and on node:tls.
const LAYERS = [
  ['the TLS module over Wisp', () => ({ proxy: wispUrl() })],
  ['node:tls', () => ({})],
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
      await untilGoAhead(sock, '127.0.0.1', server.port);
      assert.equal(sock.startTls({ ca: certs.ca }), true);
      const [type] = await first(sock, ['secure', 'disconnected']);
      assert.equal(type, 'secure', sock.lastError());
      assert.equal(sock.tlsInfo().servername, '127.0.0.1');
    } finally { sock.destroy(); await server.close(); }
  });
}
