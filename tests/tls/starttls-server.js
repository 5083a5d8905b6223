// A tiny line protocol with STARTTLS, in the style of SMTP's, for the STARTTLS tests (Node and
// Chromium): the server greets "220 ready", answers "STARTTLS" with "220 go ahead" and then
// speaks TLS (node:tls as the server, certificate `cert` of the test CA), where each line comes
// back reversed. `early` lines are sent in the same write as "220 go ahead", before the
// handshake, to check that the client reads them as plaintext.
import net from 'node:net';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';

export async function startTlsServer(certs, { cert = 'server', early = '' } = {}) {
  const context = tls.createSecureContext({
    cert: readFileSync(certs.file(`${cert}.pem`)),
    key: readFileSync(certs.file(`${cert}.key`)),
  });
  const conns = new Set();
  const server = net.createServer((sock) => {
    conns.add(sock);
    sock.on('close', () => conns.delete(sock));
    sock.on('error', () => {});
    sock.write('220 ready\r\n');
    let buf = '';
    const onData = (d) => {
      buf += d.toString('latin1');
      if (!buf.includes('\r\n')) return;
      if (buf.startsWith('STARTTLS\r\n')) {
        sock.removeListener('data', onData);
        sock.write(`220 go ahead\r\n${early}`);
        const secure = new tls.TLSSocket(sock, { isServer: true, secureContext: context });
        conns.add(secure);
        secure.on('error', () => {});
        let line = '';
        secure.on('data', (c) => {
          line += c.toString('utf8');
          let i;
          while ((i = line.indexOf('\n')) >= 0) {
            secure.write(`${[...line.slice(0, i)].reverse().join('')}\n`);
            line = line.slice(i + 1);
          }
        });
      } else {
        sock.end('500 expected STARTTLS\r\n');
      }
    };
    sock.on('data', onData);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: server.address().port,
    close: () => new Promise((r) => { for (const c of conns) c.destroy(); server.close(r); }),
  };
}
