// `node tests/many/many.js refused|idle N`: N kvsocket sockets at once in one process, the load
// that used to kill Node 20 (issue 9: V8's deoptimizer hit UNREACHABLE inside the engine's
// pump; see src/bindings/mod.rs, "outputs"). Run by scripts/test-many.sh, three times each, on
// the machine's Node and on the current LTS.
//   refused  N connects to a port nothing listens on; each connectFailedEvent destroys its socket.
//   idle     N connections to a kvsocket server in a child process (both ends in one process
//            would need 2N descriptors); all stay up together, then all close. They start in
//            waves no larger than the listen backlog (511), each once the server accepted the
//            last: beyond the backlog the kernel drops handshakes that the client already
//            counts as connected, and such a connection never reaches the server.
// Ends cleanly: every socket saw exactly its expected events, none threw, and the process exits
// by itself (nothing left running: the runner bounds the time). Prints one summary line.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Socket } from 'kvsocket';
import { freePort as closedPort } from '../ports.js';

const [mode, countArg] = process.argv.slice(2);
const N = Number(countArg ?? 10000);
const WAVE = 500;
const started = performance.now();

function fail(message) {
  console.error(`many ${mode}: ${message}`);
  process.exitCode = 1;
}

function summary(extra) {
  const ms = Math.round(performance.now() - started);
  console.log(`many ${mode}: ${N} sockets, ${extra}, ${ms} ms, node ${process.version}`);
}

/** A port on 127.0.0.1 that nothing listens on (bound, then closed). */
// Each socket's events, counted by type; also whether any came after destroy().
function watch(sock, seen) {
  const count = (type) => () => {
    if (sock.destroyedByUs) seen.afterDestroy++;
    seen[type] = (seen[type] ?? 0) + 1;
  };
  sock.connectFailedEvent = count('connectFailed');
  sock.connectedEvent = count('connected');
  sock.disconnectEvent = count('disconnected');
  sock.errorEvent = count('error');
}

async function refused() {
  const port = await closedPort();
  const seen = { afterDestroy: 0 };
  let failed = 0;
  await new Promise((resolve) => {
    for (let i = 0; i < N; i++) {
      const sock = new Socket();
      watch(sock, seen);
      const counted = sock.connectFailedEvent;
      sock.connectFailedEvent = (reason) => {
        counted(reason);
        sock.destroy();
        sock.destroyedByUs = true;
        if (++failed === N) resolve();
      };
      if (!sock.connect('127.0.0.1', port)) fail(`connect returned false: ${sock.lastError()}`);
    }
  });
  // A destroyed socket tells nothing more: wait a moment for any stray event.
  await new Promise((resolve) => setTimeout(resolve, 100));
  if (seen.connectFailed !== N) fail(`${seen.connectFailed} connectFailed events, expected ${N}`);
  if (seen.connected || seen.disconnected) fail(`unexpected events ${JSON.stringify(seen)}`);
  if (seen.afterDestroy) fail(`${seen.afterDestroy} events after destroy()`);
  summary(`${seen.connectFailed} refused`);
}

/** The kvsocket server child: prints its port, then how many it holds after each WAVE accepted
 * connections; closes them all when its stdin ends. */
function startServer() {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'serve', String(N)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  const port = new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const first = out.split('\n')[0];
      if (out.includes('\n')) resolve(Number(first));
    });
    child.on('exit', (code) => reject(new Error(`server exited early (${code})`)));
  });
  let held = 0;
  let waiting = null;
  child.stdout.on('data', () => {
    held = Math.max(0, ...out.split('\n').slice(1).filter(Boolean).map(Number).filter(Number.isFinite));
    if (waiting && held >= waiting.count) waiting.resolve();
  });
  /** Resolves once the server holds `count` connections. */
  const holds = (count) => new Promise((resolve) => {
    if (held >= count) return resolve();
    waiting = { count, resolve };
  });
  const ended = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, out })));
  return { port, holds, ended, stop: () => child.stdin.end() };
}

function serve() {
  const server = new Socket();
  const accepted = [];
  server.incomingConnectionEvent = (sock) => {
    server.accept(sock);
    const held = accepted.push(sock);
    if (held % WAVE === 0 || held === N) console.log(held);
  };
  server.listeningEvent = (_ip, port) => console.log(port);
  if (!server.listen(0, '127.0.0.1')) throw new Error(server.lastError());
  process.stdin.resume();
  process.stdin.on('end', () => {
    console.log(`accepted ${accepted.length}`);
    for (const sock of accepted) sock.destroy();
    server.destroy();
    process.stdin.pause();
  });
}

async function idle() {
  const server = startServer();
  const port = await server.port;
  const seen = { afterDestroy: 0 };
  const socks = [];
  let up = 0;
  for (let wave = 0; wave < N; wave += WAVE) {
    const end = Math.min(N, wave + WAVE);
    await new Promise((resolve, reject) => {
      for (let i = wave; i < end; i++) {
        const sock = new Socket();
        watch(sock, seen);
        const counted = sock.connectedEvent;
        sock.connectedEvent = () => {
          counted();
          if (++up === end) resolve();
        };
        sock.connectFailedEvent = (reason) => reject(new Error(`connect ${i} failed: ${reason}`));
        if (!sock.connect('127.0.0.1', port)) fail(`connect returned false: ${sock.lastError()}`);
        socks.push(sock);
      }
    });
    await server.holds(end);
  }
  if (up !== N) fail(`${up} connected, expected ${N}`);
  // All N are up at once, at both ends. Half end with close() (one clean disconnect each), half with destroy().
  let disconnected = 0;
  await new Promise((resolve) => {
    socks.forEach((sock, i) => {
      if (i % 2) {
        sock.destroy();
        sock.destroyedByUs = true;
        return;
      }
      const counted = sock.disconnectEvent;
      sock.disconnectEvent = (error) => {
        counted(error);
        if (error !== '') fail(`close() ended with error '${error}'`);
        sock.destroy();
        sock.destroyedByUs = true;
        if (++disconnected === Math.ceil(N / 2)) resolve();
      };
      sock.close();
    });
  });
  server.stop();
  const { code, out } = await server.ended;
  await new Promise((resolve) => setTimeout(resolve, 100));
  const accepted = Number(/accepted (\d+)/.exec(out)?.[1]);
  if (code !== 0) fail(`the server process ended with ${code}`);
  if (accepted !== N) fail(`the server accepted ${accepted}, expected ${N}`);
  if (seen.connected !== N) fail(`${seen.connected} connected events, expected ${N}`);
  if (seen.disconnected !== Math.ceil(N / 2)) fail(`${seen.disconnected} disconnects, expected ${Math.ceil(N / 2)}`);
  if (seen.connectFailed || seen.error) fail(`unexpected events ${JSON.stringify(seen)}`);
  if (seen.afterDestroy) fail(`${seen.afterDestroy} events after destroy()`);
  summary(`${up} connected at once, server accepted ${accepted}`);
}

process.on('uncaughtException', (err) => fail(`uncaught: ${err?.stack ?? err}`));
if (mode === 'refused') await refused();
else if (mode === 'idle') await idle();
else if (mode === 'serve') serve();
else fail(`unknown mode '${mode}' (refused, idle)`);
