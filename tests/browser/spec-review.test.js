// SPEC review of the browser Socket: the browser entry (js/browser/index.js) in headless Chromium,
// TCP through kvsocket-proxy to node:net / node:http servers, listening through its reverse
// tunnel and UDP through its datagram mode with node:dgram peers, all on 127.0.0.1. One page,
// many small probes, each a subtest. Where the browser departs from docs/spec.md beyond what docs/spec.md
// allows (HostLookUp skipped, no receive pause, ProxyConnectionRefused before open) and what
// docs/browser-host.md documents, the test states SPEC's rule and is marked `todo` until fixed.
import test from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import http from 'node:http';
import net from 'node:net';
import { startProxy } from '../../js/proxy/server.js';
import { launchChromium, servePackage } from './harness.js';
import { freePort } from '../ports.js';
import { commandServer } from '../command-server.js';

const listenLocal = (server) => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));

/** The servers the page talks to, and the functions the page calls back into Node with. */
async function startPeers() {
  const sockets = new Set();
  const track = (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); s.on('error', () => {}); return s; };
  const servers = [];
  const serve = async (name, server) => { servers.push(server); ports[name] = await listenLocal(server); };
  const ports = {};

  // echo: every byte comes back.
  await serve('echo', net.createServer((s) => track(s).pipe(s)));
  // cmd: the first line says what to do: `send HEX end|reset|stay|split`, `big N` (N bytes, then
  // the end), `rst` (reads one chunk, stops reading, resets 200 ms later).
  const cmd = commandServer((s, [what, arg, how]) => {
    if (what === 'send') {
      const bytes = Buffer.from(arg, 'hex');
      if (how === 'end') s.end(bytes);
      else if (how === 'reset') s.write(bytes, () => setTimeout(() => s.resetAndDestroy(), 50));
      else if (how === 'split') {
        let i = 0;
        const next = () => { if (i < bytes.length && !s.destroyed) { s.write(bytes.subarray(i, ++i)); setTimeout(next, 30); } };
        next();
      } else s.write(bytes);
    } else if (what === 'big') {
      const b = Buffer.alloc(Number(arg));
      for (let i = 0; i < b.length; i++) b[i] = i % 251;
      s.end(b);
    } else if (what === 'rst') {
      s.once('data', () => { s.pause(); setTimeout(() => s.resetAndDestroy(), 200); });
    }
  });
  cmd.on('connection', track);
  await serve('cmd', cmd);
  // sink: records each connection's bytes; sinkResult(i) resolves once the i-th one closed.
  const sinks = [];
  const sinkOf = (i) => (sinks[i] ??= (() => { let resolve; const p = new Promise((r) => { resolve = r; }); return { p, resolve }; })());
  let sinkCount = 0;
  await serve('sink', net.createServer((s) => {
    track(s);
    const i = sinkCount++;
    const chunks = [];
    s.on('data', (c) => chunks.push(c));
    s.on('end', () => s.end());
    s.on('close', () => {
      const b = Buffer.concat(chunks);
      let sum = 0;
      for (const x of b) sum = (sum + x) >>> 0;
      sinkOf(i).resolve({ length: b.length, head: b.subarray(0, 64).toString('hex'), sum });
    });
  }));
  // ask: sends a question and its FIN at once (half-close), then records what comes back until
  // the other side ends; askResult(i) resolves with the i-th connection's answer.
  const asks = [];
  let askCount = 0;
  const askOf = (i) => (asks[i] ??= (() => { let resolve; const p = new Promise((r) => { resolve = r; }); return { p, resolve }; })());
  await serve('ask', net.createServer({ allowHalfOpen: true }, (s) => {
    track(s);
    const i = askCount++;
    const chunks = [];
    s.end('question?\n');
    s.on('data', (c) => chunks.push(c));
    s.on('end', () => askOf(i).resolve(Buffer.concat(chunks).toString()));
  }));
  // silent: a "proxy" that accepts and never answers the upgrade; records the requests it got.
  const upgrades = [];
  await serve('silent', net.createServer((s) => {
    track(s);
    let head = '';
    s.on('data', (c) => {
      if (head.includes('\r\n\r\n')) return;
      head += c.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      const [line, ...headers] = head.split('\r\n');
      const protocol = headers.find((x) => /^sec-websocket-protocol:/i.test(x))?.split(':')[1].trim();
      upgrades.push({ line, protocol });
    });
  }));
  // http: a plain node:http server (Connection: close).
  const web = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' });
    res.end('hello from node:http\n');
  });
  web.on('connection', track);
  await serve('http', web);
  // The page: the browser entry and the wasm, nothing else.
  const page = await servePackage();
  servers.push(page);
  ports.page = page.address().port;
  // closed: nothing listens there.
  ports.closed = await freePort();
  // UDP: an echo peer, and a recorder that can also send.
  const udpEcho = dgram.createSocket('udp4');
  udpEcho.on('message', (m, from) => udpEcho.send(m, from.port, from.address));
  await new Promise((resolve) => udpEcho.bind(0, '127.0.0.1', resolve));
  ports.udpEcho = udpEcho.address().port;
  const udpRec = dgram.createSocket('udp4');
  const udpGot = [];
  udpRec.on('message', (m) => udpGot.push(m.toString('hex')));
  await new Promise((resolve) => udpRec.bind(0, '127.0.0.1', resolve));

  const proxy = await startProxy({ allow: ['127.0.0.1:*'], allowListen: ['127.0.0.1:*'], log: () => {} });
  // A proxy that takes WebSocket messages up to 64 KiB only (--max-frame; the default is 256 KiB).
  const small = await startProxy({ allow: ['127.0.0.1:*'], maxFrame: 65536, log: () => {} });
  ports.proxy = proxy.port;
  ports.small = small.port;

  const callbacks = {
    sinkCount: () => sinkCount,
    sinkResult: (i) => sinkOf(i).p,
    askCount: () => askCount,
    askResult: (i) => Promise.race([askOf(i).p, new Promise((r) => setTimeout(() => r('no end'), 3000))]),
    upgrades: () => upgrades.splice(0),
    upgradeCount: () => upgrades.length,
    /** The datagrams the recorder got since the last call, once there are `count` (at most `ms`
     * later: a loaded machine may take seconds; the assertion then shows what came). */
    udpGot: async (count = 0, ms = 5000) => {
      for (const end = Date.now() + ms; udpGot.length < count && Date.now() < end;) await new Promise((r) => setTimeout(r, 10));
      return udpGot.splice(0);
    },
    /** Sends a datagram (hex) to 127.0.0.1:port from the recorder; resolves with its port. */
    udpSend: (hex, port) => new Promise((resolve) => udpRec.send(Buffer.from(hex, 'hex'), port, '127.0.0.1', () => resolve(udpRec.address().port))),
    /** Connects to 127.0.0.1:port, writes hex, ends its side after `expect` bytes (or `ms` after connecting). */
    dial: (port, hex, expect = 0, ms = 2000) => new Promise((resolve) => {
      const chunks = [];
      let got = 0;
      let error;
      let timer;
      // The clock starts once connected: an end before that would make the write fail.
      const s = track(net.connect(port, '127.0.0.1', () => {
        if (hex) s.write(Buffer.from(hex, 'hex'));
        timer = setTimeout(() => s.end(), ms);
      }));
      s.on('data', (c) => {
        chunks.push(c);
        got += c.length;
        if (expect && got >= expect) { clearTimeout(timer); s.end(); }
      });
      s.on('error', (e) => { error = e.code; });
      s.on('close', () => { clearTimeout(timer); resolve({ text: Buffer.concat(chunks).toString('latin1'), length: got, error: error ?? null }); });
    }),
  };
  return {
    ports,
    callbacks,
    proxyUrl: `${proxy.url}?host={host}&port={port}`,
    async close() {
      for (const s of sockets) s.destroy();
      for (const s of servers) s.close();
      udpEcho.close();
      udpRec.close();
      await Promise.all([proxy.close(), small.close()]);
    },
  };
}

// Put on the page's window once: Socket (with Socket.defaultProxy set), env (the ports), and
// until / sleep / record.
async function setupPage(page, env, proxyUrl) {
  await page.evaluate(async ({ env, proxyUrl }) => {
    const { Socket } = await import('/js/browser/index.js');
    Socket.defaultProxy = proxyUrl;
    window.Socket = Socket;
    window.env = env;
    window.sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    window.until = (sock, type, ms = 5000) => new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${type} in ${ms} ms`)), ms);
      sock.addEventListener(type, (e) => { clearTimeout(timer); resolve(e.detail); }, { once: true });
    });
    // Waits until cond() holds (checked every 10 ms), at most `ms`: what arrives over the network
    // is awaited, not slept for, since a loaded machine can take seconds. A fixed sleep is only
    // for "nothing further happens".
    window.waitFor = async (cond, what, ms = 5000) => {
      for (const end = performance.now() + ms; !(await cond());) {
        if (performance.now() > end) throw new Error(`not in ${ms} ms: ${what}`);
        await sleep(10);
      }
    };
    const TYPES = ['stateChanged', 'hostFound', 'connected', 'connectFailed', 'error', 'dataAvailable',
      'disconnected', 'incomingConnection', 'drain', 'listening'];
    // Every DOM event as "type {detail}" (a Socket in the detail as "Socket").
    window.record = (sock, lines = []) => {
      for (const type of TYPES) {
        sock.addEventListener(type, (e) => {
          const detail = Object.fromEntries(Object.entries(e.detail ?? {}).map(([k, v]) => [k, v instanceof Socket ? 'Socket' : v]));
          lines.push(`${type} ${JSON.stringify(detail)}`);
        });
      }
      return lines;
    };
  }, { env, proxyUrl });
}

test('SPEC review: the browser Socket in Chromium through kvsocket-proxy', { timeout: 90_000 }, async (t) => {
  const peers = await startPeers();
  const env = peers.ports;
  const browser = await launchChromium();
  t.after(async () => {
    await browser.close();
    await peers.close();
  });
  const page = await browser.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  for (const [name, fn] of Object.entries(peers.callbacks)) await page.exposeFunction(name, fn);
  await page.goto(`http://127.0.0.1:${env.page}/`);
  await setupPage(page, env, peers.proxyUrl);
  const run = (fn, arg) => page.evaluate(fn, arg);

  // ----- functions: defaults, coercions, TypeErrors, destroyed sockets -----

  await t.test('a new Socket: an EventTarget with the defaults, idle queries answer their failure values', async () => {
    const r = await run(() => {
      const s = new Socket();
      const out = {
        isEventTarget: s instanceof EventTarget, status: s.status(), name: s.status(true), timeout: s.connectTimeout(),
        protocol: s.protocol(), remote: [s.remoteIp(), s.remotePort()], local: [s.localIp(), s.localPort()],
        available: s.bytesAvailable(), buffered: s.bufferedAmount(), lastError: s.lastError(),
        read: s.read(), readBytes: s.readBytes() instanceof Uint8Array, readHex: s.readHex(), write: s.write('x'),
        close: s.close(), on: s.on('drain', () => {}) === s,
      };
      s.destroy();
      return out;
    });
    assert.deepEqual(r, {
      isEventTarget: true, status: 0, name: 'Unconnected', timeout: 60000, protocol: 'tcp', remote: ['', 0],
      local: ['', 0], available: 0, buffered: 0, lastError: '', read: '', readBytes: true, readHex: '', write: 0,
      close: undefined, on: true,
    });
  });

  await t.test('constructor options: null is the defaults; a wrong type, protocol or timeout throws TypeError', async () => {
    const r = await run(() => {
      const out = {};
      const cases = { null: null, udp: { protocol: 'UDP' }, timeout: { connectTimeout: 1500 }, number: 5,
        sctp: { protocol: 'sctp' }, zero: { connectTimeout: 0 }, text: { connectTimeout: '1500' } };
      for (const [k, o] of Object.entries(cases)) {
        try {
          const s = new Socket(o);
          out[k] = [s.protocol(), s.connectTimeout()];
          s.destroy();
        } catch (e) { out[k] = e.constructor.name; }
      }
      return out;
    });
    assert.deepEqual(r, { null: ['tcp', 60000], udp: ['udp', 60000], timeout: ['tcp', 1500], number: 'TypeError',
      sctp: 'TypeError', zero: 'TypeError', text: 'TypeError' });
  });

  await t.test('connect() refuses bad hosts and ports with false and lastError, starting nothing', async () => {
    const r = await run(() => {
      const out = [];
      const cases = [['127.0.0.1', 0], ['127.0.0.1', 65536], ['127.0.0.1', '80.5'], ['127.0.0.1', -1], ['127.0.0.1', NaN],
        ['127.0.0.1', undefined], ['127.0.0.1', '0x50'], ['127.0.0.1', true], ['', 80], [5, 80], [null, 80], ['a..b', 80],
        ['1.2.3.4.5', 80], ['256.1.1.1', 80], ['-a.com', 80], ['[::1', 80]];
      for (const [host, port] of cases) {
        const s = new Socket();
        const ok = s.connect(host, port);
        if (ok !== false || s.status() !== 0 || s.lastError() === '') out.push([host, String(port), ok, s.status()]);
        s.destroy();
      }
      return out;
    });
    assert.deepEqual(r, []);
  });

  await t.test("connect(ip, '80') and connect(ip, 80.0) connect; status is Connecting at once, remote set", async () => {
    const r = await run(async () => {
      const out = [];
      for (const port of [String(env.echo), env.echo + 0.0]) {
        const s = new Socket();
        const ok = s.connect('127.0.0.1', port);
        out.push([ok, s.status(true), s.remoteIp(), s.remotePort() === env.echo, s.localIp(), s.localPort()]);
        await until(s, 'connected');
        s.destroy();
      }
      return out;
    });
    assert.deepEqual(r, [[true, 'Connecting', '127.0.0.1', true, '', 0], [true, 'Connecting', '127.0.0.1', true, '', 0]]);
  });

  await t.test('TypeErrors: setConnectTimeout, setHighWaterMark, writeHex, write types and lengths, accept', async () => {
    const r = await run(() => {
      const s = new Socket();
      const t = (f) => { try { return ['ok', f()]; } catch (e) { return e.constructor.name; } };
      const out = {
        timeout: [t(() => s.setConnectTimeout(0)), t(() => s.setConnectTimeout(-5)), t(() => s.setConnectTimeout(1.5)),
          t(() => s.setConnectTimeout('100')), t(() => s.setConnectTimeout(100)), s.connectTimeout()],
        highWater: [t(() => s.setHighWaterMark(0)), t(() => s.setHighWaterMark(10))],
        writeHex: [t(() => s.writeHex('abc')), t(() => s.writeHex('zz')), t(() => s.writeHex(12)), t(() => s.writeHex('abcd'))],
        write: [t(() => s.write(5)), t(() => s.write(null)), t(() => s.write({})), t(() => s.write([1, 256])),
          t(() => s.write([{}])), t(() => s.write('x', -1)), t(() => s.write('x', '1')), t(() => s.write('abc'))],
        accept: [t(() => s.accept({})), t(() => s.accept(s)), s.lastError()],
        protocol: [s.setProtocol('UDP'), s.protocol(), s.setProtocol('sctp'), s.protocol(), s.setProtocol('Tcp'), s.protocol()],
      };
      s.destroy();
      return out;
    });
    assert.deepEqual(r, {
      timeout: ['TypeError', 'TypeError', 'TypeError', 'TypeError', ['ok', undefined], 100],
      highWater: ['TypeError', ['ok', undefined]],
      writeHex: ['TypeError', 'TypeError', 'TypeError', ['ok', 0]],
      write: ['TypeError', 'TypeError', 'TypeError', 'TypeError', 'TypeError', 'TypeError', 'TypeError', ['ok', 0]],
      accept: ['TypeError', ['ok', false], 'accept is only valid inside incomingConnectionEvent'],
      protocol: [true, 'udp', false, 'udp', true, 'tcp'],
    });
  });

  await t.test('after destroy(): failure values, status 0, idempotent; Symbol.dispose destroys', async () => {
    const r = await run(() => {
      const s = new Socket();
      s.listen(0, '127.0.0.1');
      s[Symbol.dispose]();
      s.destroy();
      return {
        status: [s.status(), s.status(true)], connect: s.connect('127.0.0.1', env.echo), listen: s.listen(0),
        write: s.write('x'), writeHex: s.writeHex('00'), read: [s.read(), s.readBytes().length, s.readHex()],
        available: s.bytesAvailable(), protocol: s.setProtocol('udp'), remote: [s.remoteIp(), s.remotePort()],
        local: [s.localIp(), s.localPort()], accept: s.accept(new Socket()), lastError: s.lastError() !== '',
      };
    });
    assert.deepEqual(r, {
      status: [0, 'Unconnected'], connect: false, listen: false, write: 0, writeHex: 0, read: ['', 0, ''], available: 0,
      protocol: false, remote: ['', 0], local: ['', 0], accept: false, lastError: true,
    });
  });

  // ----- the proxy URL -----

  await t.test('no proxy configured: connect, listen and UDP return false with lastError, nothing starts', async () => {
    const r = await run(() => {
      const saved = Socket.defaultProxy;
      Socket.defaultProxy = '';
      try {
        const s = new Socket();
        const u = new Socket({ protocol: 'udp' });
        const e = new Socket({ proxy: '' });
        const out = { connect: [s.connect('127.0.0.1', env.echo), s.status(), s.lastError() !== ''], listen: [s.listen(0), s.status()],
          udp: [u.listen(0), u.connect('127.0.0.1', env.udpEcho), u.status()], emptyOption: e.connect('127.0.0.1', env.echo) };
        for (const x of [s, u, e]) x.destroy();
        return out;
      } finally { Socket.defaultProxy = saved; }
    });
    assert.deepEqual(r, { connect: [false, 0, true], listen: [false, 0], udp: [false, false, 0], emptyOption: false });
  });

  await t.test('Socket.defaultProxy counts when set after the socket was made; options.proxy wins over it', async () => {
    const r = await run(async () => {
      const saved = Socket.defaultProxy;
      Socket.defaultProxy = '';
      const s = new Socket();
      const before = s.connect('127.0.0.1', env.echo);
      Socket.defaultProxy = saved;
      const after = s.connect('127.0.0.1', env.echo);
      await until(s, 'connected');
      const o = new Socket({ proxy: `ws://127.0.0.1:${env.closed}/?host={host}&port={port}` });
      o.connect('127.0.0.1', env.echo);
      const failed = await until(o, 'connectFailed');
      s.destroy();
      o.destroy();
      return { before, after, failed };
    });
    // The reason says where the proxy was looked for (the engine adds the host's detail).
    assert.deepEqual(r, { before: false, after: true, failed: { reason: `Proxy refused the connection: no WebSocket to the proxy at ws://127.0.0.1:${env.closed}/: it is not running there, cannot be reached, or refused the session (Origin, token, capacity)`, code: 'ProxyConnectionRefused' } });
  });

  await t.test('the URL template: {host} and {port} replaced URI-encoded, other parameters kept, end=1 and report=1 added, subprotocol binary', async () => {
    const r = await run(async () => {
      const remote = [];
      const before = await upgradeCount();
      for (const [i, [host, port]] of [['::1', 7], ['[::1]', 8], ['127.0.0.1', '9'], ['Example.COM', 10]].entries()) {
        const s = new Socket({ proxy: `ws://127.0.0.1:${env.silent}/x?h={host}&p={port}&k=1`, connectTimeout: 5000 });
        s.connect(host, port);
        await waitFor(async () => (await upgradeCount()) > before + i, 'the upgrade request').catch(() => {});
        remote.push(s.remoteIp());
        s.destroy();
      }
      return { remote, upgrades: await upgrades() };
    });
    assert.deepEqual(r.remote, ['::1', '::1', '127.0.0.1', '0.0.0.0']); // 0.0.0.0 for a name: docs/browser-host.md
    assert.deepEqual(r.upgrades, [
      { line: 'GET /x?h=%3A%3A1&p=7&k=1&end=1&report=1 HTTP/1.1', protocol: 'binary' },
      { line: 'GET /x?h=%3A%3A1&p=8&k=1&end=1&report=1 HTTP/1.1', protocol: 'binary' },
      { line: 'GET /x?h=127.0.0.1&p=9&k=1&end=1&report=1 HTTP/1.1', protocol: 'binary' },
      { line: 'GET /x?h=Example.COM&p=10&k=1&end=1&report=1 HTTP/1.1', protocol: 'binary' },
    ]);
  });

  await t.test('connectTimeout: a proxy that never answers the upgrade is SocketTimeout, in order', async () => {
    const r = await run(async () => {
      const s = new Socket({ proxy: `ws://127.0.0.1:${env.silent}/?host={host}&port={port}`, connectTimeout: 300 });
      const lines = record(s);
      const t0 = performance.now();
      s.connect('127.0.0.1', env.echo);
      await until(s, 'stateChanged'); // Connecting
      await until(s, 'stateChanged', 3000); // Unconnected
      const ms = performance.now() - t0;
      await sleep(20);
      const out = { lines, inTime: ms > 250 && ms < 1500, status: s.status(), lastError: s.lastError() };
      s.destroy();
      return out;
    });
    assert.deepEqual(r, {
      lines: ['stateChanged {"status":2,"name":"Connecting"}', 'connectFailed {"reason":"Connection timed out","code":"SocketTimeout"}',
        'error {"code":"SocketTimeout","message":"Connection timed out","fatal":true}', 'stateChanged {"status":0,"name":"Unconnected"}'],
      inTime: true, status: 0, lastError: 'Connection timed out',
    });
  });

  await t.test('a proxy URL that is not a WebSocket URL (ftp:): connect() and listen() return false, lastError says why', async () => {
    const r = await run(async () => {
      const s = new Socket({ proxy: 'ftp://x/?h={host}&p={port}' });
      const lines = record(s);
      const ok = s.connect('127.0.0.1', env.echo);
      const out = { ok, status: s.status(true), lastError: s.lastError(), listen: s.listen(0) };
      await sleep(50);
      out.lines = lines;
      s.destroy();
      return out;
    });
    assert.deepEqual(r, {
      ok: false, status: 'Unconnected', listen: false, lines: [],
      lastError: 'the proxy URL must be a WebSocket URL (ws:, wss:, http: or https:), not ftp:',
    });
  });

  await t.test('a proxy URL the browser rejects otherwise: connect() returned true, so status() is Connecting until the failure event', async () => {
    const r = await run(async () => {
      const s = new Socket({ proxy: 'ws://127.0.0.1:99999/?host={host}&port={port}' }); // a port out of range
      const lines = record(s);
      const inHandler = [];
      s.stateChangedEvent = (name) => inHandler.push(`${name} ${s.status(true)}`);
      const ok = s.connect('127.0.0.1', env.echo);
      const status = s.status(true);
      await waitFor(() => s.status() === 0, 'Unconnected').catch(() => {});
      await sleep(50); // nothing after it
      s.destroy();
      return { ok, status, inHandler, lines };
    });
    assert.equal(r.ok, true);
    assert.deepEqual(r.lines, ['stateChanged {"status":2,"name":"Connecting"}', 'connectFailed {"reason":"Proxy not found","code":"ProxyNotFound"}',
      'error {"code":"ProxyNotFound","message":"Proxy not found","fatal":true}', 'stateChanged {"status":0,"name":"Unconnected"}']);
    assert.equal(r.status, 'Connecting', 'status() right after connect() returned true');
    assert.deepEqual(r.inHandler, ['Connecting Connecting', 'Unconnected Unconnected']);
  });

  // ----- events: order, asynchrony, detail shapes, older names -----

  await t.test('connect, echo, close: events in order, asynchronous, method then CustomEvent with its detail', async () => {
    const r = await run(async () => {
      const s = new Socket();
      const lines = record(s);
      const calls = [];
      s.stateChangedEvent = (name) => calls.push(`stateChangedEvent ${name}`);
      s.connectedEvent = function () { calls.push(`connectedEvent ${this === s} ${s.status(true)} ${s.remoteIp()}`); };
      s.connectEvent = () => calls.push('connectEvent');
      s.dataAvailableEvent = (n) => calls.push(`dataAvailableEvent ${n}`);
      s.disconnectEvent = (e) => calls.push(`disconnectEvent '${e}'`);
      s.disconnectedEvent = (e) => calls.push(`disconnectedEvent '${e}'`);
      const ok = s.connect('127.0.0.1', env.echo);
      const sync = lines.length + calls.length;
      await until(s, 'connected');
      s.write('hello\0');
      await until(s, 'dataAvailable');
      await waitFor(() => s.bytesAvailable() >= 6, 'the echo');
      const text = s.read();
      s.close();
      const afterClose = [s.status(true), lines.length];
      await sleep(50);
      s.destroy();
      return { ok, sync, afterClose, text, lines, calls };
    });
    assert.equal(r.ok, true);
    assert.equal(r.sync, 0, 'no event inside connect()');
    assert.equal(r.text, 'helloÿ');
    assert.deepEqual(r.afterClose, ['Unconnected', 4], 'close() without pending output ends at once; its events come later');
    assert.deepEqual(r.lines, ['stateChanged {"status":2,"name":"Connecting"}', 'stateChanged {"status":3,"name":"Connected"}', 'connected {}',
      'dataAvailable {"length":6}', 'stateChanged {"status":0,"name":"Unconnected"}', 'disconnected {"error":""}']);
    assert.deepEqual(r.calls, ['stateChangedEvent Connecting', 'stateChangedEvent Connected', 'connectedEvent true Connected 127.0.0.1',
      'connectEvent', 'dataAvailableEvent 6', 'stateChangedEvent Unconnected', "disconnectEvent ''", "disconnectedEvent ''"]);
  });

  await t.test('a refused target: connectFailed(reason), errorEvent(code, message), stateChanged(Unconnected)', async () => {
    const r = await run(async () => {
      const s = new Socket();
      const lines = record(s);
      const args = [];
      s.connectFailedEvent = (...a) => args.push(['connectFailedEvent', ...a]);
      s.errorEvent = (...a) => args.push(['errorEvent', ...a]);
      s.connect('127.0.0.1', env.closed);
      await until(s, 'stateChanged');
      await until(s, 'stateChanged');
      await sleep(20);
      const out = { lines, args, lastError: s.lastError(), status: s.status() };
      s.destroy();
      return out;
    });
    assert.deepEqual(r, {
      lines: ['stateChanged {"status":2,"name":"Connecting"}', 'connectFailed {"reason":"Connection refused","code":"ConnectionRefused"}',
        'error {"code":"ConnectionRefused","message":"Connection refused","fatal":true}', 'stateChanged {"status":0,"name":"Unconnected"}'],
      args: [['connectFailedEvent', 'Connection refused'], ['errorEvent', 'ConnectionRefused', 'Connection refused']],
      lastError: 'Connection refused', status: 0,
    });
  });

  await t.test('peer closes: dataAvailable for the last bytes, then Unconnected, disconnected(\'\'); the bytes stay readable', async () => {
    const r = await run(async () => {
      const s = new Socket();
      const lines = record(s);
      s.connect('127.0.0.1', env.cmd);
      await until(s, 'connected');
      s.write('send 6c61737400ff end\n');
      await until(s, 'disconnected');
      const out = { lines: lines.slice(3), available: s.bytesAvailable(), hex: s.readHex(), status: s.status(true), again: s.connect('127.0.0.1', env.echo) };
      s.destroy();
      return out;
    });
    assert.deepEqual(r, {
      lines: ['dataAvailable {"length":6}', 'stateChanged {"status":0,"name":"Unconnected"}', 'disconnected {"error":""}'],
      available: 6, hex: '6c61737400ff', status: 'Unconnected', again: true,
    });
  });

  await t.test('a node:http server: the whole answer is readable after its close', async () => {
    const r = await run(async () => {
      const s = new Socket();
      s.connect('127.0.0.1', env.http);
      await until(s, 'connected');
      s.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
      const d = await until(s, 'disconnected');
      const text = s.read();
      s.destroy();
      return { d, status: text.split('\r\n')[0], body: text.includes('\r\n\r\n15\r\nhello from node:http\n\r\n0\r\n\r\n') };
    });
    assert.deepEqual(r, { d: { error: '' }, status: 'HTTP/1.1 200 OK', body: true });
  });

  await t.test('a reset: last bytes, error(RemoteHostClosed), Unconnected, disconnected(message)', async () => {
    const r = await run(async () => {
      const s = new Socket();
      const lines = record(s);
      s.connect('127.0.0.1', env.cmd);
      await until(s, 'connected');
      s.write('send 6f6b reset\n');
      await until(s, 'disconnected');
      const out = { lines: lines.slice(3), text: s.read(), lastError: s.lastError() };
      s.destroy();
      return out;
    });
    assert.deepEqual(r, {
      lines: ['dataAvailable {"length":2}', 'error {"code":"RemoteHostClosed","message":"Remote host closed the connection","fatal":true}',
        'stateChanged {"status":0,"name":"Unconnected"}', 'disconnected {"error":"Remote host closed the connection"}'],
      text: 'ok', lastError: 'Remote host closed the connection',
    });
  });

  await t.test('destroy() inside each handler: no further event of any kind, nothing thrown', async () => {
    const r = await run(async () => {
      const out = {};
      const starts = {
        stateChangedEvent: (s) => s.connect('127.0.0.1', env.echo),
        connectedEvent: (s) => s.connect('127.0.0.1', env.echo),
        dataAvailableEvent: (s) => { s.connectedEvent = () => s.write('send 6162 end\n'); s.connect('127.0.0.1', env.cmd); },
        connectFailedEvent: (s) => s.connect('127.0.0.1', env.closed),
        errorEvent: (s) => s.connect('127.0.0.1', env.closed),
        disconnectEvent: (s) => { s.connectedEvent = () => s.write('send 6162 end\n'); s.connect('127.0.0.1', env.cmd); },
      };
      for (const [method, start] of Object.entries(starts)) {
        const s = new Socket();
        const lines = record(s);
        const calls = [];
        let threw = null;
        s[method] = () => { calls.push(method); try { s.destroy(); } catch (e) { threw = String(e); } };
        s.disconnectedEvent = () => calls.push('disconnectedEvent');
        start(s);
        // The handler's event first (however long the connection takes), then 300 ms for any
        // further event; `calls` copied then, like the rest.
        await waitFor(() => calls.length > 0, method).catch(() => {});
        await sleep(300);
        out[method] = { calls: [...calls], last: lines.at(-1) ?? null, threw, status: s.status() };
      }
      return out;
    });
    const last = { stateChangedEvent: null, connectedEvent: 'stateChanged {"status":3,"name":"Connected"}', dataAvailableEvent: 'connected {}',
      connectFailedEvent: 'stateChanged {"status":2,"name":"Connecting"}',
      errorEvent: 'connectFailed {"reason":"Connection refused","code":"ConnectionRefused"}',
      disconnectEvent: 'stateChanged {"status":0,"name":"Unconnected"}' };
    for (const [method, seen] of Object.entries(r)) {
      assert.deepEqual(seen, { calls: [method], last: last[method], threw: null, status: 0 }, method);
    }
  });

  // ----- read and write -----

  await t.test('read(): UTF-8, NUL -> ÿ, invalid -> U+FFFD, an incomplete sequence at the end stays while open', async () => {
    const r = await run(async () => {
      const s = new Socket();
      s.connect('127.0.0.1', env.cmd);
      await until(s, 'connected');
      s.write('send 68c3a96c6c6f00ff41e282ac42e282 stay\n');
      await until(s, 'dataAvailable');
      await waitFor(() => s.bytesAvailable() >= 15, 'the 15 bytes');
      const out = { available: s.bytesAvailable(), all: s.read(), left: s.bytesAvailable(), leftHex: s.readHex() };
      s.destroy();
      return out;
    });
    assert.deepEqual(r, { available: 15, all: 'hélloÿ\uFFFDA€B', left: 2, leftHex: 'e282' });
  });

  await t.test('an incomplete sequence at the end after the peer closed: read() gives U+FFFD, the buffer empties', async () => {
    const r = await run(async () => {
      const s = new Socket();
      s.connect('127.0.0.1', env.cmd);
      await until(s, 'connected');
      s.write('send 41e282 end\n');
      await until(s, 'disconnected');
      const out = [s.bytesAvailable(), s.read(), s.bytesAvailable()];
      s.destroy();
      return out;
    });
    assert.deepEqual(r, [3, 'A\uFFFD', 0]);
  });

  await t.test('read lengths: n bytes, numeric strings, fractions down; 0 / negative / NaN / too large / junk take all', async () => {
    const r = await run(async () => {
      const s = new Socket();
      s.connect('127.0.0.1', env.cmd);
      await until(s, 'connected');
      s.write('send 000102030405060708090a stay\n');
      await until(s, 'dataAvailable');
      await waitFor(() => s.bytesAvailable() >= 11, 'the 11 bytes');
      const out = { two: s.readHex(2), text: s.readHex('2'), bytes: Array.from(s.readBytes(3)), one: s.read(1), frac: s.readHex(1.5), rest: s.readHex(-1) };
      s.destroy();
      const all = {}; // the cmd server takes one command per connection: one connection each
      for (const len of [0, -1, NaN, 1000, undefined, 'abc', null]) {
        const u = new Socket();
        u.connect('127.0.0.1', env.cmd);
        await until(u, 'connected');
        u.write('send 6162636465 stay\n');
        await until(u, 'dataAvailable');
        await waitFor(() => u.bytesAvailable() >= 5, 'the 5 bytes');
        all[String(len)] = u.readHex(len);
        u.destroy();
      }
      return { ...out, all };
    });
    assert.deepEqual(r, { two: '0001', text: '0203', bytes: [4, 5, 6], one: '\u0007', frac: '08', rest: '090a',
      all: { 0: '6162636465', '-1': '6162636465', NaN: '6162636465', 1000: '6162636465', undefined: '6162636465', abc: '6162636465', null: '6162636465' } });
  });

  await t.test('dataAvailable(length) is what is buffered now', async () => {
    const r = await run(async () => {
      const s = new Socket();
      s.connect('127.0.0.1', env.cmd);
      await until(s, 'connected');
      const lengths = [];
      const buffered = [];
      s.dataAvailableEvent = (n) => { lengths.push(n); buffered.push(s.bytesAvailable()); };
      s.write('send 61626364 split\n');
      await waitFor(() => s.bytesAvailable() === 4, 'the fourth byte').catch(() => {});
      await sleep(30); // its event
      const out = { lengths, buffered, text: s.read() };
      s.destroy();
      return out;
    });
    // One byte every 30 ms: one event each, unless a loaded machine let bytes arrive together
    // (then one event for them); each event's length is what was buffered then.
    assert.equal(r.text, 'abcd');
    assert.deepEqual(r.lengths, r.buffered);
    assert.equal(r.lengths.at(-1), 4);
    assert.ok(r.lengths.every((n, i) => i === 0 || n > r.lengths[i - 1]), `lengths ${r.lengths} grow`);
  });

  await t.test('write(): while Connecting queued; ArrayBuffer, DataView, typed arrays, Array items, length caps', async () => {
    const r = await run(async () => {
      const i = await sinkCount();
      const s = new Socket();
      const n = [];
      s.connect('127.0.0.1', env.sink);
      n.push(s.write('A'));
      await until(s, 'connected');
      n.push(s.write(new Uint8Array([0x42, 0x43]).buffer));
      n.push(s.write(new DataView(new Uint8Array([0x44, 0x45, 0x46]).buffer, 1, 1)));
      n.push(s.write(new Uint16Array([0x4847])));
      n.push(s.write([0x49, 'é', new Uint8Array([0x4a]), new DataView(new Uint8Array([0x4b]).buffer), new Uint8Array([0x4c]).buffer]));
      n.push(s.write('xyz', 1));
      n.push(s.write('€', 2));
      n.push(s.write(new Uint8Array([0x4d, 0x4e]), 0));
      n.push(s.write([], 5));
      n.push(s.write('', 5));
      n.push(s.write('opq', 2.7));
      n.push(s.writeHex('0A'));
      s.close();
      const got = await sinkResult(i);
      s.destroy();
      return { n, hex: got.head };
    });
    assert.deepEqual(r, { n: [1, 2, 1, 2, 6, 1, 2, 0, 0, 0, 2, 1], hex: '41424345474849c3a94a4b4c78e2826f700a' });
  });

  // The facade lends a write's view to the host's send (WebSocket.send copies it) and copies it
  // only when it waits: while Connecting, and before the WebSocket of an accepted connection
  // opens. Either way a change to the caller's buffer after write() returned changes nothing.
  await t.test('bytes are taken when write() returns: changing the caller\'s buffer later changes nothing', async () => {
    const r = await run(async () => {
      const i = await sinkCount();
      const s = new Socket();
      const early = new Uint8Array([0x41, 0x42]); // written while Connecting: it waits
      s.connect('127.0.0.1', env.sink);
      s.write(early);
      early.fill(0x3f);
      await until(s, 'connected');
      const now = new Uint8Array([0x43, 0x44]); // connected: sent within write()
      s.write(now);
      now.fill(0x3f);
      const part = new Uint8Array([0x45, 0x46, 0x47]);
      s.write(part.subarray(1));
      part.fill(0x3f);
      s.close();
      const got = await sinkResult(i);
      s.destroy();
      // An accepted connection: written in incomingConnectionEvent, before its claim opened.
      const server = new Socket();
      const lines = [];
      server.incomingConnectionEvent = (c) => {
        server.accept(c);
        const early2 = new Uint8Array([0x61, 0x62, 0x63]);
        c.write(early2);
        early2.fill(0x3f);
        c.close();
      };
      server.listen(0, '127.0.0.1');
      await until(server, 'listening');
      const client = new Socket();
      client.dataAvailableEvent = () => lines.push(client.read());
      client.connect('127.0.0.1', server.localPort());
      await waitFor(() => lines.join('') === 'abc', 'the accepted connection\'s bytes');
      client.destroy();
      server.destroy();
      return { hex: got.head, accepted: lines.join('') };
    });
    assert.deepEqual(r, { hex: '414243444647', accepted: 'abc' });
  });

  await t.test('Blob and File: their size returned, kept in order with later writes, flushed by close()', async () => {
    const r = await run(async () => {
      const i = await sinkCount();
      const s = new Socket();
      const idle = s.write(new Blob(['x']));
      s.connect('127.0.0.1', env.sink);
      const n = [s.write(new Blob(['1-']))];
      await until(s, 'connected');
      n.push(s.write(new Blob(['22', new Uint8Array([0x2d])])));
      n.push(s.write('3-'));
      n.push(s.write(new Blob(['4444-']), 2));
      n.push(s.write(new Blob([])));
      n.push(s.write(new File(['5-'], 'five.txt')));
      n.push(s.write([0x36]));
      n.push(s.write(new Blob([new Uint8Array(300000).fill(0x37)])));
      n.push(s.write('8'));
      s.close();
      const closing = s.status(true);
      const blobWhileClosing = s.write(new Blob(['9']));
      const got = await sinkResult(i);
      s.destroy();
      return { idle, n, closing, blobWhileClosing, length: got.length, head: got.head.slice(0, 38), sum: got.sum };
    });
    assert.deepEqual(r, { idle: 0, n: [2, 3, 2, 2, 0, 2, 1, 300000, 1], closing: 'Closing', blobWhileClosing: 0, length: 300013,
      head: '312d32322d332d3434352d3637373737373737', sum: 0x31 + 0x2d + 0x32 * 2 + 0x2d + 0x33 + 0x2d + 0x34 * 2 + 0x35 + 0x2d + 0x36 + 0x37 * 300000 + 0x38 });
  });

  await t.test('close() with 6 MiB pending: Closing, every byte arrives, then Unconnected and disconnected(\'\')', async () => {
    const r = await run(async () => {
      const i = await sinkCount();
      const s = new Socket();
      s.connect('127.0.0.1', env.sink);
      await until(s, 'connected');
      const lines = record(s);
      const N = 6 << 20;
      const b = new Uint8Array(N);
      for (let k = 0; k < N; k++) b[k] = k % 253;
      let sum = 0;
      for (const x of b) sum = (sum + x) >>> 0;
      const written = s.write(b);
      s.close();
      const during = { status: s.status(true), write: s.write('x'), connect: s.connect('127.0.0.1', env.sink), listen: s.listen(0) };
      const d = await until(s, 'disconnected', 15000);
      const got = await sinkResult(i);
      s.destroy();
      return { written, during, d, lines: lines.filter((l) => !l.startsWith('drain')), whole: got.length === N && got.sum === sum };
    });
    assert.deepEqual(r, { written: 6 << 20, during: { status: 'Closing', write: 0, connect: false, listen: false }, d: { error: '' },
      lines: ['stateChanged {"status":5,"name":"Closing"}', 'stateChanged {"status":0,"name":"Unconnected"}', 'disconnected {"error":""}'],
      whole: true });
  });

  await t.test('a single write larger than the proxy\'s largest message is sent (TCP has no message size)',
    async () => {
      const r = await run(async () => {
        const i = await sinkCount();
        const s = new Socket({ proxy: `ws://127.0.0.1:${env.small}/?host={host}&port={port}` });
        const errors = [];
        s.addEventListener('error', (e) => errors.push(e.detail.code));
        s.connect('127.0.0.1', env.sink);
        await until(s, 'connected');
        const n = s.write(new Uint8Array(200000).fill(7));
        await sleep(300);
        const status = s.status(true);
        s.close();
        const got = await Promise.race([sinkResult(i), sleep(3000).then(() => ({ length: 'no end' }))]);
        s.destroy();
        return { n, status, errors, length: got.length };
      });
      assert.deepEqual(r, { n: 200000, status: 'Connected', errors: [], length: 200000 });
    });

  await t.test('a reset while Closing: the flush did not finish, so errorEvent and disconnected(message), as in Node',
    async () => {
      const r = await run(async () => {
        const s = new Socket();
        const lines = [];
        for (const type of ['error', 'disconnected']) s.addEventListener(type, (e) => lines.push(`${type} ${JSON.stringify(e.detail)}`));
        s.connect('127.0.0.1', env.cmd);
        await until(s, 'connected');
        s.write('rst\n');
        s.write(new Uint8Array(8 << 20));
        s.close();
        await until(s, 'disconnected', 8000).catch(() => null);
        s.destroy();
        return lines;
      });
      assert.deepEqual(r, ['error {"code":"RemoteHostClosed","message":"Remote host closed the connection","fatal":true}',
        'disconnected {"error":"Remote host closed the connection"}']);
    });

  await t.test('a peer that half-closes right after its question still gets the answer written on its data (Node flushes it too)', async () => {
    const r = await run(async () => {
      const i = await askCount();
      const s = new Socket();
      const lines = [];
      s.dataAvailableEvent = () => {
        const q = s.read();
        lines.push(`data ${JSON.stringify(q)} ${s.status(true)}`);
        lines.push(`write ${s.write(`answer to ${q}`)}`);
      };
      s.disconnectEvent = (e) => lines.push(`disconnected '${e}'`);
      s.connect('127.0.0.1', env.ask);
      await until(s, 'connected');
      const answer = await askResult(i);
      await waitFor(() => lines.some((l) => l.startsWith('disconnected')), 'disconnected').catch(() => {});
      s.destroy();
      return { lines, answer };
    });
    assert.deepEqual(r, { lines: ['data "question?\\n" Connected', 'write 20', "disconnected ''"], answer: 'answer to question?\n' });
  });

  await t.test('drainEvent: after a write went over the high-water mark, once it fell below', async () => {
    const r = await run(async () => {
      const i = await sinkCount();
      const s = new Socket();
      s.connect('127.0.0.1', env.sink);
      await until(s, 'connected');
      s.setHighWaterMark(1000);
      let drains = 0;
      s.drainEvent = () => { drains++; };
      s.write(new Uint8Array(500));
      await sleep(100);
      const under = drains;
      s.write(new Uint8Array(200000));
      const over = s.bufferedAmount() > 1000;
      await until(s, 'drain');
      const out = { under, over, drains, below: s.bufferedAmount() < 1000 };
      s.close();
      await sinkResult(i);
      s.destroy();
      return out;
    });
    assert.deepEqual(r, { under: 0, over: true, drains: 1, below: true });
  });

  await t.test('close() while Connecting: abandoned (no connectFailed), queued output dropped, connect again at once', async () => {
    const r = await run(async () => {
      const s = new Socket();
      const lines = record(s);
      s.connect('127.0.0.1', env.echo);
      s.write('lost');
      s.close();
      const status = s.status();
      const again = s.connect('127.0.0.1', env.echo);
      await until(s, 'connected');
      s.write('new');
      await until(s, 'dataAvailable');
      await waitFor(() => s.bytesAvailable() >= 3, 'the echo');
      const out = { status, again, lines, text: s.read() };
      s.destroy();
      return out;
    });
    assert.deepEqual(r, { status: 0, again: true, text: 'new', lines: ['stateChanged {"status":2,"name":"Connecting"}',
      'stateChanged {"status":0,"name":"Unconnected"}', 'stateChanged {"status":2,"name":"Connecting"}',
      'stateChanged {"status":3,"name":"Connected"}', 'connected {}', 'dataAvailable {"length":3}'] });
  });

  // ----- listening through the reverse tunnel -----

  await t.test('listen(): argument refusals; Listening at once; listening {ip, port}; busy while listening', async () => {
    const r = await run(async () => {
      const out = {};
      for (const args of [[65536], [-1], [0, 'localhost'], [0, '127.0.0.1', true], [1.5], [0, 'x.y']]) {
        const s = new Socket();
        out[JSON.stringify(args)] = [s.listen(...args), s.status(), s.lastError() !== ''];
        s.destroy();
      }
      const s = new Socket();
      const lines = record(s);
      out.ok = [s.listen('0', '127.0.0.1'), s.status(true)];
      out.busy = [s.listen(0, '127.0.0.1'), s.connect('127.0.0.1', env.echo), s.write('x')];
      const l = await until(s, 'listening');
      out.addresses = [l.ip, l.port > 0 && l.port === s.localPort(), s.localIp(), s.remoteIp(), s.remotePort()];
      s.close();
      out.closed = s.status(true);
      await sleep(30);
      out.lines = lines.map((x) => x.replace(/"port":\d+/, '"port":P'));
      s.destroy();
      return out;
    });
    assert.deepEqual(r, {
      '[65536]': [false, 0, true], '[-1]': [false, 0, true], '[0,"localhost"]': [false, 0, true], '[0,"127.0.0.1",true]': [false, 0, true],
      '[1.5]': [false, 0, true], '[0,"x.y"]': [false, 0, true],
      ok: [true, 'Listening'], busy: [false, false, 0], addresses: ['127.0.0.1', true, '127.0.0.1', '', 0], closed: 'Unconnected',
      lines: ['stateChanged {"status":6,"name":"Listening"}', 'listening {"ip":"127.0.0.1","port":P}', 'stateChanged {"status":0,"name":"Unconnected"}'],
    });
  });

  await t.test('a port in use: errorEvent(AddressInUse), back to Unconnected; close() frees a port to listen again', async () => {
    const r = await run(async () => {
      const s = new Socket();
      const lines = record(s);
      s.listen(env.echo, '127.0.0.1');
      await until(s, 'error');
      await sleep(20);
      const inUse = { lines: lines.slice(), status: s.status(), lastError: s.lastError() };
      s.listen(0, '127.0.0.1');
      const { port } = await until(s, 'listening');
      s.close();
      const again = s.listen(port, '127.0.0.1');
      const res = await Promise.race([until(s, 'listening').then((d) => `listening ${d.port === port}`), until(s, 'error').then((d) => d.code)]);
      s.destroy();
      return { inUse, again, res };
    });
    assert.deepEqual(r, { inUse: { lines: ['stateChanged {"status":6,"name":"Listening"}', 'error {"code":"AddressInUse","message":"Address already in use","fatal":true}',
      'stateChanged {"status":0,"name":"Unconnected"}'], status: 0, lastError: 'Address already in use' }, again: true, res: 'listening true' });
  });

  await t.test('incoming: accept(socket) inside the handler keeps it (Connected, addresses set); outside, false', async () => {
    const r = await run(async () => {
      const server = new Socket();
      const lines = record(server);
      server.listen(0, '127.0.0.1');
      const { port } = await until(server, 'listening');
      let child;
      let info;
      server.incomingConnectionEvent = (sock) => {
        child = sock;
        info = { isSocket: sock instanceof Socket, status: sock.status(true), remote: [sock.remoteIp(), sock.remotePort() > 0],
          local: [sock.localIp(), sock.localPort() === port], accept: server.accept(sock), twice: server.accept(sock) };
        sock.dataAvailableEvent = () => sock.write(sock.read().toUpperCase());
      };
      const got = await dial(port, '68656c6c6f', 5);
      await sleep(50);
      const out = { info, got: got.text, lines: lines.slice(2), outside: server.accept(child), lastError: server.lastError() };
      child.destroy();
      server.destroy();
      return out;
    });
    assert.deepEqual(r, { info: { isSocket: true, status: 'Connected', remote: ['127.0.0.1', true], local: ['127.0.0.1', true], accept: true, twice: true },
      got: 'HELLO', lines: ['incomingConnection {"socket":"Socket"}'], outside: false, lastError: 'accept is only valid inside incomingConnectionEvent' });
  });

  await t.test('incoming: accept from a DOM listener of incomingConnection works too', async () => {
    const r = await run(async () => {
      const server = new Socket();
      server.listen(0, '127.0.0.1');
      const { port } = await until(server, 'listening');
      let accepted;
      let child;
      server.addEventListener('incomingConnection', (e) => {
        child = e.detail.socket;
        accepted = server.accept(child);
        child.dataAvailableEvent = () => child.write(child.read());
      });
      const got = await dial(port, '7878', 2);
      child?.destroy();
      server.destroy();
      return { accepted, got: got.text };
    });
    assert.deepEqual(r, { accepted: true, got: 'xx' });
  });

  await t.test('incoming: accept(other) moves the connection to a fresh socket; a busy one is refused', async () => {
    const r = await run(async () => {
      class Upper extends Socket {
        dataAvailableEvent() { this.write(this.read().toUpperCase()); }
      }
      const server = new Socket();
      server.listen(0, '127.0.0.1');
      const { port } = await until(server, 'listening');
      let other;
      let info;
      server.incomingConnectionEvent = (sock) => {
        other = new Upper();
        const busy = new Socket();
        busy.connect('127.0.0.1', env.echo);
        info = { busy: server.accept(busy), accept: server.accept(other), other: other.status(true), offered: sock.status(true), remote: other.remoteIp() };
        busy.destroy();
      };
      const got = await dial(port, '61626364', 4);
      await sleep(50);
      const out = { info, got: got.text, after: other?.status(true) };
      other?.destroy();
      server.destroy();
      return out;
    });
    assert.deepEqual(r, { info: { busy: false, accept: true, other: 'Connected', offered: 'Unconnected', remote: '127.0.0.1' }, got: 'ABCD', after: 'Unconnected' });
  });

  await t.test('incoming, not accepted: 200 kB the handler wrote are flushed, then a clean end', async () => {
    const r = await run(async () => {
      const server = new Socket();
      server.listen(0, '127.0.0.1');
      const { port } = await until(server, 'listening');
      const events = [];
      let ended;
      server.incomingConnectionEvent = (sock) => {
        sock.stateChangedEvent = (name) => events.push(name);
        sock.disconnectEvent = (e) => events.push(`disconnected '${e}'`);
        let page = 'HTTP/1.0 200 OK\r\n\r\n';
        for (let i = 0; page.length < 200000; i++) page += `${i % 10}`;
        events.push(sock.write(page));
        ended = until(sock, 'disconnected', 5000).catch(() => null);
        return true;
      };
      const got = await dial(port, '', 0, 3000);
      // The flush is clean once the proxy says the peer has the bytes and ended too (end
      // exchange), which the page may learn just after the peer saw its connection close.
      await ended;
      let sum = 0;
      for (let i = 0; i < got.text.length; i++) sum += got.text.charCodeAt(i);
      server.destroy();
      return { length: got.length, head: got.text.slice(0, 19), error: got.error, events, digitsOk: /^[0-9]+$/.test(got.text.slice(19)) };
    });
    assert.deepEqual(r, { length: 200000, head: 'HTTP/1.0 200 OK\r\n\r\n', error: null, events: [200000, 'Closing', 'Unconnected', "disconnected ''"], digitsOk: true });
  });

  await t.test('incoming: data the peer sent before the handler ran is kept; a peer that ends at once is a clean end', async () => {
    const r = await run(async () => {
      const server = new Socket();
      server.listen(0, '127.0.0.1');
      const { port } = await until(server, 'listening');
      const seen = [];
      server.incomingConnectionEvent = (sock) => {
        server.accept(sock);
        sock.disconnectEvent = (e) => seen.push([e, sock.bytesAvailable(), sock.read()]);
      };
      await dial(port, '71756974', 0, 1);
      await waitFor(() => seen.length > 0, 'disconnected').catch(() => {});
      server.destroy();
      return seen;
    });
    assert.deepEqual(r, [['', 4, 'quit']]);
  });

  await t.test('destroy() of the listener leaves the connection it accepted alone; close() stops listening', async () => {
    const r = await run(async () => {
      const server = new Socket();
      server.listen(0, '127.0.0.1');
      const { port } = await until(server, 'listening');
      let child;
      server.incomingConnectionEvent = (sock) => {
        server.accept(sock);
        child = sock;
        sock.dataAvailableEvent = () => { const text = sock.read(); server.destroy(); sock.write(text); };
      };
      const pending = dial(port, '31', 0, 800);
      // Its handler destroys the listener on the first byte.
      await waitFor(() => server.status() === 0, 'the first byte').catch(() => {});
      const status = child?.status(true);
      const w = child?.write('still');
      const got = await pending;
      child?.destroy();
      const s = new Socket();
      s.listen(0, '127.0.0.1');
      const l = await until(s, 'listening');
      s.close();
      // The proxy stops listening a moment later: dial until refused (a dial that still gets
      // through is closed, or reset while the proxy's listener goes away; bounded).
      let refused;
      for (const end = performance.now() + 5000; ;) {
        refused = await dial(l.port, '', 0, 300);
        if (refused.error === 'ECONNREFUSED' || performance.now() > end) break;
        await sleep(20);
      }
      s.destroy();
      return { status, w, got: got.text, refused: refused.error };
    });
    assert.deepEqual(r, { status: 'Connected', w: 5, got: '1still', refused: 'ECONNREFUSED' });
  });

  // ----- UDP through the datagram mode -----

  await t.test('UDP connect: writes while Connecting queued, one write one datagram, read takes one datagram', async () => {
    const r = await run(async () => {
      const s = new Socket({ protocol: 'udp' });
      const lines = record(s);
      const ok = s.connect('127.0.0.1', env.udpEcho);
      const early = [s.status(true), s.write('early')];
      await until(s, 'connected');
      const info = [s.status(true), s.remoteIp(), s.remotePort() === env.udpEcho, s.localIp(), s.localPort() > 0];
      const n = [s.write('one'), s.write('twotwo'), s.write([0, 1]), s.writeHex('ff00')];
      await waitFor(() => s.bytesAvailable() >= 18, 'the five echoes').catch(() => {});
      const reads = [s.bytesAvailable(), s.read(), s.read(3), s.bytesAvailable(), s.read(2), s.readHex(), s.readHex(), s.read()];
      s.close();
      const closed = s.status(true);
      await sleep(30);
      s.destroy();
      return { ok, early, info, n, reads, closed, lines: lines.filter((l) => !l.startsWith('dataAvailable')) };
    });
    assert.deepEqual(r, { ok: true, early: ['Connecting', 5], info: ['Connected', '127.0.0.1', true, '127.0.0.1', true], n: [3, 6, 2, 2],
      reads: [18, 'early', 'one', 10, 'tw', '0001', 'ff00', ''], closed: 'Unconnected',
      lines: ['stateChanged {"status":2,"name":"Connecting"}', 'stateChanged {"status":3,"name":"Connected"}', 'connected {}',
        'stateChanged {"status":0,"name":"Unconnected"}', 'disconnected {"error":""}'] });
  });

  await t.test('UDP: a datagram too large is errorEvent(DatagramTooLarge) and the socket goes on; busy refusals', async () => {
    const r = await run(async () => {
      const s = new Socket({ protocol: 'udp' });
      const refused = [s.connect('127.0.0.1', 0)];
      s.connect('127.0.0.1', env.udpEcho);
      refused.push(s.listen(0), s.connect('127.0.0.1', env.udpEcho), s.setProtocol('tcp'));
      await until(s, 'connected');
      const errors = [];
      s.addEventListener('error', (e) => errors.push(e.detail));
      const big = s.write(new Uint8Array(70000));
      await waitFor(() => errors.length > 0, 'errorEvent').catch(() => {});
      await sleep(50); // no second error
      const status = s.status(true);
      s.write('ok');
      await waitFor(() => s.bytesAvailable() > 0, 'the echo').catch(() => {});
      const out = { refused, big, errors, status, read: s.read() };
      s.destroy();
      return out;
    });
    assert.deepEqual(r, { refused: [false, false, false, false], big: 70000, errors: [{ code: 'DatagramTooLarge', message: 'Datagram too large', fatal: false }],
      status: 'Connected', read: 'ok' });
  });

  await t.test('UDP bound: Bound at once, remote is the sender of the datagram last read, write answers it', async () => {
    const r = await run(async () => {
      const s = new Socket({ protocol: 'udp' });
      const lines = record(s);
      const ok = [s.listen(0, '127.0.0.1'), s.status(true), s.write('nowhere')];
      const { port } = await until(s, 'listening');
      const from = await udpSend('68656c6c6f', port);
      await waitFor(() => s.bytesAvailable() > 0, 'the datagram').catch(() => {});
      const before = [s.bytesAvailable(), s.remoteIp(), s.remotePort(), s.localIp(), s.localPort() === port];
      const text = s.read();
      const after = [s.remoteIp(), s.remotePort() === from];
      const w = s.write('back');
      const got = await udpGot(1);
      s.close();
      const closed = s.status(true);
      await sleep(30);
      s.destroy();
      return { ok, before, text, after, w, got, closed, lines: lines.map((l) => l.replace(/"port":\d+/, '"port":P')) };
    });
    assert.deepEqual(r, { ok: [true, 'Bound', 0], before: [5, '', 0, '127.0.0.1', true], text: 'hello', after: ['127.0.0.1', true], w: 4,
      got: ['6261636b'], closed: 'Unconnected', lines: ['stateChanged {"status":4,"name":"Bound"}', 'listening {"ip":"127.0.0.1","port":P}',
        'dataAvailable {"length":5}', 'stateChanged {"status":0,"name":"Unconnected"}'] });
  });

  await t.test('UDP empty datagrams, as in Node: a write of nothing sends none; one received is no event', async () => {
    const r = await run(async () => {
      const s = new Socket({ protocol: 'udp' });
      const lines = record(s);
      s.listen(0, '127.0.0.1');
      const { port } = await until(s, 'listening');
      await udpSend('', port);
      await udpSend('6869', port);
      await waitFor(() => s.bytesAvailable() > 0, 'the second datagram').catch(() => {});
      await sleep(50); // the empty one came first: no event for it
      const got = [s.bytesAvailable(), s.read(), s.bytesAvailable()];
      const w = [s.write(''), s.write(new Uint8Array(0)), s.write('x', 0)];
      await sleep(100);
      const sent = await udpGot();
      s.destroy();
      return { got, w, sent, data: lines.filter((l) => l.startsWith('dataAvailable')) };
    });
    assert.deepEqual(r, { got: [2, 'hi', 0], w: [0, 0, 0], sent: [], data: ['dataAvailable {"length":2}'] });
  });

  await t.test('UDP bound with two senders: each write goes to the sender of the datagram just read', async () => {
    const r = await run(async () => {
      const s = new Socket({ protocol: 'udp' });
      s.listen(0, '127.0.0.1');
      const { port } = await until(s, 'listening');
      const other = new Socket({ protocol: 'udp' });
      other.connect('127.0.0.1', port);
      await until(other, 'connected');
      other.write('from-other');
      // Each datagram awaited before the next is sent, so that they arrive in this order.
      await waitFor(() => s.bytesAvailable() >= 10, 'the datagram from other').catch(() => {});
      await udpSend('66726f6d2d726563', port);
      await waitFor(() => s.bytesAvailable() >= 18, 'the datagram from the recorder').catch(() => {});
      const a = s.read();
      s.write('to-other');
      const b = s.read();
      s.write('to-rec');
      const rec = await udpGot(1);
      await waitFor(() => other.bytesAvailable() > 0, 'the answer to other').catch(() => {});
      await sleep(50); // nothing more for either
      const out = { a, b, other: other.read(), rec: [...rec, ...await udpGot()] };
      s.destroy();
      other.destroy();
      return out;
    });
    assert.deepEqual(r, { a: 'from-other', b: 'from-rec', other: 'to-other', rec: ['746f2d726563'] });
  });

  await t.test('the page threw nothing', () => {
    assert.deepEqual(pageErrors, []);
  });
});
