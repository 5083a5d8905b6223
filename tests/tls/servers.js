// The TLS tests' peers: certificates from a test CA made at test time (make-certs.sh), and
// `openssl s_server` on 127.0.0.1 with a certificate and TLS version of the test's choosing.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import { freePort } from '../ports.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** A folder of certificates (make-certs.sh lists them) and `remove()`; `ca` is the CA's PEM. */
export function makeCerts() {
  const dir = mkdtempSync(path.join(tmpdir(), 'kvsocket-tls-'));
  execFileSync('bash', [path.join(here, '../../scripts/make-certs.sh'), dir]);
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

/**
 * A TCP relay on 127.0.0.1 to `targetPort` that keeps every byte it forwards, both ways: what a
 * proxy in front of it sent on, for the tests that look for plaintext in it.
 */
export async function relay(targetPort) {
  const chunks = [];
  const conns = new Set();
  const server = net.createServer((a) => {
    const b = net.connect(targetPort, '127.0.0.1');
    conns.add(a); conns.add(b);
    a.on('data', (d) => { chunks.push(Buffer.from(d)); b.write(d); });
    b.on('data', (d) => { chunks.push(Buffer.from(d)); a.write(d); });
    a.on('end', () => b.end()); b.on('end', () => a.end());
    a.on('error', () => b.destroy()); b.on('error', () => a.destroy());
    a.on('close', () => { conns.delete(a); b.destroy(); });
    b.on('close', () => { conns.delete(b); a.destroy(); });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: server.address().port,
    captured: () => Buffer.concat(chunks),
    close: () => new Promise((r) => { for (const c of conns) c.destroy(); server.close(r); }),
  };
}

/**
 * nginx serving `files` ({ name: Buffer }) over TLS on 127.0.0.1 with certificate `cert`, from
 * a prefix of its own under the certificates' folder. Returns { port, close() }.
 */
export async function nginxTls(certs, files, { cert = 'server' } = {}) {
  const { mkdirSync, writeFileSync } = await import('node:fs');
  const prefix = path.join(certs.dir, `nginx-${Date.now()}`);
  mkdirSync(path.join(prefix, 'www'), { recursive: true });
  mkdirSync(path.join(prefix, 'tmp'), { recursive: true });
  for (const [name, data] of Object.entries(files)) writeFileSync(path.join(prefix, 'www', name), data);
  const port = await freePort();
  const conf = path.join(prefix, 'nginx.conf');
  const tmp = path.join(prefix, 'tmp');
  writeFileSync(conf, `
worker_processes 1;
${process.getuid?.() === 0 ? 'user root;' : ''}
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${tmp}; proxy_temp_path ${tmp}; fastcgi_temp_path ${tmp};
  uwsgi_temp_path ${tmp}; scgi_temp_path ${tmp};
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${certs.file(`${cert}.pem`)};
    ssl_certificate_key ${certs.file(`${cert}.key`)};
    root ${prefix}/www;
  }
}
`);
  const proc = spawn('nginx', ['-p', prefix, '-c', conf, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr.on('data', (d) => { err += d; });
  // Ready when the port accepts.
  const deadline = Date.now() + 5000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`nginx exited: ${err}`);
    const ok = await new Promise((r) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); r(true); });
      s.on('error', () => r(false));
    });
    if (ok) break;
    if (Date.now() > deadline) { proc.kill(); throw new Error(`nginx did not start: ${err}`); }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    port,
    close: () => new Promise((resolve) => {
      if (proc.exitCode !== null) return resolve();
      proc.once('exit', resolve);
      proc.kill('SIGQUIT');
    }),
  };
}
