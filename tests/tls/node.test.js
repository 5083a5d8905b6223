// TLS through the public API on Node (node:tls under the engine's TLS phase): `tls` on connect
// against openssl s_server (TLS 1.2 and 1.3), STARTTLS against a line protocol, and the
// refusals, each a connectFailed with its error name, none hung.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Socket, TCPSocket } from 'kvsocket';
import { makeCerts, sServer } from './servers.js';
import { startTlsServer } from './starttls-server.js';
import { first, readUntil, untilGoAhead } from './events.js';

let certs;
before(() => { certs = makeCerts(); });
after(() => certs.remove());

const T = { timeout: 15_000 };

for (const version of ['tls1_2', 'tls1_3']) {
  test(`tls: connect to s_server (${version}): connected after the handshake, data both ways, tlsInfo`, T, async () => {
    const server = await sServer(certs, { version });
    const sock = new Socket({ tls: { ca: certs.ca } });
    try {
      const states = [];
      sock.addEventListener('stateChanged', (e) => states.push(e.detail.name));
      assert.equal(sock.connect('localhost', server.port), true);
      assert.equal(sock.tlsInfo(), null);
      const [type] = await first(sock, ['connected', 'connectFailed']);
      assert.equal(type, 'connected', sock.lastError());
      assert.deepEqual(states.slice(-2), ['Connecting', 'Connected']);
      sock.write('hello tls\n');
      assert.equal(await readUntil(sock, '\n'), 'slt olleh\n');
      const info = sock.tlsInfo();
      assert.equal(info.protocol, version === 'tls1_2' ? 'TLSv1.2' : 'TLSv1.3');
      assert.match(info.cipher, /^TLS_/);
      assert.equal(info.servername, 'localhost');
      assert.equal(info.authorized, true);
      assert.equal(info.peerCertificate.subject.CN, 'localhost');
      assert.equal(info.peerCertificate.issuer.CN, 'kvsocket test CA');
      assert.match(info.peerCertificate.validTo, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.match(info.peerCertificate.fingerprint256, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    } finally { sock.destroy(); await server.close(); }
  });
}

test('tls refusals: unknown CA, wrong name, expired, plaintext server: connectFailed with the name', T, async () => {
  const plain = net.createServer((s) => s.end('220 localhost ESMTP plaintext\r\n'));
  await new Promise((r) => plain.listen(0, '127.0.0.1', r));
  const cases = [
    ['server', {}, 'TlsCertificateUnknownIssuer'],
    ['wrongname', { ca: certs.ca }, 'TlsCertificateNameMismatch'],
    ['expired', { ca: certs.ca }, 'TlsCertificateExpired'],
    [null, { ca: certs.ca }, 'TlsProtocolError'],
  ];
  try {
    for (const [cert, tls, name] of cases) {
      const server = cert ? await sServer(certs, { cert }) : { port: plain.address().port, close() {} };
      const sock = new Socket({ tls });
      try {
        const errors = [];
        sock.addEventListener('error', (e) => errors.push(e.detail.code));
        sock.connect('localhost', server.port);
        const [type, detail] = await first(sock, ['connected', 'connectFailed']);
        assert.equal(type, 'connectFailed', `${name}: connected`);
        assert.equal(detail.code, name);
        assert.match(detail.reason, /^TLS/);
        assert.deepEqual(errors, [name]);
        assert.equal(sock.status(true), 'Unconnected');
      } finally { sock.destroy(); await server.close(); }
    }
  } finally { plain.close(); }
});

test('tls: rejectUnauthorized false connects and says why it is not authorized', T, async () => {
  const server = await sServer(certs, {});
  const sock = new Socket({ tls: { rejectUnauthorized: false } });
  try {
    sock.connect('localhost', server.port);
    const [type] = await first(sock, ['connected', 'connectFailed']);
    assert.equal(type, 'connected');
    assert.equal(sock.tlsInfo().authorized, false);
    assert.equal(sock.tlsInfo().authorizationError, 'TlsCertificateUnknownIssuer');
  } finally { sock.destroy(); await server.close(); }
});

test('startTls: STARTTLS over a line protocol; bytes before the upgrade read once, as plaintext', T, async () => {
  const server = await startTlsServer(certs);
  const sock = new Socket();
  try {
    let secured = 0;
    sock.secureEvent = () => { secured++; };
    sock.connect('localhost', server.port);
    await first(sock, ['connected']);
    assert.equal(await readUntil(sock, '220 ready\r\n'), '220 ready\r\n');
    sock.write('STARTTLS\r\n');
    // "220 go ahead" arrives in clear and is left unread across the upgrade.
    await new Promise((r) => { const w = () => (sock.bytesAvailable() >= 14 ? r() : setTimeout(w, 5)); w(); });
    assert.equal(sock.startTls({ ca: certs.ca }), true);
    assert.equal(sock.startTls({ ca: certs.ca }), false, 'a second upgrade is refused');
    assert.match(sock.lastError(), /already secured or being secured/);
    const done = first(sock, ['secure', 'disconnected']);
    sock.write('ping\n'); // written during the handshake: sent encrypted after it
    const [type] = await done;
    assert.equal(type, 'secure');
    assert.equal(secured, 1);
    assert.equal(await readUntil(sock, 'gnip\n'), '220 go ahead\r\ngnip\n');
    assert.equal(sock.tlsInfo().servername, 'localhost');
    assert.equal(sock.tlsInfo().authorized, true);
  } finally { sock.destroy(); await server.close(); }
});

test('startTls: a refused certificate ends the connection with its error name', T, async () => {
  const server = await startTlsServer(certs, { cert: 'wrongname' });
  const sock = new Socket();
  try {
    const errors = [];
    sock.addEventListener('error', (e) => errors.push(e.detail.code));
    await untilGoAhead(sock, 'localhost', server.port);
    assert.equal(sock.startTls({ ca: certs.ca }), true);
    const [type, detail] = await first(sock, ['secure', 'disconnected']);
    assert.equal(type, 'disconnected');
    assert.match(detail.error, /^TLS/);
    assert.deepEqual(errors, ['TlsCertificateNameMismatch']);
    assert.equal(sock.tlsInfo(), null);
  } finally { sock.destroy(); await server.close(); }
});

test('tls options: unknown keys and wrong types are TypeErrors; startTls needs a Connected socket', () => {
  assert.throws(() => new Socket({ tls: { sevrername: 'x' } }), { name: 'TypeError', message: /tls: unknown key "sevrername"/ });
  assert.throws(() => new Socket({ tls: 'yes' }), TypeError);
  assert.throws(() => new Socket({ tls: { ca: 5 } }), TypeError);
  assert.throws(() => new Socket({ tls: { rejectUnauthorized: 'no' } }), TypeError);
  assert.throws(() => new Socket({ protocol: 'udp', tls: true }), { name: 'TypeError', message: /tls needs protocol tcp/ });
  const sock = new Socket({ tls: { servername: 'localhost', ca: ['-----BEGIN CERTIFICATE-----'], alpn: ['irc'] } });
  assert.throws(() => sock.startTls({ bogus: 1 }), { name: 'TypeError', message: /unknown key "bogus"/ });
  assert.equal(sock.startTls(), false);
  assert.equal(sock.lastError(), 'startTls needs status Connected, the socket is Unconnected');
  sock.destroy();
  assert.equal(sock.startTls(), false);
});

test('tls: the receive high-water mark pauses reading a TLS connection too; nothing is lost', T, async () => {
  const { readFileSync } = await import('node:fs');
  const tlsMod = await import('node:tls');
  const SIZE = 8 * 1024 * 1024;
  const data = Buffer.alloc(SIZE);
  for (let i = 0; i < SIZE; i++) data[i] = (i * 31 + 7) & 0xff;
  const server = tlsMod.createServer({ cert: readFileSync(certs.file('server.pem')), key: readFileSync(certs.file('server.key')) }, (s) => {
    s.on('error', () => {});
    s.end(data);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const sock = new Socket({ tls: { ca: certs.ca } });
  try {
    sock.setReceiveHighWaterMark(256 * 1024);
    sock.connect('localhost', server.address().port);
    await first(sock, ['connected']);
    await new Promise((r) => setTimeout(r, 300)); // unread: reading stops near the mark
    const held = sock.bytesAvailable();
    assert.ok(held >= 256 * 1024 && held < 2 * 1024 * 1024, `held ${held} bytes unread`);
    const chunks = [];
    const done = first(sock, ['disconnected'], 10_000);
    sock.dataAvailableEvent = () => chunks.push(Buffer.from(sock.readBytes()));
    chunks.push(Buffer.from(sock.readBytes()));
    await done;
    chunks.push(Buffer.from(sock.readBytes()));
    assert.ok(Buffer.concat(chunks).equals(data), 'the 8 MiB arrived whole and in order');
  } finally { sock.destroy(); server.close(); }
});

test("TCPSocket: secureTransport 'on' and 'starttls' (Cloudflare's connect() options)", T, async () => {
  assert.throws(() => new TCPSocket('127.0.0.1', 1, { secureTransport: 'yes' }), TypeError);
  const dec = new TextDecoder();
  async function readLine(reader, until) {
    let got = '';
    while (!got.includes(until)) {
      const { value, done } = await reader.read();
      if (done) break;
      got += dec.decode(value);
    }
    return got;
  }
  const server = await sServer(certs, {});
  const on = new TCPSocket('localhost', server.port, { secureTransport: 'on', tls: { ca: certs.ca } });
  try {
    const { readable, writable } = await on.opened;
    const w = writable.getWriter();
    await w.write(new TextEncoder().encode('direct tls\n'));
    assert.equal(await readLine(readable.getReader(), '\n'), 'slt tcerid\n');
    assert.equal(on.tlsInfo().peerCertificate.subject.CN, 'localhost');
  } finally { await on.close().catch(() => {}); await server.close(); }

  const line = await startTlsServer(certs);
  const st = new TCPSocket('localhost', line.port, { secureTransport: 'starttls', tls: { ca: certs.ca } });
  try {
    const { readable, writable } = await st.opened;
    const r = readable.getReader();
    const w = writable.getWriter();
    assert.equal(await readLine(r, '220 ready\r\n'), '220 ready\r\n');
    await w.write(new TextEncoder().encode('STARTTLS\r\n'));
    assert.equal(await readLine(r, '220 go ahead\r\n'), '220 go ahead\r\n');
    assert.equal(st.tlsInfo(), null);
    await st.startTls();
    await w.write(new TextEncoder().encode('ping\n'));
    assert.equal(await readLine(r, '\n'), 'gnip\n');
    assert.equal(st.tlsInfo().authorized, true);
    r.releaseLock(); w.releaseLock();
  } finally { await st.close().catch(() => {}); await line.close(); }
});

test('toDuplex over TLS: a stream.Duplex of the plaintext, both ways', T, async () => {
  const server = await sServer(certs, { version: 'tls1_3' });
  const sock = new Socket({ tls: { ca: certs.ca } });
  try {
    assert.equal(sock.connect('localhost', server.port), true);
    const duplex = sock.toDuplex();
    const lines = Array.from({ length: 200 }, (_, i) => `line ${i} ${'x'.repeat(i)}\n`);
    const want = lines.map((l) => `${[...l.slice(0, -1)].reverse().join('')}\n`).join('');
    // Written before the handshake is done: the stream waits for connectedEvent.
    for (const line of lines) duplex.write(line);
    let got = '';
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`got ${got.length} of ${want.length} characters`)), 10_000);
      duplex.on('error', reject);
      duplex.on('data', (chunk) => {
        got += chunk.toString();
        if (got.length >= want.length) { clearTimeout(timer); resolve(); }
      });
    });
    assert.equal(got, want);
    assert.equal(sock.tlsInfo().protocol, 'TLSv1.3');
  } finally { sock.destroy(); await server.close(); }
});
