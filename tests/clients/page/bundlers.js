// The bundler settings docs/net.md gives for running Node clients in a page over kvsocket/net,
// one place for the page tests (tests/clients/pages.js), benches/clients.js and the docs to agree on:
// `net` → kvsocket/net; Node's stream, events, buffer, util, string_decoder → their npm
// packages; the Node modules pg requires but does not use in a page → an empty module; and
// what nodemailer needs besides (MAIL_ALIASES).
import path from 'node:path';
import { cpSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
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

/** ALIASES with `tls` → kvsocket/tls (docs/net.md, kvsocket/tls): a client that secures its
 * connection (pg with `ssl`). */
export const TLS_ALIASES = { ...ALIASES, tls: 'kvsocket/tls' };

/** What nodemailer needs in a page (docs/net.md, "nodemailer in a page"): TLS_ALIASES, and for
 * the rest of Node's modules it imports a small shim of what it uses there (shims/: crypto's
 * randomBytes, os, url, child_process) or an empty module (dns, http, https, zlib: its DNS and
 * fetch paths, which a page with an IP address and no URL attachments does not take).
 * nodemailer imports them by their `node:` names, a page by the bare ones: both are here. */
const shim = (name) => path.join(here, 'shims', name);
const MAIL_MODULES = {
  ...TLS_ALIASES,
  crypto: shim('crypto.js'), os: shim('os.js'), url: shim('url.js'), child_process: shim('child-process.js'),
  http: EMPTY, https: EMPTY, zlib: EMPTY,
};
export const MAIL_ALIASES = { ...MAIL_MODULES, ...Object.fromEntries(Object.entries(MAIL_MODULES).map(([name, to]) => [`node:${name}`, to])) };

/** esbuild's build of a page: minified ES modules, split (`splitting`), so that the TLS module
 * kvsocket loads by a dynamic import on the first TLS socket is a chunk of its own, fetched then
 * and only then (without `splitting` esbuild inlines a dynamic import into the one file). */
async function esbuildPage(entry, out, { alias, conditions }) {
  await esbuild.build({
    entryPoints: { app: entry }, bundle: true, format: 'esm', splitting: true, minify: true, outdir: out,
    alias, conditions, define: { global: 'globalThis' }, logLevel: 'error', preserveSymlinks: true,
    absWorkingDir: path.dirname(path.dirname(entry)), // the app's folder: esbuild resolves an alias's package from there
  });
  writeFileSync(path.join(out, 'index.html'), html('<script type="module" src="app.js"></script>'));
}

/** esbuild with CLOUDFLARE_ALIASES: a page of a client written for Cloudflare's connect(). */
export const cloudflareBuild = (entry, out) => esbuildPage(entry, out, { alias: CLOUDFLARE_ALIASES, conditions: ['workerd', 'browser'] });

/** esbuild with TLS_ALIASES: a page of a client that secures its connection. */
export const tlsBuild = (entry, out) => esbuildPage(entry, out, { alias: TLS_ALIASES });

/** esbuild with MAIL_ALIASES: nodemailer's page. */
export const mailBuild = (entry, out) => esbuildPage(entry, out, { alias: MAIL_ALIASES });

/** The JavaScript a build wrote under `out`: [{ file, bytes, gzipped }], largest first (gzip at
 * its default level, as a server would send it). */
export function pageSize(out) {
  return readdirSync(out, { recursive: true }).filter((f) => f.endsWith('.js')).map((file) => {
    const body = readFileSync(path.join(out, file));
    return { file, bytes: body.length, gzipped: gzipSync(body).length };
  }).sort((a, b) => b.bytes - a.bytes);
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

/** Each bundler's build of `entry` into `out` (index.html + scripts; pageSize measures them). */
export const BUNDLERS = {
  esbuild: (entry, out) => esbuildPage(entry, out, { alias: ALIASES }),
  async Vite(entry, out) {
    // The entry's page beside it (pg.html for pg.js): Vite builds from a page.
    const page = path.join(path.dirname(entry), `${path.basename(entry, '.js')}.html`);
    await viteBuild({
      root: path.dirname(entry), base: './', configFile: false, logLevel: 'error',
      resolve: { alias: ALIASES, preserveSymlinks: true },
      define: { global: 'globalThis' },
      build: { outDir: out, emptyOutDir: true, rollupOptions: { input: page } },
    });
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
  },
};
