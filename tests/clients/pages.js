// What the page tests (page.test.js, page-clients.test.js) share: one app folder (the package
// as npm installs it, the pages in src/: tests/clients/page/bundlers.js), one static server and
// one Chromium per test file, made on first use and closed after the file's tests; a
// kvsocket-proxy per test (its --allow rules name that test's server); and runPage, which builds
// a page, runs it and checks what it fetched.
import { after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { startProxy } from 'kvsocket/proxy';
import { launchChromium, serveFolder } from '../browser/harness.js';
import { BUNDLERS, appFolder, pageSize } from './page/bundlers.js';

let shared = null;
const sharedParts = () => (shared ??= (async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kvsocket-pages-'));
  const parts = { dir };
  try {
    appFolder(dir);
    parts.site = await serveFolder(path.join(dir, 'dist'));
    parts.browser = await launchChromium();
    return parts;
  } catch (err) {
    await closeParts(parts);
    throw err;
  }
})());
async function closeParts({ dir, site, browser }) {
  await browser?.close();
  site?.server.close();
  rmSync(dir, { recursive: true, force: true });
}
// Registered as the module loads, so that it is the file's hook (after its last test), not a
// test's.
after(async () => {
  const parts = await shared?.catch(() => null);
  if (parts) await closeParts(parts);
});

/** The shared parts, and a kvsocket-proxy for the test `t` that allows `allow`: `proxies` is
 * its per-socket template and its Wisp endpoint. */
export async function setup(t, allow) {
  const parts = await sharedParts();
  const proxy = await startProxy({ allow, log: () => {} });
  t.after(() => proxy.close());
  const proxies = [`${proxy.url}?host={host}&port={port}`, `wisp+ws://127.0.0.1:${proxy.port}/wisp/`];
  return { ...parts, proxies };
}

/** Resolves with the first `event` of `emitter` that passes `test`. */
export const waitFor = (emitter, event, test = () => true) => new Promise((resolve) => {
  const on = (e) => { if (test(e)) { emitter.off(event, on); resolve(e); } };
  emitter.on(event, on);
});

/** Builds `name`.js with `bundler`, opens it in Chromium, and returns run(proxy, port)'s
 * answer for each proxy URL (or each [proxy, port] of `calls`); the page must throw no error.
 * `expose`: functions of this process the page may call (window[name], Playwright bindings).
 * `tls`: whether the page opens a TLS socket, and so fetches kvsocket's TLS module, a chunk of
 * its own (checked where the chunks' names say which they are: esbuild's and Vite's).
 * Prints the JavaScript the build wrote, minified and gzipped, file by file. */
export async function runPage(t, browser, site, dir, { bundler, name, proxies, port, calls = proxies.map((p) => [p, port]), build = BUNDLERS[bundler], expose = {}, tls = false }) {
  const out = path.join(dir, 'dist', `${name}-${bundler}`);
  await build(path.join(dir, 'src', `${name}.js`), out);
  const tab = await browser.newPage();
  const errors = [];
  // An error thrown in the page outside run() (a callback of the client's) fails the call now,
  // rather than leaving it waiting for the test's timeout.
  const failed = new Promise((_, reject) => tab.on('pageerror', (e) => { errors.push(e.message); reject(e); }));
  failed.catch(() => {});
  for (const [fn, body] of Object.entries(expose)) await tab.exposeFunction(fn, body);
  const fetched = [];
  tab.on('request', (r) => fetched.push(new URL(r.url()).pathname));
  const html = bundler === 'Vite' ? `${name}.html` : 'index.html';
  await tab.goto(`${site.url}/${path.basename(out)}/${html}`);
  await tab.waitForFunction(() => typeof window.run === 'function', null, { timeout: 10_000 });
  const answers = [];
  for (const call of calls) answers.push(await Promise.race([tab.evaluate(([p, n]) => window.run(p, n), call), failed]));
  await tab.close();
  assert.deepEqual(errors, []);
  const files = pageSize(out);
  const tlsChunks = files.filter((f) => path.basename(f.file).startsWith('kvsocket_tls'));
  if (tlsChunks.length) {
    const fetchedTls = tlsChunks.filter((f) => fetched.some((p) => p.endsWith(`/${f.file}`)));
    assert.equal(fetchedTls.length, tls ? tlsChunks.length : 0, `the TLS module's chunks are fetched ${tls ? 'by' : 'only by'} a page with a TLS socket`);
  }
  t.diagnostic(`${name} page by ${bundler}: ${files.map((f) => `${f.file} ${f.bytes} B (${f.gzipped} B gzipped)`).join(', ')}`);
  return answers;
}
