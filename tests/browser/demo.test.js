// The www demo in headless Chromium (playwright-core, Debian's chromium, a fresh profile): the
// HEAD request page shows the demo site's answer, and two chat pages talk to each other. The
// demo runs as `npm run demo` would run it (www/serve.js), with a time limit of its own.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './harness.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const out = path.join(root, 'test-output');

/** Starts www/serve.js on a free port; resolves with its URL once it prints it. */
function startDemo(t) {
  const child = spawn(process.execPath, [path.join(root, 'www/serve.js'), '--port', '0', '--exit-after', '120'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.after(() => child.kill('SIGTERM'));
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      text += chunk;
      const url = text.match(/open (http:\/\/127\.0\.0\.1:\d+\/)/)?.[1];
      if (url) resolve(url);
    });
    child.once('exit', (code) => reject(new Error(`www/serve.js exited (${code}) before printing its URL: ${text}`)));
  });
}

async function startBrowser(t) {
  const profile = await mkdtemp(path.join(os.tmpdir(), 'kvsocket-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  t.after(async () => {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  });
  return context;
}

/** A page that fails the test on any uncaught error. */
async function open(context, url, errors) {
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(`${url}: ${e.message}`));
  await page.goto(url);
  return page;
}

test('the www demo (HEAD request, chat between two pages) and the browser entry', { timeout: 90_000 }, async (t) => {
  const base = await startDemo(t);
  const context = await startBrowser(t);
  const errors = [];
  await mkdir(out, { recursive: true });

  await t.test('HEAD request shows the response, the events and the bytes', async () => {
    const page = await open(context, `${base}head.html`, errors);
    await page.click('#run:not([disabled])');
    const response = page.locator('#response');
    await response.filter({ hasText: 'X-Served-By: kvsocket demo site' }).waitFor({ timeout: 10_000 });
    assert.match(await response.textContent(), /^HTTP\/1\.1 200 OK\r\n/);
    await page.locator('.events li', { hasText: 'Connection is closed' }).waitFor({ timeout: 10_000 });
    const events = await page.locator('.events li').allTextContents();
    const order = ['stateChanged Connecting', 'stateChanged Connected', 'connected', 'dataAvailable', 'stateChanged Unconnected', 'disconnected clean end'];
    let at = -1;
    for (const want of order) {
      const found = events.findIndex((line, i) => i > at && line.includes(want));
      assert.ok(found > at, `event "${want}" in order in:\n${events.join('\n')}`);
      at = found;
    }
    assert.ok(!events.some((l) => l.includes('hostFound')), 'no lookup in the browser');
    assert.equal(await page.textContent('[data-status]'), 'Unconnected');
    assert.ok(Number(await page.textContent('[data-out]')) > 50, 'the request was written');
    assert.equal(Number(await page.textContent('[data-in]')), (await response.textContent()).length);
    await page.screenshot({ path: path.join(out, 'browser-demo-head.png'), fullPage: true });
  });

  await t.test('two chat pages see each other\'s lines', async () => {
    const alice = await open(context, `${base}chat.html?nick=alice`, errors);
    const bob = await open(context, `${base}chat.html?nick=bob`, errors);
    for (const page of [alice, bob]) {
      await page.click('#connect:not([disabled])');
      await page.locator('#say:not([disabled])').waitFor({ timeout: 10_000 });
      assert.equal(await page.textContent('[data-status]'), 'Connected');
    }
    await alice.locator('#messages li', { hasText: '2 online' }).waitFor({ timeout: 10_000 });

    await alice.fill('#say', 'hello from alice');
    await alice.press('#say', 'Enter');
    await bob.locator('#messages li', { hasText: '<alice> hello from alice' }).waitFor({ timeout: 10_000 });
    await bob.fill('#say', 'hi alice, bob here');
    await bob.click('#send');
    await alice.locator('#messages li', { hasText: '<bob> hi alice, bob here' }).waitFor({ timeout: 10_000 });
    await alice.locator('#messages li', { hasText: '<alice> hello from alice' }).waitFor({ timeout: 10_000 });

    await bob.click('#connect'); // now "Disconnect"
    await alice.locator('#messages li', { hasText: 'someone left (1 online)' }).waitFor({ timeout: 10_000 });
    await bob.locator('#messages li', { hasText: '* disconnected' }).waitFor({ timeout: 10_000 });
    assert.equal(await bob.textContent('[data-status]'), 'Unconnected');
    await alice.screenshot({ path: path.join(out, 'browser-demo-chat.png'), fullPage: true });
  });

  await t.test('the chat over Wisp: two pages, each with one WebSocket to /wisp/', async () => {
    const pages = [];
    for (const nick of ['carol', 'dave']) {
      const page = await context.newPage();
      page.on('pageerror', (e) => errors.push(`wisp-chat ${nick}: ${e.message}`));
      page.webSockets = [];
      page.on('websocket', (ws) => page.webSockets.push(ws.url()));
      await page.goto(`${base}wisp-chat.html?nick=${nick}`);
      await page.click('#connect:not([disabled])');
      await page.locator('#say:not([disabled])').waitFor({ timeout: 10_000 });
      pages.push(page);
    }
    const [carol, dave] = pages;
    await carol.fill('#say', 'hello over wisp');
    await carol.press('#say', 'Enter');
    await dave.locator('#messages li', { hasText: '<carol> hello over wisp' }).waitFor({ timeout: 10_000 });
    for (const page of pages) {
      assert.equal(page.webSockets.length, 1);
      assert.match(page.webSockets[0], /^ws:\/\/127\.0\.0\.1:\d+\/wisp\/$/);
    }
    await dave.click('#connect');
    await carol.locator('#messages li', { hasText: 'someone left' }).waitFor({ timeout: 10_000 });
    await carol.screenshot({ path: path.join(out, 'browser-demo-wisp-chat.png'), fullPage: true });
  });

  await t.test('the browser entry: refusals, Socket.defaultProxy, names go to the proxy', async () => {
    const page = await open(context, base, errors);
    const seen = await page.evaluate(async () => {
      const { Socket } = await import('/js/browser/index.js');
      const { default: config } = await import('/config.js');
      const noProxy = new Socket();
      // A one-target (websockify-style) URL: no reverse tunnel, no datagram mode.
      const listener = new Socket({ proxy: 'ws://127.0.0.1:6080/' });
      const udp = new Socket({ proxy: 'ws://127.0.0.1:6080/', protocol: 'udp' });
      const refused = {
        noProxy: [noProxy.connect('127.0.0.1', config.site.port), noProxy.lastError(), noProxy.status()],
        listen: [listener.listen(0), listener.lastError()],
        udp: [udp.connect('127.0.0.1', config.site.port), udp.lastError()],
      };
      Socket.defaultProxy = config.proxy; // counts for sockets made before it was set, too
      const late = noProxy.connect('127.0.0.1', config.site.port);
      noProxy.destroy();

      const sock = new Socket();
      const events = [];
      for (const type of ['stateChanged', 'hostFound', 'connected', 'disconnected']) {
        sock.addEventListener(type, (e) => events.push(type === 'stateChanged' ? e.detail.name : type));
      }
      let text = '';
      sock.dataAvailableEvent = () => { text += sock.read(); };
      const done = new Promise((resolve) => sock.addEventListener('disconnected', resolve));
      sock.connectedEvent = () => sock.write(`HEAD / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
      const started = sock.connect('localhost', config.site.port);
      const statusAtOnce = sock.status(true);
      await done;
      return { refused, late, started, statusAtOnce, events, text };
    });
    assert.deepEqual(seen.refused.noProxy, [false, 'no proxy URL configured: set options.proxy or Socket.defaultProxy', 0]);
    assert.deepEqual(seen.refused.listen[0], false);
    assert.match(seen.refused.listen[1], /reverse tunnel/);
    assert.deepEqual(seen.refused.udp[0], false);
    assert.match(seen.refused.udp[1], /datagram mode/);
    assert.equal(seen.late, true);
    assert.equal(seen.started, true);
    assert.equal(seen.statusAtOnce, 'Connecting', 'a name skips HostLookUp');
    assert.deepEqual(seen.events, ['Connecting', 'Connected', 'connected', 'Unconnected', 'disconnected']);
    assert.match(seen.text, /^HTTP\/1\.1 200 OK/);
  });

  assert.deepEqual(errors, []);
});
