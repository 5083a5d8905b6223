// The TCP server the browser tests reach through a proxy. One port serves every scenario
// (websockify's one-target mode has a single target), chosen by the connection's first line:
//   echo          every byte after the line comes back
//   bye           answers "bye\n" and ends the connection (the peer closes)
//   reset         answers "reset\n" and resets the connection (RST: the connection breaks)
//   sink NAME     counts the bytes after the line until the client ends, recorded under NAME
//   count NAME    answers "BYTES SUM\n" for NAME once its sink ended (SUM: the bytes' sum mod 2^32)
//   flood N       sends N bytes (byte i is i mod 251) as fast as they are taken, then ends
import { commandServer } from '../command-server.js';

export async function startTargets() {
  const sinks = new Map(); // NAME -> Promise<{bytes, sum}>
  const settle = new Map(); // NAME -> resolve
  const sinkOf = (name) => {
    if (!sinks.has(name)) sinks.set(name, new Promise((resolve) => settle.set(name, resolve)));
    return sinks.get(name);
  };

  const server = commandServer(serve);

  function serve(sock, [cmd, name], rest) {
    if (cmd === 'echo') {
      if (rest.length) sock.write(rest);
      sock.pipe(sock);
    } else if (cmd === 'bye') {
      sock.end('bye\n');
    } else if (cmd === 'reset') {
      sock.write('reset\n', () => setTimeout(() => sock.resetAndDestroy(), 50));
    } else if (cmd === 'sink') {
      sinkOf(name);
      let bytes = 0;
      let sum = 0;
      const count = (b) => {
        bytes += b.length;
        for (const x of b) sum = (sum + x) >>> 0;
      };
      count(rest);
      sock.on('data', count);
      sock.on('end', () => { settle.get(name)({ bytes, sum }); sock.end(); });
    } else if (cmd === 'flood') {
      flood(sock, Number(name));
    } else if (cmd === 'count') {
      sinkOf(name).then(({ bytes, sum }) => sock.end(`${bytes} ${sum}\n`));
    } else {
      sock.end(`unknown command ${cmd}\n`);
    }
  }

  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: server.address().port, close: () => new Promise((r) => server.close(r)) };
}

/** `flood N`: a block of the pattern (251 is prime: a piece lost or repeated shows), written
 * as fast as the connection takes it. */
const pattern = Uint8Array.from({ length: 251 * 4096 }, (_, i) => i % 251);
async function flood(sock, total) {
  let at = 0;
  while (at < total && !sock.destroyed) {
    const n = Math.min(pattern.length, total - at);
    at += n;
    if (!sock.write(pattern.subarray(0, n))) await new Promise((resolve) => sock.once('drain', resolve).once('close', resolve));
  }
  sock.end();
}

/** A port on 127.0.0.1 where nothing listens (bound, then released). */
export { freePort as closedPort } from '../ports.js';
