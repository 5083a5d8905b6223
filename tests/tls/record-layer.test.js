// The TLS module alone (pkg/kvsocket_tls*, js/tls/load.js) over a plain node:net connection to
// `openssl s_server`: the record layer's JS API against a TLS implementation that is not rustls.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { loadTls } from '../../js/tls/load.js';
import { makeCerts, sServer } from './servers.js';

let certs;
let TlsClient;
before(async () => {
  certs = makeCerts();
  ({ TlsClient } = await loadTls());
});
after(() => certs.remove());

// Connects, handshakes, sends `line`, and resolves with { reply, info } or { error }.
function talk(port, opts, line) {
  return new Promise((resolve, reject) => {
    const tls = new TlsClient(opts.servername ?? 'localhost', opts.ca ?? [certs.ca], true, opts.alpn ?? []);
    const sock = net.connect(port, '127.0.0.1');
    let reply = '';
    let sent = false;
    const timer = setTimeout(() => { sock.destroy(); reject(new Error('hung')); }, 5000);
    const done = (v) => { clearTimeout(timer); sock.destroy(); resolve(v); };
    sock.on('connect', () => sock.write(tls.takeCiphertext()));
    sock.on('data', (d) => {
      const plain = tls.feed(d);
      const out = tls.takeCiphertext();
      if (out.length) sock.write(out);
      if (tls.phase() === 3) return done({ error: tls.errorName(), message: tls.errorMessage() });
      if (tls.phase() === 1 && !sent) { sent = true; sock.write(tls.write(new TextEncoder().encode(line))); }
      reply += new TextDecoder().decode(plain);
      if (reply.includes('\n')) done({ reply, info: tls.info() });
    });
    sock.on('error', reject);
    sock.on('close', () => done({ closed: true, error: tls.errorName() }));
  });
}

for (const version of ['tls1_2', 'tls1_3']) {
  test(`s_server ${version}: handshake, a line each way, tlsInfo`, async () => {
    const server = await sServer(certs, { version });
    try {
      const { reply, info, error } = await talk(server.port, {}, 'hello kvsocket\n');
      assert.equal(error, undefined);
      assert.equal(reply, 'tekcosvk olleh\n');
      assert.equal(info.protocol, version === 'tls1_2' ? 'TLSv1.2' : 'TLSv1.3');
      assert.equal(info.authorized, true);
      assert.equal(info.peerCertificate.subject.CN, 'localhost');
      assert.equal(info.peerCertificate.issuer.CN, 'kvsocket test CA');
      assert.match(info.peerCertificate.fingerprint256, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
      assert.ok(new Date(info.peerCertificate.validTo) > new Date());
    } finally { await server.close(); }
  });
}

test('refusals from s_server: unknown CA, wrong name, expired, each named', async () => {
  const cases = [
    [{ cert: 'server' }, { ca: [] }, 'TlsCertificateUnknownIssuer'],
    [{ cert: 'wrongname' }, {}, 'TlsCertificateNameMismatch'],
    [{ cert: 'expired' }, {}, 'TlsCertificateExpired'],
  ];
  for (const [server, opts, name] of cases) {
    const s = await sServer(certs, server);
    try {
      const r = await talk(s.port, opts, 'x\n');
      assert.equal(r.error, name, JSON.stringify(r));
    } finally { await s.close(); }
  }
});

test('a plaintext server is TlsProtocolError, not a hang', async () => {
  const server = net.createServer((s) => s.end('220 localhost ESMTP plaintext\r\n'));
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  try {
    const r = await talk(server.address().port, {}, 'x\n');
    assert.equal(r.error, 'TlsProtocolError');
  } finally { server.close(); }
});

test('bad options throw an Error named TlsInvalidOptions', () => {
  assert.throws(() => new TlsClient('localhost', ['not pem'], true, []), { name: 'TlsInvalidOptions' });
  assert.throws(() => new TlsClient('', [], true, []), { name: 'TlsInvalidOptions' });
});
