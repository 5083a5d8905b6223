// The soak runs' helper processes (the target, the proxies): started by both tests/soak/node.js
// and tests/soak/browser.js.
import { spawn } from 'node:child_process';

/**
 * Starts `node ...args` and waits for the one line (a port or a URL) it prints once ready.
 * Resolves with {line, exited, kill (SIGKILL), stop (ends its stdin, which it takes as "exit")}.
 */
export async function startChild(args, env = {}) {
  const proc = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  const line = await new Promise((resolve, reject) => {
    proc.stdout.once('data', (d) => resolve(String(d).trim()));
    proc.once('exit', (code) => reject(new Error(`${args.join(' ')} exited early (${code})`)));
  });
  proc.stdout.resume();
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  return { line, exited, kill: () => proc.kill('SIGKILL'), stop: () => { proc.stdin.end(); return exited; } };
}
