// The npm `nodemailer` client, unmodified, sending a mail through a real aiosmtpd on 127.0.0.1
// that requires STARTTLS (its default once it has a certificate: a MAIL FROM in plaintext is
// refused), over kvsocket/net and kvsocket/tls. The connection is a kvsocket/net socket handed to
// nodemailer by its `getSocket` option (nodemailer's own net.connect passes an option of its own,
// allowInternalNetworkInterfaces, that kvsocket/net refuses as unknown: docs/net.md); for
// STARTTLS nodemailer calls `require('node:tls').connect({ socket, host, ...tls })`, which is
// kvsocket/tls here: nodemailer is bundled by esbuild with `node:tls` resolved to a module that
// hands over kvsocket/tls (what a bundler's alias `tls` → `kvsocket/tls` does for a page; a
// bundle, unlike a hook on require, works on every runtime the suite runs on).
// aiosmtpd's Mailbox handler writes the mail into a Maildir; the test reads it.
import test from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import * as esbuild from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import kvnet from 'kvsocket/net';
import kvtls from 'kvsocket/tls';
import { makeCerts } from '../tls/servers.js';
import { AIOSMTPD_PYTHON, mailsIn, startSmtp } from './servers.js';

// What nodemailer gets for node:tls; every socket given and upgrade made is kept.
const made = { net: [], tls: [] };
globalThis.__kvsocketTls = { ...kvtls, connect: (...a) => { const s = kvtls.connect(...a); made.tls.push({ options: a[0], socket: s }); return s; } };
const bundleDir = mkdtempSync(path.join(tmpdir(), 'kvsocket-nodemailer-'));
await esbuild.build({
  entryPoints: [createRequire(import.meta.url).resolve('nodemailer')], bundle: true, platform: 'node', format: 'cjs',
  outfile: path.join(bundleDir, 'nodemailer.cjs'), logLevel: 'error',
  plugins: [{
    name: 'tls-to-kvsocket',
    setup(build) {
      build.onResolve({ filter: /^(node:)?tls$/ }, () => ({ path: 'tls', namespace: 'kvsocket-tls' }));
      build.onLoad({ filter: /.*/, namespace: 'kvsocket-tls' }, () => ({ contents: 'module.exports = globalThis.__kvsocketTls;', loader: 'js' }));
    },
  }],
});
const nodemailer = createRequire(import.meta.url)(path.join(bundleDir, 'nodemailer.cjs'));
rmSync(bundleDir, { recursive: true, force: true });

test('nodemailer over kvsocket/net + kvsocket/tls: a mail through aiosmtpd with STARTTLS (requireTLS) arrives', { timeout: 20_000, skip: !AIOSMTPD_PYTHON && 'aiosmtpd is not installed (scripts/setup.sh)' }, async (t) => {
  const certs = makeCerts();
  const scratch = mkdtempSync(path.join(tmpdir(), 'kvsocket-maildir-'));
  const maildir = path.join(scratch, 'mail'); // Maildir makes it (new/, cur/, tmp/)
  const smtp = await startSmtp({ cert: certs.file('server.pem'), key: certs.file('server.key') }, maildir);
  t.after(async () => { await smtp.close(); certs.remove(); rmSync(scratch, { recursive: true, force: true }); });

  const transport = nodemailer.createTransport({
    host: '127.0.0.1', port: smtp.port, secure: false, requireTLS: true,
    tls: { servername: 'localhost', ca: certs.ca },
    getSocket: (options, callback) => {
      const socket = kvnet.connect(options.port, options.host);
      made.net.push(socket);
      socket.once('error', callback);
      socket.once('connect', () => { socket.off('error', callback); callback(null, { connection: socket }); });
    },
  });
  t.after(() => transport.close());
  const body = 'Sent by nodemailer over kvsocket/tls: ÿ€ and a long enough line to be sure.';
  const info = await transport.sendMail({
    from: 'kv@kvsocket.test', to: 'you@kvsocket.test', subject: 'kvsocket STARTTLS', text: body,
  });
  assert.deepEqual(info.accepted, ['you@kvsocket.test']);

  assert.equal(made.net.length, 1, 'nodemailer connected through kvsocket/net');
  assert.ok(made.net[0] instanceof kvnet.Socket);
  assert.equal(made.tls.length, 1, 'and upgraded through kvsocket/tls');
  assert.equal(made.tls[0].options.socket, made.net[0], 'tls.connect({ socket }) over that socket');
  assert.ok(made.tls[0].socket instanceof kvtls.TLSSocket);
  assert.equal(made.tls[0].socket.authorized, true);

  const mails = mailsIn(maildir);
  assert.equal(mails.length, 1, 'one mail in the Maildir');
  assert.match(mails[0].headers, /^Subject: kvsocket STARTTLS$/m);
  assert.match(mails[0].headers, /^To: you@kvsocket\.test$/m);
  assert.ok(mails[0].body.includes(body), mails[0].body);
});
