// A real IRC server (ngircd, installed by scripts/setup.sh) on 127.0.0.1 and two kvsocket IRC
// clients (examples/irc.js): register, answer PING, join, talk, quit.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { IrcClient } from '../../examples/irc.js';
import { freePort } from '../ports.js';

const NGIRCD = ['/usr/sbin/ngircd', '/usr/bin/ngircd'].find((p) => spawnSync(p, ['--version']).status === 0);

async function startNgircd(t) {
  const dir = await mkdtemp(path.join(tmpdir(), 'kvsocket-irc-'));
  const port = await freePort();
  const conf = path.join(dir, 'ngircd.conf');
  await writeFile(conf, [
    '[Global]', 'Name = irc.kvsocket.test', 'Info = kvsocket test server', 'Listen = 127.0.0.1',
    `Ports = ${port}`, 'MotdPhrase = "kvsocket test server"',
    '[Limits]', 'PingTimeout = 120',
    '[Options]', 'PAM = no', 'Ident = no', 'DNS = no', '',
  ].join('\n'));
  const server = spawn(NGIRCD, ['--nodaemon', '--config', conf], { stdio: 'ignore' });
  t.after(async () => {
    server.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  });
  // Ready once it accepts connections.
  for (let i = 0; i < 50; i++) {
    const up = await new Promise((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => { c.destroy(); resolve(true); });
      c.on('error', () => resolve(false));
    });
    if (up) return port;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('ngircd did not start');
}

test('two kvsocket IRC clients talk through a real ngircd', { skip: !NGIRCD && 'ngircd is not installed', timeout: 20000 }, async (t) => {
  const port = await startNgircd(t);
  const alice = new IrcClient('alice');
  const bob = new IrcClient('bob');
  t.after(() => { alice.destroy(); bob.destroy(); });

  assert.equal(alice.connect('127.0.0.1', port), true);
  await alice.waitFor(/ JOIN :?#kvsocket/);
  assert.equal(bob.connect('localhost', port), true); // by name: HostLookUp through node:dns
  await bob.waitFor(/ JOIN :?#kvsocket/);
  await alice.waitFor(/^:bob!\S+ JOIN/);

  alice.say('hello bob, ÿ€ and all');
  const heard = await bob.waitFor(/PRIVMSG #kvsocket :/);
  assert.match(heard, /^:alice!\S+ PRIVMSG #kvsocket :hello bob, ÿ€ and all$/);

  bob.send('PING :are-you-there');
  assert.match(await bob.waitFor(/ PONG /), /are-you-there/);

  const disconnected = new Promise((resolve) => bob.addEventListener('disconnected', (e) => resolve(e.detail.error)));
  bob.quit('see you');
  assert.match(await alice.waitFor(/^:bob!\S+ QUIT/), /see you/);
  assert.equal(await disconnected, '', 'the server closes after QUIT: a clean end');
  assert.equal(bob.status(true), 'Unconnected');
  assert.match(bob.read() + bob.lines.join('\n'), /ERROR/);
});
