// The kvsocket-proxy bin as a child process, for the suites that need a real process: signals,
// workers, several instances behind a load balancer. Each is killed when its test ends.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { withTimeout } from './helpers.js';

export const CLI = fileURLToPath(new URL('../../js/proxy/cli.js', import.meta.url));

/**
 * Starts the bin with `args` (plus --listen 127.0.0.1:0 unless given; `execArgv` before it, for
 * node) and waits for its startup lines. {child, url, metricsUrl, stderr(), exited (a promise of the exit code)}.
 */
export async function startBin(t, args, { ready = /limits: /, env, execArgv = [] } = {}) {
  const listen = args.includes('--listen') ? [] : ['--listen', '127.0.0.1:0'];
  const child = spawn(process.execPath, [...execArgv, CLI, ...listen, ...args], { env: env ?? process.env });
  t.after(() => child.kill('SIGKILL'));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => (stderr += d));
  await withTimeout(new Promise((resolve, reject) => {
    const check = () => {
      const apart = args.includes('--metrics') && args[args.indexOf('--metrics') + 1] !== 'public';
      if (ready.test(stderr) && /listening on/.test(stderr) && (!apart || /metrics on/.test(stderr))) resolve();
    };
    child.stderr.on('data', check);
    child.once('exit', (code) => reject(new Error(`the bin exited (${code}) before it was ready: ${stderr}`)));
  }), 8000, `the bin to start (${stderr})`);
  return {
    child,
    url: /listening on (ws:[^\s"]+)/.exec(stderr)[1],
    metricsUrl: /metrics on (http:[^\s"]+)/.exec(stderr)?.[1],
    stderr: () => stderr,
    exited,
  };
}
