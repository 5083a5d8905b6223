// connect()'s secureTransport on Node (docs/connect.md): 'on' against openssl s_server, an
// untrusted certificate refused by name, and 'starttls' against the STARTTLS line server:
// plaintext first, then startTls() returns a new socket whose streams speak TLS while the old
// one's error and its closed resolves with the handshake.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'kvsocket';
import { makeCerts, sServer } from './servers.js';
import { startTlsServer } from './starttls-server.js';

let certs;
before(() => { certs = makeCerts(); });
after(() => certs.remove());

const T = { timeout: 15_000 };
const enc = (t) => new TextEncoder().encode(t);
const dec = (b) => new TextDecoder().decode(b);

/** Reads from `reader` until the text ends with `end`. */
async function readUntil(reader, end) {
  let got = '';
  while (!got.endsWith(end)) {
    const { value, done } = await reader.read();
    assert.equal(done, false, `the stream ended after ${JSON.stringify(got)}`);
    got += dec(value);
  }
  return got;
}

test("secureTransport 'on': opened after the handshake, bytes through TLS (s_server -rev reverses lines)", T, async (t) => {
  const server = await sServer(certs);
  t.after(() => server.close());
  const sock = connect(`127.0.0.1:${server.port}`, { secureTransport: 'on', tls: { ca: certs.ca, servername: 'localhost' } });
  assert.equal(sock.secureTransport, 'on');
  assert.equal((await sock.opened).remoteAddress, `127.0.0.1:${server.port}`);
  await sock.writable.getWriter().write(enc('hello\n'));
  assert.equal(await readUntil(sock.readable.getReader(), '\n'), 'olleh\n');
  assert.throws(() => sock.startTls(), { name: 'TypeError', message: /secureTransport: 'starttls'/ });
  await sock.close();
});

test("secureTransport 'on' without the test CA: opened and closed reject with TlsCertificateUnknownIssuer", T, async (t) => {
  const server = await sServer(certs);
  t.after(() => server.close());
  const sock = connect({ hostname: '127.0.0.1', port: server.port }, { secureTransport: 'on', tls: { servername: 'localhost' } });
  await assert.rejects(sock.opened, { code: 'TlsCertificateUnknownIssuer' });
  await assert.rejects(sock.closed, { code: 'TlsCertificateUnknownIssuer' });
});

test("secureTransport 'starttls': plaintext, then startTls() gives a new socket over TLS; the old one is spent", T, async (t) => {
  const server = await startTlsServer(certs);
  t.after(() => server.close());
  const plain = connect(`127.0.0.1:${server.port}`, { secureTransport: 'starttls', tls: { ca: certs.ca } });
  assert.throws(() => connect('127.0.0.1:1', { secureTransport: 'off' }).startTls(), { name: 'TypeError' });
  const reader = plain.readable.getReader();
  const writer = plain.writable.getWriter();
  assert.equal(await readUntil(reader, '\r\n'), '220 ready\r\n');
  await writer.write(enc('STARTTLS\r\n'));
  assert.equal(await readUntil(reader, '\r\n'), '220 go ahead\r\n');
  reader.releaseLock();
  writer.releaseLock();

  const secure = plain.startTls({ expectedServerHostname: 'localhost' });
  assert.notEqual(secure, plain);
  assert.equal(secure.upgraded, true);
  assert.equal(plain.upgraded, false);
  assert.equal((await secure.opened).remoteAddress, `127.0.0.1:${server.port}`);
  await plain.closed; // resolved by the handshake
  await assert.rejects(plain.writable.getWriter().write(enc('x')), { name: 'TypeError', message: /upgraded by startTls/ });
  assert.throws(() => plain.startTls(), { name: 'TypeError', message: /already upgraded/ });

  await secure.writable.getWriter().write(enc('secret\n'));
  assert.equal(await readUntil(secure.readable.getReader(), '\n'), 'terces\n');
  await secure.close();
  await secure.closed;
});

test("startTls() whose certificate is not trusted: the new socket's opened and the old one's closed reject with the name", T, async (t) => {
  const server = await startTlsServer(certs);
  t.after(() => server.close());
  const plain = connect(`127.0.0.1:${server.port}`, { secureTransport: 'starttls' });
  const reader = plain.readable.getReader();
  const writer = plain.writable.getWriter();
  await readUntil(reader, '\r\n');
  await writer.write(enc('STARTTLS\r\n'));
  await readUntil(reader, '\r\n');
  reader.releaseLock();
  writer.releaseLock();
  const secure = plain.startTls({ expectedServerHostname: 'localhost' });
  await assert.rejects(secure.opened, { code: 'TlsCertificateUnknownIssuer' });
  await assert.rejects(plain.closed, { code: 'TlsCertificateUnknownIssuer' });
  await assert.rejects(secure.closed, { code: 'TlsCertificateUnknownIssuer' });
});

test('startTls() right after connect(), before opened: the handshake starts once the connection is open', T, async (t) => {
  const server = await sServer(certs);
  t.after(() => server.close());
  const plain = connect(`127.0.0.1:${server.port}`, { secureTransport: 'starttls', tls: { ca: certs.ca, servername: 'localhost' } });
  const secure = plain.startTls();
  await secure.opened;
  await plain.closed;
  await secure.writable.getWriter().write(enc('early\n'));
  assert.equal(await readUntil(secure.readable.getReader(), '\n'), 'ylrae\n');
  await secure.close();
});

test('startTls() on a closed socket throws; on a refused one the new socket rejects with the refusal', T, async (t) => {
  const server = await sServer(certs);
  t.after(() => server.close());
  const closed = connect(`127.0.0.1:${server.port}`, { secureTransport: 'starttls' });
  await closed.opened;
  await closed.close();
  assert.throws(() => closed.startTls(), { name: 'SocketError', message: /startTls needs status Connected/ });
  const refused = connect('127.0.0.1:1', { secureTransport: 'starttls' });
  const after = refused.startTls();
  await assert.rejects(after.opened, { code: 'ConnectionRefused' });
  await assert.rejects(refused.closed, { code: 'ConnectionRefused' });
});
