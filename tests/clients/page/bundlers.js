// The bundler settings docs/net.md gives for running Node clients in a page over kvsocket/net,
// one place for the page tests (tests/clients/page.test.js) and the docs to agree on:
// `net` → kvsocket/net; Node's stream, events, buffer, util, string_decoder → their npm
// packages; the Node modules pg requires but does not use in a page → an empty module.
import path from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import * as esbuild from 'esbuild';
import webpack from 'webpack';
import { build as viteBuild } from 'vite';

const here = import.meta.dirname;
const EMPTY = path.join(here, 'empty.js');

const root = path.resolve(here, '../../..');

export const ALIASES = {
  net: 'kvsocket/net',
  stream: 'readable-stream',
  events: 'events',
  buffer: 'buffer',
  util: 'util',
  string_decoder: 'string_decoder',
  assert: 'assert', // pg-copy-streams
  'util/types': path.join(here, 'util-types.js'),
  fs: EMPTY, path: EMPTY, dns: EMPTY, tls: EMPTY, crypto: EMPTY,
};

// In this repository kvsocket is the project itself, not a package in node_modules: esbuild
// resolves `kvsocket/net` by the package's self-reference (its exports, browser condition);
// webpack and Vite do not resolve a self-reference, so for them the alias names the file that
// package.json's `browser` condition of ./net names (what they pick in an app).
const browserNet = path.join(root, JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).exports['./net'].browser);
const SELF = { ...ALIASES, net: browserNet };

const html = (script) => `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>kvsocket</title>${script}`;

/** Each bundler's build of `entry` into `out` (index.html + scripts); resolves with the
 * bytes of JavaScript it wrote. */
export const BUNDLERS = {
  async esbuild(entry, out) {
    const result = await esbuild.build({
      entryPoints: [entry], bundle: true, format: 'esm', minify: true, outfile: path.join(out, 'app.js'),
      alias: ALIASES, define: { global: 'globalThis' }, logLevel: 'error', metafile: true,
    });
    writeFileSync(path.join(out, 'index.html'), html('<script type="module" src="app.js"></script>'));
    return Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
  },
  async Vite(entry, out) {
    // The entry's page beside it (pg.html for pg.js): Vite builds from a page.
    const page = path.join(path.dirname(entry), `${path.basename(entry, '.js')}.html`);
    const result = await viteBuild({
      root: path.dirname(entry), base: './', configFile: false, logLevel: 'error',
      resolve: { alias: SELF },
      define: { global: 'globalThis' },
      build: { outDir: out, emptyOutDir: true, rollupOptions: { input: page } },
    });
    return [result].flat().flatMap((r) => r.output).filter((o) => o.fileName.endsWith('.js')).reduce((n, o) => n + o.code.length, 0);
  },
  async webpack(entry, out) {
    const compiler = webpack({
      mode: 'production', optimization: { minimize: false }, entry, output: { path: out, filename: 'app.js' }, performance: { hints: false },
      resolve: { alias: Object.fromEntries(Object.entries(SELF).map(([k, v]) => [`${k}$`, v])) },
      plugins: [new webpack.DefinePlugin({ global: 'globalThis' })],
    });
    const stats = await new Promise((resolve, reject) => compiler.run((err, s) => (err ? reject(err) : resolve(s))));
    await new Promise((resolve) => compiler.close(resolve));
    if (stats.hasErrors()) throw new Error(stats.toString('errors-only'));
    writeFileSync(path.join(out, 'index.html'), html('<script src="app.js"></script>'));
    return stats.toJson({ assets: true }).assets.reduce((n, a) => n + a.size, 0);
  },
};
