// A TCP server on which each connection says in its first line what it wants ("COMMAND ARG\n"):
// the browser tests' target (tests/browser/targets.js) and the soak's (tests/soak/target.js).
import net from 'node:net';

/**
 * A net.Server (not yet listening) that reads each connection's first line, then hands over the
 * connection: `serve(sock, command, arg, rest)`, `rest` being the bytes that came after the line.
 * Errors of a connection (a client's reset) are the scenario's, not the server's.
 */
export function commandServer(serve) {
  return net.createServer((sock) => {
    sock.on('error', () => {});
    let head = Buffer.alloc(0);
    const onData = (chunk) => {
      head = Buffer.concat([head, chunk]);
      const nl = head.indexOf(10);
      if (nl < 0) return;
      sock.off('data', onData);
      const [command, arg] = head.subarray(0, nl).toString().trim().split(/\s+/);
      serve(sock, command, arg, head.subarray(nl + 1));
    };
    sock.on('data', onData);
  });
}
