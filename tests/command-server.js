// A TCP server on which each connection says in its first line what it wants ("COMMAND ARG…\n"):
// the browser tests' target (tests/browser/targets.js), the soak's (tests/soak/target.js) and the
// browser SPEC review's `cmd` peer (tests/browser/spec-review.test.js).
import net from 'node:net';

/**
 * A net.Server (not yet listening) that reads each connection's first line, then hands over the
 * connection: `serve(sock, words, rest)`, `words` the line's words (the command first) and `rest`
 * the bytes that came after the line.
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
      serve(sock, head.subarray(0, nl).toString().trim().split(/\s+/), head.subarray(nl + 1));
    };
    sock.on('data', onData);
  });
}
