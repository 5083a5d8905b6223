// Compiled (not run) by `npm test`: js/index.d.ts must describe the API as scripts use it.
import { Socket, TCPSocket, UDPSocket, TCPServerSocket, toDuplex, SocketError, type StatusName } from 'kvsocket';

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
const queued: number = s.write([0xff, 'text', new Uint8Array(2)], 10) + s.writeHex('00ff');
const name: StatusName = s.status(true);
const n: number = s.status();
Socket.defaultProxy = 'ws://127.0.0.1:8081/?host={host}&port={port}';
s[Symbol.dispose]();
void queued, name, n;

async function promises() {
  const sock = await Socket.connect('127.0.0.1', 7000, { signal: AbortSignal.timeout(1000) });
  const same: Socket = await sock.connected();
  for await (const chunk of sock) { const b: Uint8Array = chunk; void b; }
  sock.once('connected', () => {}).off('connected', () => {});
  const server = await Socket.listen(0, '127.0.0.1', { protocol: 'tcp' });
  const { port } = await server.listening();
  const duplex = toDuplex(server);
  duplex.pipe(sock.toDuplex());
  try { await Socket.connect('127.0.0.1', 1); } catch (e) { if (e instanceof SocketError) { const c: string = e.code; void c; } }
  void same, port;
}

async function direct() {
  const tcp = new TCPSocket('127.0.0.1', 7000, { sendBufferSize: 65536 });
  const { readable, writable, remotePort } = await tcp.opened;
  await writable.getWriter().write(new Uint8Array([1]));
  const { value } = await readable.getReader().read();
  const udp = new UDPSocket({ localAddress: '127.0.0.1' });
  await (await udp.opened).writable.getWriter().write({ data: new Uint8Array(1), remoteAddress: '127.0.0.1', remotePort: 9 });
  const server = new TCPServerSocket('127.0.0.1', { backlog: 4 });
  const accepted = await (await server.opened).readable.getReader().read();
  await tcp.close();
  await tcp.closed;
  void remotePort, value, accepted;
}
void promises, direct;
