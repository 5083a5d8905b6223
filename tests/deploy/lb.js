// Real load balancers for tests/deploy/: nginx and HAProxy (Debian packages, installed by
// scripts/setup.sh) started in the foreground on loopback with the configurations of
// docs/deploy/, their ports replaced by the test's. Each is stopped when its test ends.

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep } from '../proxy/helpers.js';

const docs = fileURLToPath(new URL('../../docs/deploy/', import.meta.url));

/** The path of `name` (nginx, haproxy), or throws saying how to get it. */
export function need(name) {
  for (const dir of ['/usr/sbin', '/usr/local/sbin', '/usr/bin', ...(process.env.PATH ?? '').split(':')]) {
    try {
      const p = path.join(dir, name);
      execFileSync(p, ['-v'], { stdio: 'ignore' });
      return p;
    } catch {
      /* next */
    }
  }
  throw new Error(`${name} is not installed: npm run setup installs it (apt-get install ${name})`);
}

/** The documented configuration with the example ports (8080 in front, 8081-8083 behind) replaced. */
export function configured(file, { front, instances }) {
  let text = readFileSync(path.join(docs, file), 'utf8');
  text = text.replaceAll('127.0.0.1:8080', `127.0.0.1:${front}`);
  instances.forEach((port, i) => {
    text = text.replaceAll(`127.0.0.1:${8081 + i}`, `127.0.0.1:${port}`);
  });
  return text;
}

/** Resolves once something accepts on 127.0.0.1:port. */
export async function accepting(port, ms = 5000) {
  const end = Date.now() + ms;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`nothing accepts on 127.0.0.1:${port}`);
    await sleep(50);
  }
}

function run(t, command, args, dir) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  t.after(async () => {
    child.kill('SIGKILL');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  });
  return { child, output: () => out };
}

/** nginx in the foreground (no daemon, no master), everything it writes in a temp folder. */
export async function startNginx(t, ports) {
  const bin = need('nginx');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kvsocket-nginx-'));
  writeFileSync(path.join(dir, 'kvsocket.conf'), configured('nginx-kvsocket.conf', ports));
  writeFileSync(path.join(dir, 'nginx.conf'), `daemon off;
master_process off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path ${dir}/body;
    proxy_temp_path ${dir}/proxy;
    fastcgi_temp_path ${dir}/fastcgi;
    uwsgi_temp_path ${dir}/uwsgi;
    scgi_temp_path ${dir}/scgi;
    include ${dir}/kvsocket.conf;
}
`);
  const lb = run(t, bin, ['-p', dir, '-e', `${dir}/error.log`, '-c', `${dir}/nginx.conf`], dir);
  await accepting(ports.front).catch((err) => {
    throw new Error(`${err.message}: ${lb.output()}`);
  });
  return lb;
}

/** HAProxy in the foreground (-db). */
export async function startHaproxy(t, ports) {
  const bin = need('haproxy');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kvsocket-haproxy-'));
  writeFileSync(path.join(dir, 'haproxy.cfg'), configured('haproxy-kvsocket.cfg', ports));
  const lb = run(t, bin, ['-db', '-f', `${dir}/haproxy.cfg`], dir);
  await accepting(ports.front).catch((err) => {
    throw new Error(`${err.message}: ${lb.output()}`);
  });
  return lb;
}
