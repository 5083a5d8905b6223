// The Node program bundled by tests/packaging/bundlers.test.js (esbuild, platform node): sends a
// line to the echo server on 127.0.0.1:<argv port> and prints the echo. The bundle runs from a
// folder with no pkg/ beside it, so it must carry the engine itself.
import { Socket } from 'kvsocket';

const line = 'ping from a Node bundle\n';
const sock = new Socket();
sock.connectedEvent = () => sock.write(line);
sock.dataAvailableEvent = () => {
  if (sock.bytesAvailable() < line.length) return;
  process.stdout.write(sock.read());
  sock.destroy();
};
sock.connectFailedEvent = (reason) => {
  console.error(`connect failed: ${reason}`);
  process.exitCode = 1;
};
if (!sock.connect('127.0.0.1', Number(process.argv[2]))) throw new Error(sock.lastError());
