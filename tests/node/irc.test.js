// A real IRC server (ngircd, installed by scripts/setup.sh) on 127.0.0.1 and two kvsocket IRC
// clients (examples/irc.js): register, answer PING, join, talk, quit.
import test from 'node:test';
import assert from 'node:assert/strict';
import { IrcClient } from '../../examples/irc.js';
import { NGIRCD, startNgircd } from '../../www/ngircd.js';

test('two kvsocket IRC clients talk through a real ngircd', { skip: !NGIRCD && 'ngircd is not installed', timeout: 20000 }, async (t) => {
  const ngircd = await startNgircd();
  t.after(() => ngircd.close());
  const { port } = ngircd;
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
