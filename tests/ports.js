// The one free-port helper of the suites, benches and soak runs (Node only).
import net from 'node:net';

/**
 * A TCP port nothing listens on right now, on `host` (127.0.0.1 unless said): one to listen on
 * next, or one to connect to and be refused (re-exported as `closedPort` where that is its use).
 */
export function freePort(host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
