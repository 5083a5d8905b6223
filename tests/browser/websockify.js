// websockify (PyPI; scripts/setup.sh installs it into python3, or into a venv when python3
// refuses pip installs) in its one-target mode, for the page suites that run it themselves.
import net from 'node:net';
import { spawn, spawnSync } from 'node:child_process';
import { freePort } from '../ports.js';

/** The Python that has websockify (scripts/websockify-python.sh's rule), or undefined. */
export const WEBSOCKIFY_PYTHON = [process.env.WEBSOCKIFY_PYTHON, 'python3', `${process.env.HOME}/.cache/kvsocket/websockify-venv/bin/python`]
  .find((p) => p && spawnSync(p, ['-c', 'import websockify']).status === 0);

/** websockify in front of 127.0.0.1:`port`, once it listens: { url, close() }; null without
 * websockify. Throws when it does not listen within 10 s. */
export async function startWebsockify(port) {
  if (!WEBSOCKIFY_PYTHON) return null;
  const listen = await freePort();
  const proc = spawn(WEBSOCKIFY_PYTHON, ['-m', 'websockify', `127.0.0.1:${listen}`, `127.0.0.1:${port}`], { stdio: 'ignore' });
  const close = () => new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    proc.once('exit', resolve);
    proc.kill();
  });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise((resolve) => {
      const c = net.connect(listen, '127.0.0.1', () => { c.destroy(); resolve(true); }).on('error', () => resolve(false));
    });
    if (up) return { url: `ws://127.0.0.1:${listen}/`, close };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await close();
  throw new Error('websockify did not listen within 10 s');
}
