// Type-checked where the lib includes "dom" (Web Streams): connect(), Cloudflare's sockets API.
import { connect, type CloudflareSocket, type SocketInfo } from 'kvsocket';

async function cloudflare(): Promise<void> {
  const sock: CloudflareSocket = connect('127.0.0.1:5432', { secureTransport: 'off', allowHalfOpen: false });
  const other = connect({ hostname: '127.0.0.1', port: 5432 });
  const info: SocketInfo = await sock.opened;
  const remote: string = info.remoteAddress;
  const writer = sock.writable.getWriter();
  await writer.write(new Uint8Array([0, 0, 0, 8]));
  writer.releaseLock();
  const { value } = await sock.readable.getReader().read();
  const bytes: Uint8Array | undefined = value;
  // @ts-expect-error the chunks are Uint8Arrays, not strings
  const text: string | undefined = value;
  // @ts-expect-error unknown options are refused (a TypeError at run time too)
  connect('127.0.0.1:1', { tls: true });
  // @ts-expect-error allowHalfOpen is false only
  connect('127.0.0.1:1', { allowHalfOpen: true });
  const plain = connect('127.0.0.1:25', { secureTransport: 'starttls', tls: { ca: '-----BEGIN CERTIFICATE-----' } });
  const secure: CloudflareSocket = plain.startTls({ expectedServerHostname: 'localhost' });
  await secure.opened;
  connect('127.0.0.1:443', { secureTransport: 'on', tls: { servername: 'localhost', alpn: ['h2'] } });
  // @ts-expect-error secureTransport is one of three strings
  connect('127.0.0.1:443', { secureTransport: 'yes' });
  const mode: 'off' | 'on' | 'starttls' = sock.secureTransport;
  const upgraded: boolean = sock.upgraded;
  await sock.close();
  await other.closed;
  void remote, bytes, text, mode, upgraded;
}
void cloudflare;
