// Event delivery (docs/spec.md "Events"): always asynchronous, the overridable method first, then a
// CustomEvent; the older names connectEvent / disconnectedEvent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  EVENT_TYPES, Socket, T, cleanup, connectedPair, freePort, once, record, sleep, tcpServer, waitUntil,
} from './helpers.js';

const METHODS = [
  'stateChangedEvent', 'hostFoundEvent', 'connectedEvent', 'connectEvent', 'connectFailedEvent', 'errorEvent',
  'dataAvailableEvent', 'disconnectEvent', 'disconnectedEvent', 'incomingConnectionEvent', 'drainEvent',
];

/** Counts every method call and every DOM event on `sock`. */
function spy(sock) {
  const calls = [];
  for (const m of METHODS) sock[m] = (...args) => { calls.push(m); return true; };
  for (const type of EVENT_TYPES) sock.addEventListener(type, () => calls.push(type));
  return calls;
}

test('nothing fires inside connect(), write(), read() or close()', T, async (t) => {
  const track = cleanup(t);
  const server = track(await tcpServer());
  const sock = track(new Socket());
  const calls = spy(sock);
  assert.equal(sock.connect('127.0.0.1', server.port), true);
  assert.deepEqual(calls, [], 'inside connect()');
  sock.write('x');
  assert.deepEqual(calls, [], 'inside write()');
  await waitUntil(() => calls.includes('connected'), 3000, 'connected');
  const peer = track(await server.next());
  peer.write('data');
  await waitUntil(() => calls.includes('dataAvailable'), 3000, 'dataAvailable');
  calls.length = 0;
  sock.read();
  sock.close();
  assert.deepEqual(calls, [], 'inside close()');
  await waitUntil(() => calls.includes('disconnected'), 3000, 'disconnected');
});

test('nothing fires inside a connect() to a refused port or a listen()', T, async (t) => {
  const track = cleanup(t);
  const sock = track(new Socket());
  const calls = spy(sock);
  assert.equal(sock.connect('127.0.0.1', await freePort()), true);
  assert.deepEqual(calls, []);
  await waitUntil(() => calls.includes('error'), 3000, 'the failure');
  const listener = track(new Socket());
  const calls2 = spy(listener);
  assert.equal(listener.listen(0, '127.0.0.1'), true);
  assert.deepEqual(calls2, [], 'inside listen()');
  await sleep(20);
  assert.deepEqual(calls2, ['stateChangedEvent', 'stateChanged']);
});

test('a call that returns false fires no event', T, async (t) => {
  const sock = cleanup(t)(new Socket());
  const calls = spy(sock);
  assert.equal(sock.connect('', 80), false);
  assert.equal(sock.connect('127.0.0.1', 0), false);
  assert.equal(sock.listen(-1), false);
  await sleep(50);
  assert.deepEqual(calls, []);
});

test('a subclass method is called first, then the DOM event, with the same arguments', T, async (t) => {
  const order = [];
  class Client extends Socket {
    stateChangedEvent(name) { order.push(`method stateChanged ${name}`); }
    connectedEvent() { order.push('method connected'); this.self = this; }
    dataAvailableEvent(length) { order.push(`method dataAvailable ${length}`); }
  }
  const sock = new Client();
  sock.addEventListener('stateChanged', (e) => order.push(`event stateChanged ${e.detail.name}`));
  sock.addEventListener('connected', (e) => order.push(`event connected ${e instanceof CustomEvent}`));
  sock.addEventListener('dataAvailable', (e) => order.push(`event dataAvailable ${e.detail.length}`));
  const { peer } = await connectedPair(t, { socket: sock });
  peer.write('abc');
  await waitUntil(() => order.includes('event dataAvailable 3'), 3000, 'dataAvailable');
  assert.deepEqual(order, [
    'method stateChanged Connecting', 'event stateChanged Connecting',
    'method stateChanged Connected', 'event stateChanged Connected',
    'method connected', 'event connected true',
    'method dataAvailable 3', 'event dataAvailable 3',
  ]);
  assert.equal(sock.self, sock, 'this is the socket');
});

test('a method assigned as a property is called', T, async (t) => {
  const sock = new Socket();
  const calls = [];
  sock.connectedEvent = function connected() { calls.push(['connected', this === sock]); };
  sock.dataAvailableEvent = (n) => calls.push(['dataAvailable', n]);
  sock.disconnectEvent = (error) => calls.push(['disconnect', error]);
  const { peer } = await connectedPair(t, { socket: sock });
  const disconnected = once(sock, 'disconnected');
  peer.end('12345');
  await disconnected;
  assert.deepEqual(calls, [['connected', true], ['dataAvailable', 5], ['disconnect', '']]);
});

test('event details: CustomEvent with the documented fields', T, async (t) => {
  const { sock, peer, log } = await connectedPair(t);
  peer.end('xy');
  await log.until('disconnected');
  for (const { event } of log) {
    assert.ok(event instanceof CustomEvent, event.type);
    assert.equal(event.target, sock);
  }
  assert.deepEqual(log.of('stateChanged')[0].detail, { status: 2, name: 'Connecting' });
  assert.deepEqual(log.of('stateChanged')[1].detail, { status: 3, name: 'Connected' });
  assert.deepEqual(log.of('dataAvailable').at(-1).detail, { length: 2 });
  assert.deepEqual(log.of('disconnected')[0].detail, { error: '' });
  assert.deepEqual(log.of('stateChanged').at(-1).detail, { status: 0, name: 'Unconnected' });
});

test('connectFailed and error details; their methods get (reason) and (code, message)', T, async (t) => {
  const sock = cleanup(t)(new Socket());
  const calls = [];
  sock.connectFailedEvent = (...args) => calls.push(['connectFailed', ...args]);
  sock.errorEvent = (...args) => calls.push(['error', ...args]);
  const log = record(sock);
  sock.connect('127.0.0.1', await freePort());
  await log.until('error');
  const failed = log.of('connectFailed')[0].detail;
  const error = log.of('error')[0].detail;
  assert.deepEqual(Object.keys(failed).sort(), ['code', 'reason']);
  assert.deepEqual(Object.keys(error).sort(), ['code', 'fatal', 'message']);
  assert.equal(error.code, 'ConnectionRefused');
  assert.equal(error.fatal, true, 'the engine says the failure ended the attempt');
  assert.deepEqual(calls, [['connectFailed', failed.reason], ['error', error.code, error.message]]);
});

test('the older names connectEvent and disconnectedEvent are called when defined', T, async (t) => {
  const calls = [];
  class Old extends Socket {
    connectEvent() { calls.push('connectEvent'); }
    disconnectedEvent(error) { calls.push(`disconnectedEvent(${JSON.stringify(error)})`); }
  }
  const sock = new Old();
  const { peer } = await connectedPair(t, { socket: sock });
  await waitUntil(() => calls.includes('connectEvent'), 2000, 'connectEvent');
  const disconnected = once(sock, 'disconnected');
  peer.end();
  await disconnected;
  await sleep(30);
  assert.deepEqual(calls, ['connectEvent', 'disconnectedEvent("")']);
});

test('both old and new names are called when both are defined', T, async (t) => {
  const calls = [];
  class Both extends Socket {
    connectedEvent() { calls.push('connectedEvent'); }
    connectEvent() { calls.push('connectEvent'); }
    disconnectEvent() { calls.push('disconnectEvent'); }
    disconnectedEvent() { calls.push('disconnectedEvent'); }
  }
  const sock = new Both();
  const { peer } = await connectedPair(t, { socket: sock });
  const disconnected = once(sock, 'disconnected');
  peer.end();
  await disconnected;
  await sleep(30);
  assert.deepEqual([...calls].sort(), ['connectEvent', 'connectedEvent', 'disconnectEvent', 'disconnectedEvent']);
  assert.equal(calls.filter((c) => c.startsWith('connect')).length, 2);
});

test('hostFoundEvent is called for a host name', T, async (t) => {
  const track = cleanup(t);
  const server = track(await tcpServer());
  const calls = [];
  class Named extends Socket {
    hostFoundEvent() { calls.push(['hostFound', this.status(true)]); }
  }
  const sock = track(new Named());
  sock.connect('localhost', server.port);
  await once(sock, 'connected');
  assert.equal(calls.length, 1);
  assert.equal(calls[0][0], 'hostFound');
});

test('removeEventListener stops delivery; the listener count does not change behaviour', T, async (t) => {
  const sock = new Socket();
  let count = 0;
  const listener = () => { count++; };
  sock.addEventListener('stateChanged', listener);
  sock.removeEventListener('stateChanged', listener);
  await connectedPair(t, { socket: sock });
  assert.equal(count, 0);
});

test('a handler that throws: the older name and the DOM listeners still run; the error is reported', T, async () => {
  // In a child process: the rethrown error is an uncaught exception there, not in this runner.
  const { execFile } = await import('node:child_process');
  const script = `
    import { Socket } from 'kvsocket';
    import net from 'node:net';
    const srv = net.createServer((c) => c.end()).listen(0, '127.0.0.1');
    await new Promise((r) => srv.once('listening', r));
    const seen = [];
    process.on('uncaughtException', (e) => seen.push('uncaught ' + e.message));
    const s = new Socket();
    s.connectedEvent = () => { seen.push('method'); throw new Error('boom'); };
    s.connectEvent = () => seen.push('older name');
    s.addEventListener('connected', () => seen.push('listener'));
    s.disconnectEvent = () => setTimeout(() => { console.log(JSON.stringify(seen)); s.destroy(); srv.close(); }, 50);
    s.connect('127.0.0.1', srv.address().port);
  `;
  const out = await new Promise((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: process.cwd(), timeout: 5000 },
      (err, stdout) => (err ? reject(err) : resolve(stdout)));
  });
  assert.deepEqual(JSON.parse(out), ['method', 'older name', 'listener', 'uncaught boom']);
});
