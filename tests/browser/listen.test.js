// Listening and UDP in a browser tab (issue 4), through kvsocket-proxy: a page listens and plain
// node:net clients connect to the port the proxy bound; a page talks UDP with node:dgram peers;
// listen and UDP are refused with a one-target (websockify) URL; denied ports and destinations
// never get a socket. Headless Chromium driven by playwright-core, the browser entry as served.
import test from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { startProxy } from '../../js/proxy/server.js';
import { closedPort } from './targets.js';
import { root, launchChromium, packagePage } from './harness.js';

/** A node:dgram socket on 127.0.0.1 that records what it gets (and answers, with `reply`). */
async function udpPeer(reply) {
  const sock = dgram.createSocket('udp4');
  const got = [];
  sock.on('message', (msg, from) => {
    got.push({ text: msg.toString('latin1'), port: from.port });
    if (reply) sock.send(reply(msg), from.port, from.address);
  });
  await new Promise((resolve) => sock.bind(0, '127.0.0.1', resolve));
  return { sock, got, port: sock.address().port, close: () => sock.close() };
}

/** Connects to 127.0.0.1:port and writes `data`; once `expect` bytes came back (never when 0), ends
 * its side. Resolves when the connection is closed, with all it read, its local port, and the
 * error that ended it if one did. (It does not end before the answer: the proxy passes a FIN on
 * as the WebSocket's close, after which a browser sends nothing; docs/browser-host.md.) */
function exchange(port, data, { expect = Buffer.byteLength(data) } = {}) {
  return new Promise((resolve) => {
    const chunks = [];
    let got = 0;
    let localPort;
    let error;
    const sock = net.connect(port, '127.0.0.1', () => {
      localPort = sock.localPort;
      sock.write(data);
    });
    sock.on('data', (c) => {
      chunks.push(c);
      got += c.length;
      if (expect > 0 && got >= expect) sock.end();
    });
    sock.on('error', (err) => { error = err.code; });
    sock.on('close', () => resolve({ bytes: Buffer.concat(chunks), localPort, error }));
  });
}

/** Whether something on this machine can bind 127.0.0.1:port (TCP or UDP) right now. */
async function isFree(port, udp = false) {
  const sock = udp ? dgram.createSocket('udp4') : net.createServer();
  return new Promise((resolve) => {
    sock.once('error', () => resolve(false));
    const bound = () => (udp ? (sock.close(), resolve(true)) : sock.close(() => resolve(true)));
    if (udp) sock.bind(port, '127.0.0.1', bound);
    else sock.listen(port, '127.0.0.1', bound);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Put on the page's window once: the Socket class and a wait for an event.
async function setupPage(page, proxyUrl) {
  await page.evaluate(async (proxy) => {
    const { Socket } = await import('/js/browser/index.js');
    Socket.defaultProxy = proxy;
    window.Socket = Socket;
    window.until = (sock, type, ms = 5000) => new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${type} in ${ms} ms`)), ms);
      sock.addEventListener(type, (e) => { clearTimeout(timer); resolve(e.detail); }, { once: true });
    });
  }, proxyUrl);
}

test('listen and UDP in Chromium through kvsocket-proxy', { timeout: 90_000 }, async (t) => {
  const echo = await udpPeer((msg) => msg);
  const client = await udpPeer();
  const stranger = await udpPeer(); // a destination the proxy does not allow
  const busy = net.createServer();
  await new Promise((resolve) => busy.listen(0, '127.0.0.1', resolve));
  const busyPort = busy.address().port;
  const deniedPort = await closedPort();
  const proxy = await startProxy({
    allow: [`127.0.0.1:${echo.port}`, `127.0.0.1:${client.port}`],
    allowListen: ['127.0.0.1:0', `127.0.0.1:${busyPort}`],
    log: () => {},
  });
  // A proxy whose incoming connections expire at once: the page's claim comes too late.
  const hasty = await startProxy({ allowListen: ['127.0.0.1:0'], claimTimeout: 0, log: () => {} });
  const { page, pageErrors } = await packagePage(t);
  t.after(async () => {
    await Promise.all([proxy.close(), hasty.close()]);
    for (const peer of [echo, client, stranger]) peer.close();
    busy.close();
  });
  // A parameter of the proxy's own (no placeholder) stays in the derived listen/claim/UDP URLs.
  await setupPage(page, `${proxy.url}?via=test&host={host}&port={port}`);

  const listening = await page.evaluate(async () => {
    const server = new Socket();
    window.server = server;
    window.seen = [];
    const ok = server.listen(0, '127.0.0.1');
    const statusAtOnce = server.status(true);
    const { ip, port } = await until(server, 'listening');
    return { ok, statusAtOnce, ip, port, localPort: server.localPort(), status: server.status(true) };
  });
  const port = listening.port;

  await t.test('the page listens on a port the proxy bound', () => {
    assert.equal(listening.ok, true);
    assert.equal(listening.statusAtOnce, 'Listening');
    assert.equal(listening.ip, '127.0.0.1');
    assert.ok(port > 0 && listening.localPort === port, JSON.stringify(listening));
    assert.equal(listening.status, 'Listening');
  });

  await t.test('a node:net client gets an echo from the accepted socket', async () => {
    await page.evaluate(() => {
      server.incomingConnectionEvent = (sock) => {
        seen.push(`accept -> ${server.accept(sock)}`);
        seen.push(`${sock.status(true)} ${sock.remoteIp()} ${sock.remotePort()} ${sock.localIp()} ${sock.localPort()}`);
        sock.dataAvailableEvent = () => sock.write(sock.readBytes());
        sock.disconnectEvent = (error) => seen.push(`disconnected '${error}'`);
      };
    });
    // Written before the page has claimed the connection: kept, then echoed.
    const data = Buffer.concat([Buffer.from('hello before the claim\n'), Buffer.alloc(300_000, 7),
      Buffer.from(Array.from({ length: 256 }, (_, i) => i))]);
    const { bytes, localPort, error } = await exchange(port, data);
    assert.equal(error, undefined);
    assert.equal(bytes.length, data.length);
    assert.ok(bytes.equals(data), 'every byte came back in order');
    await page.waitForFunction(() => seen.some((l) => l.startsWith('disconnected')), null, { timeout: 5000 });
    assert.deepEqual(await page.evaluate(() => seen.splice(0)), [
      'accept -> true',
      `Connected 127.0.0.1 ${localPort} 127.0.0.1 ${port}`,
      "disconnected ''",
    ]);
  });

  await t.test('not accepted: what the handler wrote arrives, then the end', async () => {
    await page.evaluate(() => {
      server.incomingConnectionEvent = (sock) => { sock.write(`bye, ${sock.remoteIp()}\n`); };
    });
    const { bytes, error } = await exchange(port, '', { expect: 0 });
    assert.equal(bytes.toString(), 'bye, 127.0.0.1\n');
    assert.equal(error, undefined, 'a clean end (FIN), not a reset');
  });

  await t.test('accept(other) moves the connection to another socket', async () => {
    await page.evaluate(() => {
      server.incomingConnectionEvent = () => {
        const other = new Socket();
        other.dataAvailableEvent = () => other.write(other.read().toUpperCase());
        other.disconnectEvent = () => other.destroy();
        seen.push(`accept(other) -> ${server.accept(other)} ${other.status(true)}`);
      };
    });
    const { bytes } = await exchange(port, 'shout\n');
    assert.equal(bytes.toString(), 'SHOUT\n');
    assert.deepEqual(await page.evaluate(() => seen.splice(0)), ['accept(other) -> true Connected']);
  });

  await t.test('close() stops the listener: the port is released', async () => {
    const status = await page.evaluate(() => { server.close(); return server.status(true); });
    assert.equal(status, 'Unconnected');
    for (let i = 0; i < 50 && !(await isFree(port)); i++) await sleep(20);
    assert.ok(await isFree(port), `port ${port} released`);
  });

  await t.test('a claim the proxy refuses fails the incoming socket', async () => {
    const hastyPort = await page.evaluate(async (url) => {
      const late = new Socket({ proxy: url });
      window.late = late;
      late.incomingConnectionEvent = (sock) => {
        late.accept(sock);
        sock.errorEvent = (code) => seen.push(`error ${code}`);
        sock.disconnectEvent = (error) => seen.push(`disconnected '${error}'`);
      };
      late.listen(0, '127.0.0.1');
      return (await until(late, 'listening')).port;
    }, `${hasty.url}?host={host}&port={port}`);
    // The proxy gives up on it unclaimed: the client's connection is cut, nothing answered.
    assert.equal((await exchange(hastyPort, 'anyone?', { expect: 0 })).bytes.length, 0);
    await page.waitForFunction(() => seen.length >= 2, null, { timeout: 5000 });
    assert.deepEqual(await page.evaluate(() => { late.destroy(); return seen.splice(0); }), [
      'error ProxyConnectionRefused',
      "disconnected 'Proxy refused the connection'",
    ]);
  });

  await t.test('UDP connect: datagrams to a node:dgram echo server and back', async () => {
    const seen = await page.evaluate(async (port) => {
      const u = new Socket({ protocol: 'udp' });
      const ok = u.connect('127.0.0.1', port);
      await until(u, 'connected');
      const out = { ok, status: u.status(true), remote: `${u.remoteIp()}:${u.remotePort()}`, local: `${u.localIp()}:${u.localPort()}`, reads: [] };
      for (const data of ['ping', Uint8Array.from({ length: 256 }, (_, i) => i)]) {
        const arrived = until(u, 'dataAvailable');
        u.write(data);
        await arrived;
        out.reads.push(u.readHex());
      }
      u.close();
      out.after = u.status(true);
      return out;
    }, echo.port);
    assert.equal(seen.ok, true);
    assert.equal(seen.status, 'Connected');
    assert.equal(seen.remote, `127.0.0.1:${echo.port}`);
    assert.equal(seen.local, `127.0.0.1:${echo.got[0].port}`, 'the local address is the proxy\'s socket');
    assert.deepEqual(seen.reads, [Buffer.from('ping').toString('hex'), Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString('hex')]);
    assert.equal(seen.after, 'Unconnected');
  });

  await t.test('UDP bound: the page answers a node:dgram client', async () => {
    const boundPort = await page.evaluate(async () => {
      const b = new Socket({ protocol: 'udp' });
      window.bound = b;
      b.dataAvailableEvent = () => {
        const text = b.read();
        seen.push(`${text} from ${b.remoteIp()}:${b.remotePort()}`);
        b.write(text.toUpperCase());
      };
      b.listen(0, '127.0.0.1');
      await until(b, 'listening');
      return b.status(true) === 'Bound' ? b.localPort() : 0;
    });
    assert.ok(boundPort > 0);
    for (const text of ['hello', 'again']) {
      client.sock.send(text, boundPort, '127.0.0.1');
      await waitFor(() => client.got.length > 0);
      assert.deepEqual(client.got.splice(0), [{ text: text.toUpperCase(), port: boundPort }]);
    }
    assert.deepEqual(await page.evaluate(() => { bound.close(); return seen.splice(0); }),
      [`hello from 127.0.0.1:${client.port}`, `again from 127.0.0.1:${client.port}`]);
  });

  await t.test('a one-target proxy URL (websockify): listen and UDP return false', async () => {
    const seen = await page.evaluate(() => {
      const proxy = 'ws://127.0.0.1:6080/';
      const tcp = new Socket({ proxy });
      const udp = new Socket({ proxy, protocol: 'udp' });
      const out = {
        listen: [tcp.listen(0, '127.0.0.1'), tcp.lastError(), tcp.status()],
        udpConnect: [udp.connect('127.0.0.1', 7000), udp.lastError(), udp.status()],
        udpListen: [udp.listen(0, '127.0.0.1'), udp.lastError(), udp.status()],
      };
      tcp.destroy();
      udp.destroy();
      return out;
    });
    assert.deepEqual([seen.listen[0], seen.listen[2]], [false, 0]);
    assert.match(seen.listen[1], /reverse tunnel.*no \{host\}\/\{port\} placeholders/);
    for (const key of ['udpConnect', 'udpListen']) {
      assert.deepEqual([seen[key][0], seen[key][2]], [false, 0]);
      assert.match(seen[key][1], /datagram mode.*websockify/);
    }
  });

  await t.test('denied listen ports and UDP targets: an error in the page, no socket on the machine', async () => {
    const seen = await page.evaluate(async ({ deniedPort, strangerPort }) => {
      const failure = async (sock, start) => {
        const ok = start();
        const error = await until(sock, 'error');
        const out = `${ok} ${error.code} ${sock.status(true)}`;
        sock.destroy();
        return out;
      };
      const tcp = () => new Socket();
      const udp = () => new Socket({ protocol: 'udp' });
      const out = {};
      let s;
      s = tcp(); out.tcpPort = await failure(s, () => s.listen(deniedPort, '127.0.0.1'));
      s = tcp(); out.tcpAnyIface = await failure(s, () => s.listen(0));
      s = udp(); out.udpPort = await failure(s, () => s.listen(deniedPort, '127.0.0.1'));
      s = udp(); out.udpTarget = await failure(s, () => s.connect('127.0.0.1', strangerPort));
      // A bound socket answering a sender the --allow rules do not cover.
      const b = udp();
      b.listen(0, '127.0.0.1');
      await until(b, 'listening');
      window.answering = b;
      b.dataAvailableEvent = () => { b.read(); seen.push(`write -> ${b.write('answer')}`); };
      b.errorEvent = (code) => seen.push(`error ${code} ${b.status(true)}`);
      out.boundPort = b.localPort();
      return out;
    }, { deniedPort, strangerPort: stranger.port });
    assert.equal(seen.tcpPort, 'true ProxyConnectionRefused Unconnected');
    assert.equal(seen.tcpAnyIface, 'true ProxyConnectionRefused Unconnected', '0.0.0.0 is not allowed');
    assert.equal(seen.udpPort, 'true ProxyConnectionRefused Unconnected');
    assert.equal(seen.udpTarget, 'true ProxyConnectionRefused Unconnected');
    assert.ok(await isFree(deniedPort), 'nothing bound the denied TCP port');
    assert.ok(await isFree(deniedPort, true), 'nothing bound the denied UDP port');

    stranger.sock.send('hi', seen.boundPort, '127.0.0.1');
    await page.waitForFunction(() => seen.length >= 2, null, { timeout: 5000 });
    assert.deepEqual(await page.evaluate(() => seen.splice(0)), ['write -> 6', 'error ProxyDenied Unconnected']);
    await sleep(100);
    assert.deepEqual(stranger.got, [], 'no datagram reached the denied targets');
  });

  await t.test('a port in use: errorEvent AddressInUse, status back to Unconnected', async () => {
    const seen = await page.evaluate(async (port) => {
      const s = new Socket();
      const ok = s.listen(port, '127.0.0.1');
      const error = await until(s, 'error');
      return `${ok} ${error.code} ${s.status(true)} ${s.lastError()}`;
    }, busyPort);
    assert.equal(seen, 'true AddressInUse Unconnected Address already in use');
  });

  assert.deepEqual(pageErrors, []);
});

test('the demo\'s listen page (www/listen.html) answers nc-style clients', { timeout: 60_000 }, async (t) => {
  const child = spawn(process.execPath, [path.join(root, 'www/serve.js'), '--port', '0', '--exit-after', '60'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.after(() => child.kill('SIGTERM'));
  const [base, listenPort] = await new Promise((resolve, reject) => {
    let text = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      text += chunk;
      const url = text.match(/open (http:\/\/127\.0\.0\.1:\d+\/)/)?.[1];
      const port = text.match(/nc 127\.0\.0\.1 (\d+)/)?.[1];
      if (url && port) resolve([url, Number(port)]);
    });
    child.once('exit', (code) => reject(new Error(`www/serve.js exited (${code}): ${text}`)));
  });
  const browser = await launchChromium();
  t.after(() => browser.close());
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${base}listen.html`);
  await page.click('#toggle:not([disabled])');
  await page.locator('#listener .events li', { hasText: `listening on 127.0.0.1:${listenPort}` }).waitFor({ timeout: 10_000 });

  // Like a person with `nc`: wait for the greeting, send a line, read it back, then end.
  const greeting = 'this is a browser tab; I echo what you send\n';
  const bytes = await new Promise((resolve) => {
    const sock = net.connect(listenPort, '127.0.0.1');
    let text = '';
    sock.setEncoding('utf8');
    sock.on('data', (chunk) => {
      text += chunk;
      if (text.endsWith(greeting)) sock.write('ping from node\n');
      if (text.endsWith('ping from node\n')) sock.end();
    });
    sock.on('close', () => resolve(text));
  });
  assert.match(bytes, new RegExp(`^hello 127\\.0\\.0\\.1:\\d+, ${greeting}ping from node\n$`));
  const panel = page.locator('.connection').first();
  await panel.locator('[data-status]', { hasText: 'Unconnected' }).waitFor({ timeout: 10_000 });
  assert.match(await panel.locator('[data-title]').textContent(), /^#1 from 127\.0\.0\.1:\d+$/);
  assert.equal(await panel.locator('[data-received]').textContent(), 'ping from node\n');
  await mkdir(path.join(root, 'test-output'), { recursive: true });
  await page.screenshot({ path: path.join(root, 'test-output/browser-demo-listen.png'), fullPage: true });
  await page.click('#toggle'); // Stop
  await page.locator('#listener [data-status]', { hasText: 'Unconnected' }).waitFor({ timeout: 5_000 });
  assert.deepEqual(errors, []);
});

async function waitFor(check, ms = 5000) {
  for (const end = Date.now() + ms; !check(); await sleep(10)) {
    if (Date.now() > end) throw new Error(`condition not met in ${ms} ms`);
  }
}
