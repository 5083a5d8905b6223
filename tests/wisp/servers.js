// Wisp servers we did not write, started on loopback for the tests and the bench:
//  - the @mercuryworkshop/wisp-js server (npm), in this process, on an http 'upgrade';
//  - wisp-python (PyPI), as a child process from the venv that scripts/setup.sh installs;
// and real targets: a TCP echo server, a UDP echo server.
import http from 'node:http';
import net from 'node:net';
import dgram from 'node:dgram';
import os from 'node:os';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { server as wispServer } from '@mercuryworkshop/wisp-js/server';
import { freePort } from '../ports.js';

/** The venv scripts/setup.sh installs wisp-python into. */
export const WISP_VENV = process.env.KVSOCKET_WISP_VENV ?? path.join(os.homedir(), '.cache/kvsocket/wisp-venv');
export const wispPythonAvailable = () => existsSync(path.join(WISP_VENV, 'bin/python'));

const listening = (server, host = '127.0.0.1') => new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(0, host, () => resolve(server.address().port));
});

let wispJsConfigured = false;
/**
 * The wisp-js server on an http server of its own. Its options are process-wide: loopback
 * targets allowed (it refuses them by default), logging quiet, and `blockedPorts` answered with
 * its HostBlocked close. Resolves with `{ url, port, close() }` (url: `wisp+ws://…/`).
 */
export async function startWispJs({ blockedPorts = [] } = {}) {
  if (!wispJsConfigured) {
    wispServer.options.allow_loopback_ips = true;
    wispServer.options.allow_private_ips = true;
    const { logging } = await import('@mercuryworkshop/wisp-js/server');
    logging.set_level(logging.ERROR);
    wispJsConfigured = true;
  }
  wispServer.options.port_blacklist = blockedPorts.length ? blockedPorts : null;
  const sockets = new Set();
  const server = http.createServer((req, res) => res.writeHead(404).end());
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  server.on('upgrade', (req, socket, head) => wispServer.routeRequest(req, socket, head));
  const port = await listening(server);
  return {
    port,
    server,
    url: `wisp+ws://127.0.0.1:${port}/`,
    close: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

/** wisp-python (v1) as a child process on a free port; `null` when its venv is missing. */
export async function startWispPython() {
  if (!wispPythonAvailable()) return null;
  const port = await freePort();
  const child = spawn(path.join(WISP_VENV, 'bin/python'),
    ['-m', 'wisp.server', '--host', '127.0.0.1', '--port', String(port), '--allow-loopback', '--log-level', 'error', '--threads', '1'],
    // Its own process group: the server runs its loop in a worker process, which a signal to
    // the parent alone would leave behind.
    { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  const stop = () => { try { process.kill(-child.pid, 'SIGTERM'); } catch { /* gone */ } };
  let log = '';
  child.stderr.on('data', (d) => { log += d; });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  // Up when it accepts TCP connections (10 s at most).
  const deadline = Date.now() + 10_000;
  for (;;) {
    const up = await new Promise((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => { c.destroy(); resolve(true); });
      c.on('error', () => resolve(false));
    });
    if (up) break;
    if (Date.now() > deadline || child.exitCode !== null) {
      stop();
      throw new Error(`wisp-python did not start on :${port}: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    url: `wisp+ws://127.0.0.1:${port}/`,
    close: () => { stop(); return exited; },
  };
}

/** A TCP echo server on loopback. */
export async function echoServer() {
  const sockets = new Set();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    s.pipe(s);
  });
  const port = await listening(server);
  return { port, close: () => new Promise((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }) };
}

/** A UDP echo server on loopback. */
export async function udpEchoServer() {
  const sock = dgram.createSocket('udp4');
  sock.on('message', (msg, rinfo) => sock.send(msg, rinfo.port, rinfo.address));
  await new Promise((resolve) => sock.bind(0, '127.0.0.1', resolve));
  return { port: sock.address().port, close: () => new Promise((resolve) => sock.close(resolve)) };
}

/** A loopback port where nothing listens. */
export { freePort as closedPort };
