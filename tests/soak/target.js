// The soak's TCP target (`node tests/soak/target.js`, in a process of its own so that the soak
// can kill it): prints its port, then serves each connection by its first line:
//   echo       every byte after the line comes back
//   reset N    echoes, and resets the connection (RST) once N bytes after the line arrived
//   noread     never reads (the client's bytes pile up in the kernel, then in the client)
// It ends when its stdin ends (or when killed); LIFETIME_S bounds its life anyway.
import { commandServer } from '../command-server.js';

const lifetime = setTimeout(() => process.exit(0), Number(process.env.LIFETIME_S ?? 600) * 1000);
lifetime.unref();

const server = commandServer(serve);

function serve(sock, [cmd, arg], rest) {
  const limit = Number(arg);
  if (cmd === 'noread') {
    sock.pause();
    return;
  }
  let got = 0;
  const echo = (chunk) => {
    got += chunk.length;
    if (cmd === 'reset' && got >= limit) return sock.resetAndDestroy();
    // Backpressure both ways: stop reading while the client is slow to take the echo.
    if (!sock.write(chunk)) {
      sock.pause();
      sock.once('drain', () => sock.resume());
    }
  };
  if (rest.length) echo(rest);
  sock.on('data', echo);
  sock.on('end', () => sock.end());
}

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${server.address().port}\n`);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
