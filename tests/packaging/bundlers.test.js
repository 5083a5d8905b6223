// kvsocket through the bundlers users reach for, with no setting of theirs: esbuild (esm and
// iife), webpack 5, Vite, a plain <script type="module"> page with no bundler, and a Node bundle.
// The package is installed into a scratch project exactly as `npm pack` ships it; each bundler
// builds tests/packaging/app/main.js there; headless Chromium loads each page, which talks
// through a real kvsocket-proxy to a real echo server on 127.0.0.1. No .wasm file may be
// emitted or fetched: the engine travels inside the JS (docs/design.md, Loading the WebAssembly).
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import * as esbuild from 'esbuild';
import webpack from 'webpack';
import { build as viteBuild } from 'vite';
import { startProxy } from '../../js/proxy/server.js';
import { launchChromium } from '../browser/harness.js';
import { packedFiles, root } from './pack.js';

const run = promisify(execFile);
const APP = path.join(root, 'tests/packaging/app');

/** Installs kvsocket into `dir` as npm would: the packed files, and its dependencies (ws). */
function install(dir) {
  for (const f of packedFiles()) cpSync(path.join(root, f), path.join(dir, 'node_modules/kvsocket', f));
  const { dependencies = {} } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  for (const name of Object.keys(dependencies)) {
    cpSync(path.join(root, 'node_modules', name), path.join(dir, 'node_modules', name), { recursive: true });
  }
}

/** A scratch project: kvsocket installed in node_modules/; src/ the app. */
function scratchProject() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kvsocket-bundlers-'));
  install(dir);
  cpSync(APP, path.join(dir, 'src'), { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  return dir;
}

const page = (script) => `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>kvsocket</title>${script}`;

/** Each bundler's build of src/main.js into dist/<name>/ (index.html + its scripts). */
const BUILDS = {
  async 'esbuild esm'(dir, out) {
    await esbuild.build({ entryPoints: [path.join(dir, 'src/main.js')], bundle: true, format: 'esm', outfile: path.join(out, 'app.js'), logLevel: 'error' });
    writeFileSync(path.join(out, 'index.html'), page('<script type="module" src="app.js"></script>'));
  },
  async 'esbuild iife'(dir, out) {
    await esbuild.build({ entryPoints: [path.join(dir, 'src/main.js')], bundle: true, format: 'iife', outfile: path.join(out, 'app.js'), logLevel: 'error' });
    writeFileSync(path.join(out, 'index.html'), page('<script src="app.js"></script>'));
  },
  async 'webpack 5'(dir, out) {
    const compiler = webpack({
      mode: 'production',
      context: dir,
      entry: './src/main.js',
      output: { path: out, filename: 'app.js' },
      performance: { hints: false },
    });
    const stats = await new Promise((resolve, reject) => compiler.run((err, s) => (err ? reject(err) : resolve(s))));
    await new Promise((resolve) => compiler.close(resolve));
    assert.ok(!stats.hasErrors() && !stats.hasWarnings(), stats.toString('errors-warnings'));
    writeFileSync(path.join(out, 'index.html'), page('<script src="app.js"></script>'));
  },
  async Vite(dir, out) {
    writeFileSync(path.join(dir, 'src/index.html'), page('<script type="module" src="./main.js"></script>'));
    // base './': the test serves each build from a folder of its own, not from the site's root.
    await viteBuild({ root: path.join(dir, 'src'), logLevel: 'error', configFile: false, base: './', build: { outDir: out, emptyOutDir: true } });
  },
  // No bundler: the page imports the package's browser entry as served.
  async 'plain <script type="module">'(dir, out) {
    mkdirSync(out, { recursive: true });
    const main = await readFile(path.join(dir, 'src/main.js'), 'utf8');
    writeFileSync(path.join(out, 'main.js'), main.replace("from 'kvsocket'", "from '/node_modules/kvsocket/js/browser/index.js'"));
    writeFileSync(path.join(out, 'index.html'), page('<script type="module" src="main.js"></script>'));
  },
};

/** Serves the scratch project's dist/ and node_modules/ on 127.0.0.1; records what was asked. */
function serve(dir) {
  const asked = [];
  const server = http.createServer(async (req, res) => {
    const { pathname } = new URL(req.url, 'http://x');
    asked.push(pathname);
    const file = path.join(dir, pathname.startsWith('/node_modules/') ? '' : 'dist', path.normalize(decodeURIComponent(pathname)));
    const type = { '.js': 'text/javascript', '.html': 'text/html', '.wasm': 'application/wasm' }[path.extname(file)] ?? 'application/octet-stream';
    const body = await readFile(file).catch(() => null);
    if (body === null) res.writeHead(404).end();
    else res.writeHead(200, { 'content-type': type }).end(body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, asked, url: `http://127.0.0.1:${server.address().port}` })));
}

/** An echo server on 127.0.0.1. */
async function echoServer() {
  const server = net.createServer((c) => c.pipe(c));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

const wasmFiles = (dir) => readdirSync(dir, { recursive: true }).filter((f) => String(f).endsWith('.wasm'));

test('bundled pages load kvsocket and round-trip data through kvsocket-proxy in Chromium', { timeout: 150_000 }, async (t) => {
  const dir = scratchProject();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const echo = await echoServer();
  t.after(() => echo.close());
  const port = echo.address().port;
  const proxy = await startProxy({ allow: [`127.0.0.1:${port}`], log: () => {} });
  t.after(() => proxy.close());
  const site = await serve(dir);
  t.after(() => site.server.close());
  const browser = await launchChromium();
  t.after(() => browser.close());

  for (const [name, build] of Object.entries(BUILDS)) {
    await t.test(name, { timeout: 60_000 }, async () => {
      const slug = name.replace(/[^a-z0-9]+/gi, '-');
      const out = path.join(dir, 'dist', slug);
      await build(dir, out);
      assert.deepEqual(wasmFiles(out), [], `${name} emitted a .wasm file`);

      const tab = await browser.newPage();
      const errors = [];
      tab.on('pageerror', (e) => errors.push(e.message));
      tab.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      site.asked.length = 0;
      const query = new URLSearchParams({ proxy: `${proxy.url}?host={host}&port={port}`, port: String(port), name });
      await tab.goto(`${site.url}/${slug}/index.html?${query}`);
      await tab.waitForFunction(() => window.kvsocketResult !== undefined, null, { timeout: 20_000 });
      const echoed = await tab.evaluate(() => window.kvsocketResult);
      await tab.close();
      assert.equal(echoed, `ping from ${name}\n`);
      assert.deepEqual(errors, []);
      assert.deepEqual(site.asked.filter((p) => p.endsWith('.wasm')), [], 'the page fetched a .wasm file');
    });
  }
});

test('Node bundles (esbuild, platform node) run from a folder of their own against a real server', { timeout: 60_000 }, async (t) => {
  const dir = scratchProject();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const echo = await echoServer();
  t.after(() => echo.close());
  // esbuild's default for platform node (CommonJS) bundles everything, ws included, and runs
  // with no node_modules at all. An ES-module bundle for Node cannot run CommonJS dependencies
  // such as ws (esbuild has no require() there), so it keeps them external, as any such bundle
  // must (README); kvsocket itself, and its wasm, are inside the bundle all the same.
  const CASES = [
    { name: 'cjs (the default)', format: 'cjs', file: 'app.cjs', keep: [] },
    { name: 'esm, dependencies external', format: 'esm', file: 'app.mjs', external: ['ws'], keep: ['ws'] },
  ];
  for (const c of CASES) {
    const out = path.join(dir, 'dist-node', c.format, c.file);
    await esbuild.build({ entryPoints: [path.join(dir, 'src/node.js')], bundle: true, platform: 'node', format: c.format, external: c.external, outfile: out, logLevel: 'error' });
    // Nothing of kvsocket beside the bundle: it must carry the engine itself.
    for (const name of readdirSync(path.join(dir, 'node_modules'))) {
      if (!c.keep.includes(name)) rmSync(path.join(dir, 'node_modules', name), { recursive: true, force: true });
    }
    const { stdout } = await run(process.execPath, [out, String(echo.address().port)], { cwd: path.dirname(out), timeout: 15_000 });
    assert.equal(stdout, 'ping from a Node bundle\n', c.name);
    install(dir);
  }
});
