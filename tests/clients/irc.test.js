// The npm `irc-framework` client, unmodified, over kvsocket/net against a real ngircd on
// 127.0.0.1. irc-framework's TCP transport calls `require('net').connect(...)`; here `net` is
// kvsocket/net, put in require's cache under the builtin's name before irc-framework loads (what
// a bundler's alias `net` → `kvsocket/net` does for a page). Two clients register, join a
// channel and talk.
import test from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import kvnet from 'kvsocket/net';
import { NGIRCD, missing, startNgircd } from './servers.js';

const require = createRequire(import.meta.url);
require.cache.net = { id: 'net', filename: 'net', loaded: true, exports: kvnet, children: [], paths: [] };
const { Client } = require('irc-framework');

const waitFor = (emitter, event, test = () => true) => new Promise((resolve) => {
  const on = (e) => { if (test(e)) { emitter.off(event, on); resolve(e); } };
  emitter.on(event, on);
});

test('irc-framework over kvsocket/net: register, join, message through ngircd', { skip: !NGIRCD && missing('ngircd', 'ngircd'), timeout: 20000 }, async (t) => {
  const server = await startNgircd();
  t.after(() => server.close());
  const make = (nick) => {
    const c = new Client({ host: '127.0.0.1', port: server.port, nick, username: nick, gecos: 'kvsocket test', auto_reconnect: false });
    t.after(() => c.quit());
    return c;
  };
  const alice = make('alice');
  const bob = make('bob');

  alice.connect();
  const registered = await waitFor(alice, 'registered');
  assert.equal(registered.nick, 'alice');
  assert.ok(alice.connection.transport.socket instanceof kvnet.Socket, 'irc-framework talks through kvsocket/net');
  bob.connect();
  await waitFor(bob, 'registered');

  alice.join('#kvsocket');
  await waitFor(alice, 'join', (e) => e.nick === 'alice' && e.channel === '#kvsocket');
  bob.join('#kvsocket');
  await waitFor(alice, 'join', (e) => e.nick === 'bob');

  const heard = waitFor(bob, 'message', (e) => e.target === '#kvsocket');
  alice.say('#kvsocket', 'hello bob, ÿ€ and all');
  const message = await heard;
  assert.equal(message.nick, 'alice');
  assert.equal(message.message, 'hello bob, ÿ€ and all');

  const quit = waitFor(alice, 'quit', (e) => e.nick === 'bob');
  const closed = waitFor(bob.connection.transport.socket, 'close');
  bob.quit('see you');
  assert.match((await quit).message, /see you/); // ngircd quotes it
  assert.equal(await closed, false, 'the server closed after QUIT: a clean end');
});
