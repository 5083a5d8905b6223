// Compiled (not run) by `npm test`: js/index.d.ts must describe the API as scripts use it.
import { Socket, type StatusName } from 'kvsocket';

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
