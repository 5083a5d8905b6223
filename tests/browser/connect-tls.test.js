// connect()'s secureTransport in Chromium (docs/connect.md): 'on' and 'starttls' + startTls()
// through kvsocket-proxy, TLS inside the page; a relay in front of the TLS server finds none of
// the plaintext in what the proxy forwarded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startProxy } from '../../js/proxy/server.js';
import { makeCerts, sServer, relay } from '../tls/servers.js';
import { startTlsServer } from '../tls/starttls-server.js';
import { packagePage } from './harness.js';

const SECRET = 'the secret line 93be07';

// In the page: connect() ('on', or 'starttls' then startTls()), send SECRET, read the line back.
async function inPage({ proxy, port, mode, ca, secret }) {
  const { connect } = await import('/js/browser/index.js');
  const dec = new TextDecoder();
  const enc = new TextEncoder();
  const readLine = async (reader) => {
    let got = '';
    while (!got.endsWith('\n')) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`ended after ${JSON.stringify(got)}`);
      got += dec.decode(value);
    }
    return got;
  };
  let sock;
  if (mode === 'on') {
    sock = connect(`127.0.0.1:${port}`, { secureTransport: 'on', proxy, tls: { ca, servername: 'localhost' } });
  } else {
    const plain = connect({ hostname: '127.0.0.1', port }, { secureTransport: 'starttls', proxy, tls: { ca } });
    const reader = plain.readable.getReader();
    const writer = plain.writable.getWriter();
    await readLine(reader); // 220 ready
    await writer.write(enc.encode('STARTTLS\r\n'));
    await readLine(reader); // 220 go ahead
    reader.releaseLock();
    writer.releaseLock();
    sock = plain.startTls({ expectedServerHostname: 'localhost' });
    await plain.closed;
  }
  const info = await sock.opened;
  await sock.writable.getWriter().write(enc.encode(`${secret}\n`));
  const line = await readLine(sock.readable.getReader());
  await sock.close();
  return { line, upgraded: sock.upgraded, remoteAddress: info.remoteAddress };
}

test("Chromium: connect() with secureTransport 'on' and 'starttls' through kvsocket-proxy; no plaintext forwarded", { timeout: 60_000 }, async (t) => {
  const certs = makeCerts();
  t.after(() => certs.remove());
  const proxy = await startProxy({ allow: ['127.0.0.1:1-65535'], log: () => {} });
  t.after(() => proxy.close());
  const { page } = await packagePage(t);
  const reversed = [...SECRET].reverse().join('');
  for (const mode of ['on', 'starttls']) {
    const server = mode === 'on' ? await sServer(certs) : await startTlsServer(certs);
    const tap = await relay(server.port);
    try {
      const r = await page.evaluate(inPage, { proxy: `${proxy.url}?host={host}&port={port}`, port: tap.port, mode, ca: certs.ca, secret: SECRET });
      assert.equal(r.line, `${reversed}\n`, mode);
      assert.equal(r.upgraded, mode === 'starttls');
      assert.equal(r.remoteAddress, `127.0.0.1:${tap.port}`);
      const wire = tap.captured().toString('latin1');
      assert.ok(!wire.includes('secret line') && !wire.includes(reversed.slice(0, 12)), `${mode}: plaintext crossed the proxy`);
    } finally { await tap.close(); await server.close(); }
  }
});
