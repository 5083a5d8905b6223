// Real servers for the client tests, from Debian's packages (scripts/setup.sh installs them),
// each started on a free 127.0.0.1 port in a temporary folder of its own and stopped by
// close(): PostgreSQL, redis-server, mosquitto and aiosmtpd (from PyPI, in setup.sh's venv)
// here; ngircd from www/ngircd.js. A server
// process must not outlive the test process, however that ends.
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, chownSync, chmodSync, copyFileSync } from 'node:fs';
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
/** A Python that has aiosmtpd (scripts/setup.sh's venv), or undefined. */
export const AIOSMTPD_PYTHON = [process.env.AIOSMTPD_PYTHON, `${process.env.HOME}/.cache/kvsocket/aiosmtpd-venv/bin/python`, 'python3']
  .find((p) => p && spawnSync(p, ['-c', 'import aiosmtpd']).status === 0);

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
  const server = await run('PostgreSQL', path.join(PG_BIN, 'postgres'), [
    '-D', data, '-p', String(port), '-k', dir, '-h', '127.0.0.1',
    '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', ...sslArgs,
  ], { port, dir, ...ids });
  // PostgreSQL accepts connections before it takes sessions ("the database system is starting
  // up", 57P03, on a loaded machine): pg_isready says when it does.
  for (let i = 0; ; i++) {
    const ready = spawnSync(path.join(PG_BIN, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(port), '-U', 'kv', '-d', 'postgres']);
    if (ready.status === 0) return server;
    if (i === 100) {
      await server.close();
      throw new Error(`PostgreSQL on 127.0.0.1:${port} did not take sessions (pg_isready exit ${ready.status})`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
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

/** aiosmtpd with a certificate (PEM files { cert, key }), which makes it require STARTTLS
 * before MAIL FROM (its default with a certificate), writing each mail into the Maildir
 * `maildir` (it makes new/, cur/, tmp/). */
export async function startSmtp({ cert, key }, maildir) {
  const dir = await mkdtemp(path.join(tmpdir(), 'kvsocket-smtp-'));
  const port = await freePort();
  return run('aiosmtpd', AIOSMTPD_PYTHON, ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${port}`,
    '--tlscert', cert, '--tlskey', key, '-c', 'aiosmtpd.handlers.Mailbox', maildir], { port, dir });
}

/** The mails in a Maildir's new/ (what startSmtp's server received): [{ headers, body }],
 * `headers` as sent, `body` decoded from quoted-printable (nodemailer's encoding for text that
 * is not ASCII) to a string. */
export function mailsIn(maildir) {
  const folder = path.join(maildir, 'new');
  return readdirSync(folder).map((name) => {
    const [headers, ...rest] = readFileSync(path.join(folder, name), 'utf8').split(/\r?\n\r?\n/);
    const body = Buffer.from(rest.join('\n').replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
    return { headers, body };
  });
}
