// More Node clients, unmodified, in a Chromium page over kvsocket/net, as page.test.js runs
// pg's (tests/clients/pages.js): mqtt (a QoS 1 round trip, mosquitto), ioredis (a pipeline,
// pub/sub, redis-server), irc-framework (register, join, a message from a second client, ngircd)
// and nodemailer (a mail with STARTTLS required, TLS in the page, aiosmtpd), each bundled by
// esbuild, through kvsocket-proxy per socket and through its Wisp endpoint.
import test from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import irc from 'irc-framework';
import { mailBuild, tlsBuild } from './page/bundlers.js';
import { makeCerts } from '../tls/servers.js';
import { AIOSMTPD_PYTHON, MOSQUITTO, NGIRCD, REDIS, mailsIn, missing, startMosquitto, startNgircd, startRedis, startSmtp } from './servers.js';
import { runPage, setup, waitFor } from './pages.js';

const { Client: IrcClient } = irc;

test('mqtt in a page (esbuild): a QoS 1 round trip through kvsocket-proxy and its Wisp endpoint', { skip: !MOSQUITTO && missing('mosquitto', 'mosquitto'), timeout: 60_000 }, async (t) => {
  const server = await startMosquitto();
  t.after(() => server.close());
  const { dir, site, browser, proxies } = await setup(t, [`127.0.0.1:${server.port}`]);
  const answers = await runPage(t, browser, site, dir, { bundler: 'esbuild', name: 'mqtt', proxies, port: server.port });
  for (const answer of answers) {
    assert.deepEqual(answer, { returnCode: 0, granted: [1], acked: true, got: { topic: 'kvsocket/kitchen/temp', text: 'ÿ€ 21.5', qos: 1 } });
  }
});

test('ioredis in a page (esbuild): SET/GET, a pipeline, pub/sub through kvsocket-proxy and its Wisp endpoint', { skip: !REDIS && missing('redis-server', 'redis-server'), timeout: 60_000 }, async (t) => {
  const server = await startRedis();
  t.after(() => server.close());
  const { dir, site, browser, proxies } = await setup(t, [`127.0.0.1:${server.port}`]);
  const answers = await runPage(t, browser, site, dir, { bundler: 'esbuild', name: 'ioredis', proxies, port: server.port });
  assert.deepEqual(answers[0], { get: 'ÿ€ page', pipeline: [null, 500], receivers: 1, message: ['kv:chan', 'hello from a page'] });
  assert.deepEqual(answers[1], { get: 'ÿ€ page', pipeline: [null, 1000], receivers: 1, message: ['kv:chan', 'hello from a page'] });
});

// irc-framework's transport asks `instanceof tls.TLSSocket` of every socket: `tls` is kvsocket/tls.
test('irc-framework in a page (esbuild, `tls` → kvsocket/tls): register, join, a message from a second client (Node) through kvsocket-proxy and its Wisp endpoint', { skip: !NGIRCD && missing('ngircd', 'ngircd'), timeout: 60_000 }, async (t) => {
  const server = await startNgircd();
  t.after(() => server.close());
  const { dir, site, browser, proxies } = await setup(t, [`127.0.0.1:${server.port}`]);
  // The second client: irc-framework in this process, over node:net.
  const bob = new IrcClient({ host: '127.0.0.1', port: server.port, nick: 'bob', username: 'bob', gecos: 'kvsocket test', auto_reconnect: false });
  const registered = waitFor(bob, 'registered');
  bob.connect();
  t.after(() => bob.quit());
  await registered;
  const line = 'hello page, ÿ€ from Node';
  // The page calls this once it has joined `channel`: bob joins and says `line` there.
  const secondClient = async (channel) => {
    const joined = waitFor(bob, 'join', (e) => e.nick === 'bob' && e.channel === channel);
    bob.join(channel);
    await joined;
    bob.say(channel, line);
    return 'bob';
  };
  const calls = proxies.map((p, i) => [p, { port: server.port, nick: `page${i}`, channel: `#page${i}` }]);
  const answers = await runPage(t, browser, site, dir, { bundler: 'esbuild', name: 'irc', calls, build: tlsBuild, expose: { secondClient } });
  answers.forEach((answer, i) => {
    assert.deepEqual(answer, { registered: `page${i}`, kvsocket: true, message: { from: 'bob', message: line, second: 'bob' }, cleanEnd: true });
  });
});

test('nodemailer in a page (esbuild, `tls` → kvsocket/tls, shims for crypto, os, url): a mail through aiosmtpd with STARTTLS required, TLS in the page, through kvsocket-proxy and its Wisp endpoint', { skip: !AIOSMTPD_PYTHON && 'aiosmtpd is not installed (scripts/setup.sh)', timeout: 60_000 }, async (t) => {
  const certs = makeCerts();
  t.after(() => certs.remove());
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'kvsocket-maildir-'));
  t.after(() => rmSync(scratch, { recursive: true, force: true }));
  const maildir = path.join(scratch, 'mail');
  const server = await startSmtp({ cert: certs.file('server.pem'), key: certs.file('server.key') }, maildir);
  t.after(() => server.close());
  const { dir, site, browser, proxies } = await setup(t, [`127.0.0.1:${server.port}`]);
  const text = (i) => `Mail ${i} from a page by nodemailer over kvsocket/tls: ÿ€ and a long enough line to be sure.`;
  const calls = proxies.map((p, i) => [p, { port: server.port, ca: certs.ca, text: text(i) }]);
  const answers = await runPage(t, browser, site, dir, { bundler: 'esbuild', name: 'nodemailer', calls, build: mailBuild, tls: true });
  for (const answer of answers) {
    assert.deepEqual({ ...answer, protocol: undefined }, { accepted: ['you@kvsocket.test'], sockets: 1, upgrades: 1, overTheSocket: true, tls: true, authorized: true, protocol: undefined });
    assert.match(answer.protocol, /^TLSv1\.[23]$/);
  }
  // aiosmtpd refuses MAIL FROM before STARTTLS: the mails it kept came over TLS.
  const bodies = mailsIn(maildir).map((m) => (m.headers.match(/^Subject: kvsocket STARTTLS in a page$/m) ? m.body.trim() : m.headers)).sort();
  assert.deepEqual(bodies, [text(0), text(1)]);
});
