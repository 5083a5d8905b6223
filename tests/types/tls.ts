// Type-checked with @types/node and Node's module resolution: kvsocket/tls (js/net/tls.d.ts) as
// clients use it: a new connection, and the STARTTLS upgrade of a kvsocket/net socket.
import tls, { connect, TLSSocket, type TlsConnectOptions } from 'kvsocket/tls';
import net from 'kvsocket/net';

const options: TlsConnectOptions = { host: 'localhost', port: 993, ca: ['-----BEGIN CERTIFICATE-----'], ALPNProtocols: ['imap'], rejectUnauthorized: true };
const s: TLSSocket = connect(options, () => {
  const ok: boolean = s.authorized;
  const why: string | null = s.authorizationError;
  const protocol: string | null = s.getProtocol();
  const cn: string | undefined = s.getPeerCertificate().subject?.CN;
  const alpn: string | false | null = s.alpnProtocol;
  void ok; void why; void protocol; void cn; void alpn;
});
s.on('secureConnect', () => s.write('a1 NOOP\r\n'));
s.on('error', (err) => { const code: string = (err as Error & { code: string }).code; void code; });
const t = tls.connect(465, 'localhost', { servername: 'mail.example' });
t.destroy();

const plain = net.connect(587, 'localhost');
plain.once('connect', () => {
  const up = tls.connect({ socket: plain, servername: 'localhost', ca: Buffer.from('pem') });
  const enc: true = up.encrypted;
  void enc;
});
void TLSSocket.prototype;
