// Type-checked with @types/node and Node's module resolution: kvsocket/net (js/net/index.d.ts) as
// clients use it, and toDuplex(), which returns the same Socket. Strict mode, like the others.
import net, { Socket, createConnection, connect, isIP, NODE_CODES, setDefaultProxy, type NetError, type NetSocket } from 'kvsocket/net';
import { Socket as KvSocket, toDuplex } from 'kvsocket';
import type { Duplex } from 'node:stream';

// pg's shape: the stream is made first, connected later.
const streamFactory: () => Duplex = () => new net.Socket();
const sock: Socket = new Socket({ noDelay: true, keepAlive: true, signal: AbortSignal.timeout(1000), connectTimeout: 5000 });
sock.connect(5432, '127.0.0.1', () => {
  const remote: string | undefined = sock.remoteAddress;
  const port: number | undefined = sock.remotePort;
  const family: 'IPv4' | 'IPv6' | undefined = sock.remoteFamily;
  void remote; void port; void family;
});
sock.connect({ port: 5432, host: 'localhost', family: 4, timeout: 1000 });
sock.on('error', (err) => {
  const code: string = err.code;
  if (err.name !== 'AbortError') {
    const kvirc: string = (err as NetError).kvircCode;
    void kvirc;
  }
  void code;
});
sock.on('close', (hadError: boolean) => void hadError);
sock.on('data', (data: Buffer) => void data.length);
sock.once('lookup', (err, address, fam, host) => void [err, address, fam, host]);
sock.setTimeout(1000, () => sock.destroy()).setNoDelay(true).setKeepAlive(true, 1000).ref().unref();
const state: 'opening' | 'open' | 'readOnly' | 'writeOnly' | 'closed' = sock.readyState;
const counters: number = sock.bytesRead + sock.bytesWritten;
const flags: boolean = sock.connecting || sock.pending;
const inner: KvSocket = sock.socket;
void state; void counters; void flags; void inner; void streamFactory;

const redis: NetSocket = createConnection({ port: 6379, host: '127.0.0.1', family: 4, readableHighWaterMark: 65536 });
const mqtt: NetSocket = connect(1883, '127.0.0.1');
redis.pipe(mqtt);
const six: 0 | 4 | 6 = isIP('::1');
const refused: string = NODE_CODES.ConnectionRefused;
void six; void refused;
class Traced extends net.Socket {}
void new Traced();

// toDuplex() is the same Socket: the net members the issue found missing are declared.
const d = toDuplex(new KvSocket(), { readableHighWaterMark: 1024 });
d.setTimeout(100);
const addr: string | undefined = d.remoteAddress;
const connecting: boolean = new KvSocket().toDuplex().connecting;
void addr; void connecting;

// @ts-expect-error kvsocket ends the connection when the peer half-closes: only false
new Socket({ allowHalfOpen: true });
// @ts-expect-error an option kvsocket/net does not take
new Socket({ fd: 3 });

// The module's one proxy setting (a page's; Node's Wisp).
setDefaultProxy('');
net.setDefaultProxy('wisp+ws://127.0.0.1:8081/wisp/');
// @ts-expect-error the proxy is a URL string
setDefaultProxy(8081);
