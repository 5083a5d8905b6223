// The page every bundler builds (tests/packaging/bundlers.test.js): kvsocket as a user imports it.
// Connects through the proxy named in the page's query to 127.0.0.1:port, sends a line, and
// exposes what the echo server sent back as `window.kvsocketResult`.
import { Socket } from 'kvsocket';

const query = new URLSearchParams(location.search);
Socket.defaultProxy = query.get('proxy');

window.kvsocketResult = new Promise((resolve, reject) => {
  const sock = new Socket();
  const line = `ping from ${query.get('name')}\n`;
  sock.connectedEvent = () => sock.write(line);
  sock.dataAvailableEvent = () => {
    if (sock.bytesAvailable() < line.length) return;
    resolve(sock.read());
    sock.destroy();
  };
  sock.connectFailedEvent = (reason) => reject(new Error(`connect failed: ${reason}`));
  sock.errorEvent = (code, message) => reject(new Error(`${code}: ${message}`));
  if (!sock.connect('127.0.0.1', Number(query.get('port')))) reject(new Error(sock.lastError()));
});
