// The bundler settings docs/net.md gives for running Node clients in a page over kvsocket/net,
// one place for the page tests (tests/clients/page.test.js) and the docs to agree on:
// `net` → kvsocket/net; Node's stream, events, buffer, util, string_decoder → their npm
// packages; the Node modules pg requires but does not use in a page → an empty module.
import path from 'node:path';
import { cpSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import * as esbuild from 'esbuild';
import webpack from 'webpack';
import { build as viteBuild } from 'vite';
import { packedFiles } from '../../packaging/pack.js';

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

/** The alias docs/connect.md gives for `postgres`'s Cloudflare build (its `workerd` export
 * condition): `cloudflare:sockets` → kvsocket, Node's `node:events`, `node:buffer`, `node:stream` → their npm
 * packages. */
export const CLOUDFLARE_ALIASES = { 'cloudflare:sockets': 'kvsocket', 'node:events': 'events', 'node:buffer': 'buffer', 'node:stream': 'readable-stream' };

/** esbuild with CLOUDFLARE_ALIASES: a page of a client written for Cloudflare's connect(). */
export async function cloudflareBuild(entry, out) {
  const result = await esbuild.build({
    entryPoints: [entry], bundle: true, format: 'esm', minify: true, outfile: path.join(out, 'app.js'),
    conditions: ['workerd', 'browser'], alias: CLOUDFLARE_ALIASES, logLevel: 'error', metafile: true, preserveSymlinks: true,
    absWorkingDir: path.dirname(path.dirname(entry)),
  });
  writeFileSync(path.join(out, 'index.html'), html('<script type="module" src="app.js"></script>'));
  return Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
}

/** esbuild with ALIASES and `tls` → kvsocket/tls (docs/net.md, kvsocket/tls): a page of a
 * client that secures its connection (pg with `ssl`). */
export async function tlsBuild(entry, out) {
  const result = await esbuild.build({
    entryPoints: [entry], bundle: true, format: 'esm', minify: true, outfile: path.join(out, 'app.js'),
    alias: { ...ALIASES, tls: 'kvsocket/tls' }, define: { global: 'globalThis' }, logLevel: 'error', metafile: true, preserveSymlinks: true,
    absWorkingDir: path.dirname(path.dirname(entry)),
  });
  writeFileSync(path.join(out, 'index.html'), html('<script type="module" src="app.js"></script>'));
  return Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
}

/** A folder laid out as an app's: node_modules/kvsocket the package's files (as npm installs
 * it), the repository's other packages linked beside it, and the pages in src/. Each bundler
 * resolves the alias's `kvsocket/net` there through package.json's exports, `browser`
 * condition. The builds keep the links' paths (preserveSymlinks), so that a package reached
 * from kvsocket and from a client is one module, as in an app's node_modules. Returns the
 * pages' folder. */
export function appFolder(dir) {
  const modules = path.join(dir, 'node_modules');
  mkdirSync(modules, { recursive: true });
  for (const name of readdirSync(path.join(root, 'node_modules'))) {
    if (name !== '.bin' && name !== 'kvsocket') symlinkSync(path.join(root, 'node_modules', name), path.join(modules, name));
  }
  for (const f of packedFiles()) cpSync(path.join(root, f), path.join(modules, 'kvsocket', f));
  const src = path.join(dir, 'src');
  cpSync(here, src, { recursive: true, filter: (f) => !f.endsWith('bundlers.js') });
  return src;
}

const html = (script) => `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>kvsocket</title>${script}`;

/** Each bundler's build of `entry` into `out` (index.html + scripts); resolves with the
 * bytes of JavaScript it wrote. */
export const BUNDLERS = {
  async esbuild(entry, out) {
    const result = await esbuild.build({
      entryPoints: [entry], bundle: true, format: 'esm', minify: true, outfile: path.join(out, 'app.js'),
      alias: ALIASES, define: { global: 'globalThis' }, logLevel: 'error', metafile: true, preserveSymlinks: true,
      absWorkingDir: path.dirname(path.dirname(entry)), // the app's folder: esbuild resolves an alias's package from there
    });
    writeFileSync(path.join(out, 'index.html'), html('<script type="module" src="app.js"></script>'));
    return Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
  },
  async Vite(entry, out) {
    // The entry's page beside it (pg.html for pg.js): Vite builds from a page.
    const page = path.join(path.dirname(entry), `${path.basename(entry, '.js')}.html`);
    const result = await viteBuild({
      root: path.dirname(entry), base: './', configFile: false, logLevel: 'error',
      resolve: { alias: ALIASES, preserveSymlinks: true },
      define: { global: 'globalThis' },
      build: { outDir: out, emptyOutDir: true, rollupOptions: { input: page } },
    });
    return [result].flat().flatMap((r) => r.output).filter((o) => o.fileName.endsWith('.js')).reduce((n, o) => n + o.code.length, 0);
  },
  async webpack(entry, out) {
    const compiler = webpack({
      mode: 'production', optimization: { minimize: false }, context: path.dirname(path.dirname(entry)), entry, output: { path: out, filename: 'app.js' }, performance: { hints: false },
      resolve: { alias: Object.fromEntries(Object.entries(ALIASES).map(([k, v]) => [`${k}$`, v])), symlinks: false },
      plugins: [new webpack.DefinePlugin({ global: 'globalThis' })],
    });
    const stats = await new Promise((resolve, reject) => compiler.run((err, s) => (err ? reject(err) : resolve(s))));
    await new Promise((resolve) => compiler.close(resolve));
    if (stats.hasErrors()) throw new Error(stats.toString('errors-only'));
    writeFileSync(path.join(out, 'index.html'), html('<script src="app.js"></script>'));
    return stats.toJson({ assets: true }).assets.reduce((n, a) => n + a.size, 0);
  },
};
