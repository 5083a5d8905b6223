// SMTP STARTTLS against a real SMTP server we did not write: aiosmtpd (PyPI, in a venv of its
// own made by scripts/setup.sh), its STARTTLS with a certificate of the test CA. Plain EHLO,
// STARTTLS, the upgrade, EHLO again over TLS, a MAIL FROM, QUIT. Skipped without aiosmtpd.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import { Socket } from 'kvsocket';
import { makeCerts } from './servers.js';
import { freePort } from '../ports.js';

const PYTHON = [process.env.AIOSMTPD_PYTHON, `${process.env.HOME}/.cache/kvsocket/aiosmtpd-venv/bin/python`, 'python3']
  .find((p) => p && spawnSync(p, ['-c', 'import aiosmtpd']).status === 0);

let certs;
let smtp;
before(async () => {
  if (!PYTHON) return;
  certs = makeCerts();
  const port = await freePort();
  const proc = spawn(PYTHON, ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${port}`,
    '--tlscert', certs.file('server.pem'), '--tlskey', certs.file('server.key')], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise((r) => { const s = net.connect(port, '127.0.0.1', () => { s.destroy(); r(true); }); s.on('error', () => r(false)); });
    if (up) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  smtp = { port, close: () => new Promise((r) => { if (proc.exitCode !== null) return r(); proc.once('exit', r); proc.kill(); }) };
});
after(async () => { await smtp?.close(); certs?.remove(); });

/** SMTP replies from `sock`: `reply()` resolves with the next complete reply's lines. */
function replies(sock) {
  let buf = '';
  const waiting = [];
  const ready = [];
  sock.addEventListener('dataAvailable', () => {
    buf += sock.read();
    let lines = [];
    let i;
    while ((i = buf.indexOf('\r\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 2);
      lines.push(line);
      if (/^\d{3} /.test(line)) { ready.push(lines); lines = []; }
    }
    if (lines.length) buf = `${lines.join('\r\n')}\r\n${buf}`;
    while (ready.length && waiting.length) waiting.shift()(ready.shift());
  });
  return () => (ready.length ? Promise.resolve(ready.shift()) : new Promise((r) => waiting.push(r)));
}

test('SMTP STARTTLS with aiosmtpd: EHLO, STARTTLS, secure, EHLO over TLS, MAIL FROM, QUIT', { timeout: 15_000, skip: !PYTHON && 'aiosmtpd is not installed (scripts/setup.sh)' }, async () => {
  const sock = new Socket();
  const reply = replies(sock);
  const secure = new Promise((r) => sock.addEventListener('secure', r, { once: true }));
  try {
    sock.connect('localhost', smtp.port);
    assert.match((await reply())[0], /^220 /);
    sock.write('EHLO kvsocket.test\r\n');
    const ehlo = await reply();
    assert.ok(ehlo.some((l) => /^250[- ]STARTTLS$/.test(l)), ehlo.join(' | '));
    sock.write('STARTTLS\r\n');
    assert.match((await reply())[0], /^220 /);
    assert.equal(sock.startTls({ ca: certs.ca }), true);
    await secure;
    assert.equal(sock.tlsInfo().peerCertificate.subject.CN, 'localhost');
    sock.write('EHLO kvsocket.test\r\n');
    const again = await reply();
    assert.ok(!again.some((l) => /STARTTLS/.test(l)), 'no STARTTLS offered once secure');
    sock.write('MAIL FROM:<kv@kvsocket.test>\r\n');
    assert.match((await reply())[0], /^250 /);
    sock.write('QUIT\r\n');
    assert.match((await reply())[0], /^221 /);
  } finally { sock.destroy(); }
});
