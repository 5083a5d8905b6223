// The demo's IRC page (www/irc.html) in headless Chromium: two pages, each a kvsocket IRC client
// going through kvsocket-proxy to a real ngircd on 127.0.0.1 (started by the demo server,
// www/serve.js), register, join one channel and see each other's messages.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { startDemo } from '../../www/serve.js';
import { NGIRCD } from '../../www/ngircd.js';
import { launchChromium, root } from './harness.js';

test('two IRC pages talk through kvsocket-proxy and a real ngircd', { skip: !NGIRCD && 'ngircd is not installed', timeout: 60_000 }, async (t) => {
  const demo = await startDemo({ port: 0 });
  const browser = await launchChromium();
  t.after(async () => {
    await browser.close();
    await demo.close();
  });
  assert.ok(demo.irc, 'the demo started ngircd');
  const errors = [];
  const open = async (nick) => {
    const page = await browser.newPage();
    page.on('pageerror', (e) => errors.push(`${nick}: ${e.message}`));
    await page.goto(`${demo.url}irc.html?nick=${nick}&channel=%23kvsocket&autoconnect=1`);
    return page;
  };
  const line = (page, text) => page.locator('#messages li', { hasText: text }).waitFor({ timeout: 10_000 });

  const alice = await open('alice');
  // Over TLS, in the page (the proxy carries ciphertext only).
  await line(alice, 'over TLSv1.');
  await line(alice, '* alice joined #kvsocket');
  const bob = await open('bob');
  await line(bob, '* bob joined #kvsocket');
  await line(alice, '* bob joined #kvsocket');
  for (const page of [alice, bob]) assert.equal(await page.textContent('[data-status]'), 'Connected');

  await alice.fill('#say', 'hello bob, ÿ€ and all');
  await alice.press('#say', 'Enter');
  await line(bob, '<alice> hello bob, ÿ€ and all');
  await bob.fill('#say', 'hi alice');
  await bob.click('#send');
  await line(alice, '<bob> hi alice');

  await bob.click('#connect'); // now "Quit": QUIT, and the server closes the connection
  await line(alice, '* bob quit');
  await line(bob, '* disconnected');
  assert.equal(await bob.textContent('[data-status]'), 'Unconnected');
  await mkdir(path.join(root, 'test-output'), { recursive: true });
  await alice.screenshot({ path: path.join(root, 'test-output/browser-demo-irc.png'), fullPage: true });
  assert.deepEqual(errors, []);
});
