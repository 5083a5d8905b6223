// What every Chromium test and the browser bench share: how Chromium is started here (Debian's
// chromium, as root, with the flags that keep it off the network, docs/design.md), a static server
// for the package's browser entry (js/), the wasm (pkg/) and the few extra files a page needs, and
// one for a bundler's output.
import http from 'node:http';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const CHROMIUM_PATH = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

/** Chromium with a fresh profile of playwright's own. */
export function launchChromium() {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };

/**
 * Serves an empty page at `/`, and files under /js/ and /pkg/ plus the `extra` path prefixes
 * (e.g. '/tests/trace/'); nothing else. Resolves with the listening server; `url` is its base.
 */
export function servePackage({ extra = [] } = {}) {
  const prefixes = ['/js/', '/pkg/', ...extra];
  const server = http.createServer(async (req, res) => {
    const { pathname } = new URL(req.url, 'http://x');
    if (pathname === '/') return res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>kvsocket</title>');
    const file = path.join(root, path.normalize(pathname));
    if (!prefixes.some((p) => pathname.startsWith(p)) || !file.startsWith(root + path.sep)) return res.writeHead(404).end();
    try {
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' }).end(await readFile(file));
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    server.url = `http://127.0.0.1:${server.address().port}/`;
    resolve(server);
  }));
}

/** Serves the files under `dir` (a bundler's output: tests/clients/pages.js,
 * benches/clients.js) on 127.0.0.1; resolves with { server, url } (url without a final /). */
export function serveFolder(dir) {
  const server = http.createServer(async (req, res) => {
    const file = path.join(dir, path.normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)));
    const body = file.startsWith(dir + path.sep) ? await readFile(file).catch(() => null) : null;
    if (body === null) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' }).end(body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${server.address().port}` })));
}

/**
 * A Chromium page open at servePackage's empty page (with its `extra` prefixes). Resolves with
 * { page, pageErrors (the page's uncaught errors), close() (stops Chromium and the server) }.
 */
export async function openPackagePage({ extra } = {}) {
  const web = await servePackage({ extra });
  let browser;
  const close = async () => {
    await browser?.close();
    web.close();
  };
  try {
    browser = await launchChromium();
    const page = await browser.newPage();
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(web.url);
    return { page, pageErrors, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** openPackagePage for a test: Chromium and the server stop after the test `t`. */
export async function packagePage(t, { extra } = {}) {
  const { page, pageErrors, close } = await openPackagePage({ extra });
  t.after(close);
  return { page, pageErrors };
}
