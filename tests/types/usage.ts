// Type-checked (not run) by tests/packaging/types.test.js under every `lib` setting there:
// js/index.d.ts must describe the API as scripts use it, and refuse what is wrong
// (each @ts-expect-error fails the check when its line compiles).
import { Socket, SocketError, type StatusName, type SocketEvent } from 'kvsocket';
import { startProxy, type Proxy } from 'kvsocket/proxy';

class HeadRequest extends Socket {
  constructor(host: string, port: number) {
    super({ connectTimeout: 5000 });
    this.connect(host, port);
  }
  override connectedEvent() {
    this.write('HEAD / HTTP/1.1\r\n\r\n');
  }
  override dataAvailableEvent(length: number) {
    const text: string = this.read(length);
    const bytes: Uint8Array = this.readBytes();
    void text, bytes;
  }
  override incomingConnectionEvent(socket: Socket) {
    return this.accept(socket);
  }
}

const s = new HeadRequest('127.0.0.1', 80);
s.on('error', (e) => { const code: string = e.detail.code; void code; });
s.on('dataAvailable', (e) => { const n: number = e.detail.length; void n; });
s.addEventListener('dataAvailable', (e) => e.detail.length);
s.addEventListener('listening', (e) => { const port: number = e.detail.port; void port; }, { once: true });
s.addEventListener('incomingConnection', (e) => e.detail.socket.accept(e.detail.socket));
s.addEventListener('someOtherType', () => {});
const listener = (e: SocketEvent<{ length: number }>) => e.detail.length;
s.addEventListener('dataAvailable', listener);
s.removeEventListener('dataAvailable', listener);
// @ts-expect-error dataAvailable's detail has no code
s.addEventListener('dataAvailable', (e) => e.detail.code);
// @ts-expect-error on() takes the socket's event types only
s.on('dataAvailabl', () => {});
// @ts-expect-error the host is a string
s.connect(127, 80);

const queued: number = s.write([0xff, 'text', new Uint8Array(2)], 10) + s.writeHex('00ff');
const name: StatusName = s.status(true);
const n: number = s.status();
Socket.defaultProxy = 'ws://127.0.0.1:8081/?host={host}&port={port}';
s.destroy();
void queued, name, n;


async function proxy(): Promise<void> {
  const p: Proxy = await startProxy({ listen: '127.0.0.1:0', allow: ['127.0.0.1:7000'], log: (line) => void line });
  const url: string = `${p.url}?host={host}&port={port}`;
  const active: number = p.stats.active;
  const lines: string[] = p.describe();
  const guarded: Proxy = await startProxy({
    allow: ['*:443'], allowLoopback: false, allowPrivate: false, origins: ['https://app.example'],
    tokens: ['a-token-of-16-chars-or-more'], maxPerClient: 8, maxPending: 4, handshakeTimeout: 5000,
    idleTimeout: 0, lookup: async (name) => [{ address: name === 'x' ? '192.0.2.1' : '198.51.100.1', family: 4 }],
  });
  void url, active, lines, guarded;
  await p.close();
}
void proxy;

async function promises(): Promise<void> {
  const sock = await Socket.connect('127.0.0.1', 7000);
  const same: Socket = await sock.connected();
  for await (const chunk of sock) { const b: Uint8Array = chunk; void b; }
  sock.once('connected', () => {}).off('connected', () => {});
  const server = await Socket.listen(0, '127.0.0.1', { protocol: 'tcp' });
  const { port } = await server.listening();
  const queuedTo: number = server.writeTo('x', '127.0.0.1', 9);
  const owed: boolean = sock.needsDrain();
  sock.setReceiveHighWaterMark(1 << 20);
  const ended: boolean = sock.setNoDelay(false).setKeepAlive(true, 1000).end();
  sock.setIdleTimeout(30_000);
  const idle: number = sock.idleTimeout();
  sock.idleEvent = () => {};
  sock.on('idle', () => {});
  const snap = sock.inspect();
  const st: string = snap.status;
  void ended, idle, st;
  try { await Socket.connect('127.0.0.1', 1); } catch (e) { if (e instanceof SocketError) { const c: string = e.code; void c; } }
  void same, port, queuedTo, owed;
}
void promises;
