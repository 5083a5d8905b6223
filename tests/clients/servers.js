// Real servers for the client tests, from Debian's packages (scripts/setup.sh installs them),
// each started on a free 127.0.0.1 port in a temporary folder of its own and stopped by
// close(): PostgreSQL, redis-server and mosquitto here; ngircd from www/ngircd.js. A server
// process must not outlive the test process, however that ends.
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, chownSync, chmodSync, copyFileSync } from 'node:fs';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { freePort } from '../ports.js';

export { NGIRCD, startNgircd } from '../../www/ngircd.js';

const found = (...paths) => paths.find((p) => existsSync(p));

/** PostgreSQL's bin folder (Debian's newest version), or undefined. */
export const PG_BIN = (() => {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin/postgres'))).sort((a, b) => b - a);
  return versions.length ? path.join(root, versions[0], 'bin') : undefined;
})();
export const REDIS = found('/usr/bin/redis-server');
export const MOSQUITTO = found('/usr/sbin/mosquitto', '/usr/bin/mosquitto');

/** Why a client test is skipped: the server is not installed (setup.sh could not install it). */
export const missing = (what, pkg) => `${what} is not installed (scripts/setup.sh installs Debian's ${pkg}; run npm run setup)`;

const accepts = (port) => new Promise((resolve) => {
  const c = net.connect(port, '127.0.0.1', () => { c.destroy(); resolve(true); });
  c.on('error', () => resolve(false));
});

// Spawns a server and waits until `port` accepts (and, with `ready`, until its output matches
// it); resolves with { port, close() }.
async function run(name, command, args, { port, dir, uid, gid, ready }) {
  let output = '';
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], uid, gid });
  child.stdout.on('data', (c) => { output += c; });
  child.stderr.on('data', (c) => { output += c; });
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const close = async () => {
    process.off('exit', kill);
    kill();
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 100 && child.exitCode === null; i++) {
    if (await accepts(port) && (!ready || ready.test(output))) return { port, close };
    await new Promise((r) => setTimeout(r, 100));
  }
  await close();
  throw new Error(`${name} did not start on 127.0.0.1:${port}:\n${output}`);
}

/** PostgreSQL on a throwaway cluster (trust authentication, user `kv`, database `postgres`),
 * run as the `postgres` user when we are root (postgres refuses to run as root). `ssl`: {
 * cert, key } (PEM files) turns TLS on with that certificate (copied into the cluster's folder:
 * postgres wants its key owned by its user, mode 0600). */
export async function startPostgres({ ssl } = {}) {
  const dir = await mkdtemp(path.join(tmpdir(), 'kvsocket-pg-'));
  const port = await freePort();
  let ids = {};
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
    chownSync(dir, uid, gid);
    ids = { uid, gid };
  }
  const data = path.join(dir, 'data');
  const init = spawnSync(path.join(PG_BIN, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'kv', '-E', 'UTF8', '--no-sync', '--no-instructions'], { ...ids, encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stdout}${init.stderr}`);
  const sslArgs = [];
  if (ssl) {
    for (const [name, from] of [['server.crt', ssl.cert], ['server.key', ssl.key]]) {
      const to = path.join(dir, name);
      copyFileSync(from, to);
      chmodSync(to, 0o600);
      if (ids.uid !== undefined) chownSync(to, ids.uid, ids.gid);
    }
    sslArgs.push('-c', 'ssl=on', '-c', `ssl_cert_file=${path.join(dir, 'server.crt')}`, '-c', `ssl_key_file=${path.join(dir, 'server.key')}`);
  }
  // PostgreSQL accepts connections while it starts, and refuses them ("the database system is
  // starting up", which a loaded machine sees) until it says it is ready.
  return run('PostgreSQL', path.join(PG_BIN, 'postgres'), [
    '-D', data, '-p', String(port), '-k', dir, '-h', '127.0.0.1',
    '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', ...sslArgs,
  ], { port, dir, ...ids, ready: /database system is ready to accept connections/ });
}

/** redis-server without persistence. */
export async function startRedis() {
  const dir = await mkdtemp(path.join(tmpdir(), 'kvsocket-redis-'));
  const port = await freePort();
  return run('redis-server', REDIS, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { port, dir });
}

/** mosquitto 2 with one anonymous listener. */
export async function startMosquitto() {
  const dir = await mkdtemp(path.join(tmpdir(), 'kvsocket-mqtt-'));
  const port = await freePort();
  const conf = path.join(dir, 'mosquitto.conf');
  await writeFile(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
  return run('mosquitto', MOSQUITTO, ['-c', conf], { port, dir });
}
