// kvsocket/tls against real TLS servers on 127.0.0.1: `openssl s_server -rev` with certificates of
// the test CA (tls.connect: bytes both ways, authorized, protocol; each certificate fault an
// 'error' with node:tls's code beside KVIrc's name), and the STARTTLS line server
// (tls.connect({ socket }): the upgrade of a kvsocket/net socket; plaintext sent before the
// handshake stays with the old stream, nothing is read twice).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'kvsocket/net';
import tls from 'kvsocket/tls';
import { makeCerts, sServer } from './servers.js';
import { startTlsServer } from './starttls-server.js';
import { startProxy } from 'kvsocket/proxy';

let certs;
const servers = {};
before(async () => {
  certs = makeCerts();
  for (const cert of ['server', 'wrongname', 'expired']) servers[cert] = await sServer(certs, { cert });
});
after(async () => { for (const s of Object.values(servers)) await s.close(); certs.remove(); });

/** The next line from `stream`. */
function lines(stream) {
  let buf = '';
  const waiting = [];
  const ready = [];
  stream.on('data', (d) => {
    buf += d.toString('utf8');
    let i;
    while ((i = buf.indexOf('\n')) >= 0) { ready.push(buf.slice(0, i).replace(/\r$/, '')); buf = buf.slice(i + 1); }
    while (ready.length && waiting.length) waiting.shift()(ready.shift());
  });
  return () => (ready.length ? Promise.resolve(ready.shift()) : new Promise((r) => waiting.push(r)));
}

test('tls.connect to s_server with the test CA: connect then secureConnect, authorized, TLS 1.3, bytes both ways', { timeout: 10_000 }, async () => {
  const order = [];
  const s = tls.connect({ host: '127.0.0.1', port: servers.server.port, ca: certs.ca }, () => order.push('cb'));
  s.on('connect', () => order.push('connect'));
  s.on('secureConnect', () => order.push('secureConnect'));
  try {
    assert.ok(s instanceof net.Socket, 'a kvsocket/net Socket');
    assert.equal(s.encrypted, true);
    await once(s, 'secureConnect');
    assert.deepEqual(order, ['connect', 'cb', 'secureConnect']);
    assert.equal(s.authorized, true);
    assert.equal(s.authorizationError, null);
    assert.equal(s.getProtocol(), 'TLSv1.3');
    assert.equal(s.getPeerCertificate().subject.CN, 'localhost');
    assert.equal(s.alpnProtocol, false);
    const line = lines(s);
    s.write('hello tls\n');
    assert.equal(await line(), 'slt olleh'); // s_server -rev reverses bytes: ASCII here
  } finally { s.destroy(); }
});

test('tls.connect(port, host, options): TLS 1.2 server gives getProtocol() TLSv1.2', { timeout: 10_000 }, async (t) => {
  const v12 = await sServer(certs, { version: 'tls1_2' });
  t.after(() => v12.close());
  const s = tls.connect(v12.port, 'localhost', { ca: certs.ca });
  try {
    await once(s, 'secureConnect');
    assert.equal(s.getProtocol(), 'TLSv1.2');
    assert.equal(s.authorized, true);
  } finally { s.destroy(); }
});

test('tls.connect through kvsocket-proxy\'s Wisp endpoint (the proxy option): TLS end to end, authorized', { timeout: 10_000 }, async (t) => {
  const proxy = await startProxy({ allow: [`127.0.0.1:${servers.server.port}`], log: () => {} });
  t.after(() => proxy.close());
  const s = tls.connect({ host: '127.0.0.1', port: servers.server.port, ca: certs.ca, proxy: `wisp+ws://127.0.0.1:${proxy.port}/wisp/` });
  try {
    await once(s, 'secureConnect');
    assert.equal(s.authorized, true);
    const line = lines(s);
    s.write('over wisp\n');
    assert.equal(await line(), 'psiw revo');
  } finally { s.destroy(); }
});

test('tls.connect({ socket }) over a socket still connecting: the handshake starts once it is up (as node:tls)', { timeout: 10_000 }, async () => {
  const plain = net.connect(servers.server.port, '127.0.0.1');
  assert.equal(plain.connecting, true);
  const s = tls.connect({ socket: plain, servername: 'localhost', ca: certs.ca });
  const line = lines(s);
  s.write('early\n'); // before the connection is up: sent encrypted, after the handshake
  try {
    await once(s, 'secureConnect');
    assert.equal(s.authorized, true);
    assert.equal(await line(), 'ylrae');
    s.write('late\n');
    assert.equal(await line(), 'etal');
  } finally { s.destroy(); }
});

test('ALPNProtocols: the protocol the server picked is alpnProtocol', { timeout: 10_000 }, async (t) => {
  const alpn = await sServer(certs, { extra: ['-alpn', 'kv/1'] });
  t.after(() => alpn.close());
  const s = tls.connect({ port: alpn.port, host: 'localhost', ca: certs.ca, ALPNProtocols: ['h2', Buffer.from('kv/1')] });
  try {
    await once(s, 'secureConnect');
    assert.equal(s.alpnProtocol, 'kv/1');
  } finally { s.destroy(); }
});

for (const [what, cert, options, code, kvircCode] of [
  ['no trusted root (no ca)', 'server', {}, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'TlsCertificateUnknownIssuer'],
  ['a name the certificate is not for', 'wrongname', { ca: true }, 'ERR_TLS_CERT_ALTNAME_INVALID', 'TlsCertificateNameMismatch'],
  ['an expired certificate', 'expired', { ca: true }, 'CERT_HAS_EXPIRED', 'TlsCertificateExpired'],
]) {
  test(`tls.connect refuses ${what}: 'error' with code ${code}, kvircCode ${kvircCode}; no secureConnect`, { timeout: 10_000 }, async () => {
    const s = tls.connect({ host: '127.0.0.1', port: servers[cert].port, ...(options.ca ? { ca: certs.ca } : {}) });
    s.on('secureConnect', () => assert.fail('secureConnect on a refused certificate'));
    const [err] = await once(s, 'error');
    assert.equal(err.code, code);
    assert.equal(err.kvircCode, kvircCode);
    assert.equal(net.NODE_CODES[kvircCode], code);
    assert.equal(s.destroyed, true);
  });
}

test('rejectUnauthorized: false connects to a bad certificate with authorized false and authorizationError', { timeout: 10_000 }, async () => {
  const s = tls.connect({ host: 'localhost', port: servers.wrongname.port, ca: certs.ca, rejectUnauthorized: false });
  try {
    await once(s, 'secureConnect');
    assert.equal(s.authorized, false);
    assert.equal(s.authorizationError, 'ERR_TLS_CERT_ALTNAME_INVALID');
  } finally { s.destroy(); }
});

test('tls.connect refuses an option it does not take, by name (TypeError)', () => {
  assert.throws(() => tls.connect({ port: 1, checkServerIdentity: () => undefined }), { name: 'TypeError', message: /checkServerIdentity/ });
  assert.throws(() => tls.connect({ port: 1, ALPNProtocols: 'h2' }), { name: 'TypeError', message: /ALPNProtocols/ });
  assert.throws(() => tls.connect({ socket: {} }), { name: 'TypeError', message: /kvsocket\/net Socket/ });
  assert.throws(() => new tls.TLSSocket(), { name: 'TypeError', message: /tls\.connect/ });
  const unconnected = new net.Socket();
  assert.throws(() => tls.connect({ socket: unconnected }), { code: 'ERR_SOCKET_CLOSED', message: /connected \(or connecting\) kvsocket\/net Socket/ });
  unconnected.destroy();
});

test('tls.connect({ socket }) upgrades a kvsocket/net socket: plaintext before stays with the old stream, the rest comes secured', { timeout: 10_000 }, async (t) => {
  const server = await startTlsServer(certs, { early: 'plain before the handshake\r\n' });
  t.after(() => server.close());
  const plain = net.connect(server.port, '127.0.0.1');
  const plainLine = lines(plain);
  try {
    assert.equal(await plainLine(), '220 ready');
    plain.write('STARTTLS\r\n');
    assert.equal(await plainLine(), '220 go ahead');
    // The early line may or may not have been pushed yet: either way it reaches the old stream.
    const early = plainLine();
    const s = tls.connect({ socket: plain, servername: 'localhost', ca: certs.ca });
    assert.equal(await early, 'plain before the handshake');
    await once(s, 'secureConnect');
    assert.equal(s.authorized, true);
    assert.equal(s.servername, 'localhost');
    const line = lines(s);
    s.write('secured\n');
    assert.equal(await line(), 'deruces');
    const closed = once(plain, 'close');
    s.destroy();
    await closed; // the old stream closes with the new one
  } finally { plain.destroy(); }
});
