// A real IRC server for the demo's IRC page and the IRC tests: Debian's ngircd (installed by
// scripts/setup.sh), started on 127.0.0.1 with a config file of its own in a temporary folder.
// Node side only.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, writeFile, rm, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import path from 'node:path';
import net from 'node:net';

/** The ngircd binary, or undefined when it is not installed. */
export const NGIRCD = ['/usr/sbin/ngircd', '/usr/bin/ngircd'].find((p) => spawnSync(p, ['--version']).status === 0);

/** A port free now on 127.0.0.1 (for ngircd here, and for the listen page in serve.js). */
export function freePort() {
  const probe = net.createServer();
  return new Promise((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

const accepts = (port) => new Promise((resolve) => {
  const c = net.connect(port, '127.0.0.1', () => { c.destroy(); resolve(true); });
  c.on('error', () => resolve(false));
});

/** Starts ngircd on free 127.0.0.1 ports, plain and TLS (a certificate for localhost from a CA
 * made now: scripts/make-certs.sh); resolves with { port, tlsPort, ca (the CA's PEM), close() }
 * once it accepts connections, or with null when ngircd is not installed. */
export async function startNgircd() {
  if (!NGIRCD) return null;
  const dir = await mkdtemp(path.join(tmpdir(), 'kvsocket-ngircd-'));
  const port = await freePort();
  let tlsPort = await freePort();
  while (tlsPort === port) tlsPort = await freePort();
  const certs = path.join(dir, 'certs');
  spawnSync('bash', [fileURLToPath(new URL('../scripts/make-certs.sh', import.meta.url)), certs]);
  const ca = await readFile(path.join(certs, 'ca.pem'), 'utf8');
  const conf = path.join(dir, 'ngircd.conf');
  await writeFile(conf, [
    '[Global]', 'Name = irc.kvsocket.demo', 'Info = kvsocket demo server', 'Listen = 127.0.0.1',
    `Ports = ${port}`, 'MotdPhrase = "kvsocket demo server"',
    '[Limits]', 'PingTimeout = 120',
    '[Options]', 'PAM = no', 'Ident = no', 'DNS = no',
    '[SSL]', `CertFile = ${path.join(certs, 'server.pem')}`, `KeyFile = ${path.join(certs, 'server.key')}`,
    `Ports = ${tlsPort}`, '',
  ].join('\n'));
  const server = spawn(NGIRCD, ['--nodaemon', '--config', conf], { stdio: 'ignore' });
  // A process of its own: it must not outlive ours, however ours ends.
  const kill = () => server.kill('SIGTERM');
  process.once('exit', kill);
  const close = async () => {
    process.off('exit', kill);
    kill();
    await rm(dir, { recursive: true, force: true });
  };
  // Up to 20 s: on a loaded 2-core machine ngircd's start (its TLS set-up) took over 5.
  for (let i = 0; i < 200; i++) {
    if (await accepts(port) && await accepts(tlsPort)) return { port, tlsPort, ca, close };
    await new Promise((r) => setTimeout(r, 100));
  }
  await close();
  throw new Error('ngircd did not start');
}
