// The TLS tests' peers: certificates from a test CA made at test time (make-certs.sh), and
// `openssl s_server` on 127.0.0.1 with a certificate and TLS version of the test's choosing.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../ports.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** A folder of certificates (make-certs.sh lists them) and `remove()`; `ca` is the CA's PEM. */
export function makeCerts() {
  const dir = mkdtempSync(path.join(tmpdir(), 'kvsocket-tls-'));
  execFileSync('bash', [path.join(here, 'make-certs.sh'), dir]);
  return {
    dir,
    ca: readFileSync(path.join(dir, 'ca.pem'), 'utf8'),
    file: (name) => path.join(dir, name),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * `openssl s_server -rev` (each line sent back reversed) with certificate `cert` (server,
 * wrongname, expired) and `version` ('tls1_2', 'tls1_3' or undefined for both), ready to accept.
 * Returns { port, close() }.
 */
export async function sServer(certs, { cert = 'server', version, extra = [] } = {}) {
  const port = await freePort();
  const args = ['s_server', '-accept', `127.0.0.1:${port}`, '-cert', certs.file(`${cert}.pem`),
    '-key', certs.file(`${cert}.key`), '-rev', '-naccept', '1000', ...extra];
  if (version) args.push(`-${version}`);
  const proc = spawn('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`s_server did not start: ${out}`)), 5000);
    const onData = (d) => {
      out += d;
      if (out.includes('ACCEPT')) { clearTimeout(timer); resolve(); }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', (d) => { out += d; });
    proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`s_server exited ${code}: ${out}`)); });
  });
  return {
    port,
    close: () => new Promise((resolve) => {
      if (proc.exitCode !== null) return resolve();
      proc.once('exit', resolve);
      proc.kill();
    }),
  };
}
