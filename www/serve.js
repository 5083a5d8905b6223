#!/usr/bin/env node
// The demo: serves www/ (the pages), js/ and pkg/ (kvsocket's browser entry and wasm) on
// 127.0.0.1, with kvsocket-proxy allowing only the demo's own targets (targets.js) and, for
// listen.html, one port to listen on (127.0.0.1, --listen-port or a free one), and the pages'
// configuration as /config.js. Prints the URL and runs until SIGINT/SIGTERM.
//
//   node www/serve.js [--port 8000] [--listen-port N] [--exit-after SECONDS]
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { realpathSync } from 'node:fs';
import { startProxy } from '../js/proxy/server.js';
import { startSite, startChat } from './targets.js';
import { startNgircd, freePort } from './ngircd.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm' };
// URL prefix -> directory. www/'s own Node files are not for the page.
const MOUNTS = [['/js/', 'js'], ['/pkg/', 'pkg'], ['/', 'www']];
const PRIVATE = new Set(['/serve.js', '/targets.js', '/ngircd.js']);

async function serveFile(pathname, res) {
  const [prefix, dir] = MOUNTS.find(([p]) => pathname.startsWith(p));
  const rel = pathname === '/' ? 'index.html' : pathname.slice(prefix.length);
  const base = path.join(root, dir);
  const file = path.join(base, path.normalize(`/${rel}`));
  if (PRIVATE.has(pathname) || !file.startsWith(base + path.sep) || !TYPES[path.extname(file)]) {
    return res.writeHead(404).end('not found\n');
  }
  try {
    const body = await readFile(file);
    res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)], 'Cache-Control': 'no-store' }).end(body);
  } catch {
    res.writeHead(404).end('not found\n');
  }
}

/** Starts everything; resolves with { url, proxyUrl, listenPort, close() }. */
export async function startDemo({ port = 8000, listenPort = 0 } = {}) {
  // irc.html's server: a real ngircd when installed (null otherwise; the page says so).
  const [site, chat, irc] = await Promise.all([startSite(), startChat(), startNgircd()]);
  let config = '';
  const web = http.createServer((req, res) => {
    const { pathname } = new URL(req.url, 'http://localhost');
    if (pathname === '/config.js') {
      return res.writeHead(200, { 'Content-Type': 'text/javascript', 'Cache-Control': 'no-store' }).end(config);
    }
    serveFile(decodeURIComponent(pathname), res).catch(() => res.destroy());
  });
  await new Promise((resolve, reject) => {
    web.once('error', reject);
    web.listen(port, '127.0.0.1', resolve);
  }).catch(async (err) => {
    // The port is taken: stop what was started (ngircd is a process of its own) before retrying.
    await Promise.all([site.close(), chat.close(), irc?.close()]);
    throw err;
  });
  const url = `http://127.0.0.1:${web.address().port}/`;
  // A port free now; the listen page binds it later, through the proxy.
  const listen = { iface: '127.0.0.1', port: listenPort || await freePort() };
  const proxy = await startProxy({
    allow: [site.port, chat.port, ...(irc ? [irc.port, irc.tlsPort] : [])].flatMap((p) => [`127.0.0.1:${p}`, `localhost:${p}`]),
    // listen.html's reverse tunnel: that one port, on loopback only.
    allowListen: [`${listen.iface}:${listen.port}`],
    origins: [url.slice(0, -1), url.slice(0, -1).replace('127.0.0.1', 'localhost')],
  });
  config = `export default ${JSON.stringify({
    proxy: `${proxy.url}?host={host}&port={port}`,
    // wisp-chat.html: the same proxy's Wisp endpoint (the same rules and Origin check).
    wisp: `wisp+${proxy.url}wisp/`,
    site: { host: '127.0.0.1', port: site.port },
    chat: { host: '127.0.0.1', port: chat.port },
    // The IRC page connects over TLS (tlsPort, the demo's CA) unless ?tls=0.
    irc: irc && { host: '127.0.0.1', port: irc.port, tlsPort: irc.tlsPort, ca: irc.ca },
    listen,
  }, null, 2)};\n`;
  return {
    url,
    proxyUrl: proxy.url,
    listenPort: listen.port,
    irc: irc && { host: '127.0.0.1', port: irc.port },
    async close() {
      web.closeAllConnections();
      await Promise.all([new Promise((r) => web.close(r)), proxy.close(), site.close(), chat.close(), irc?.close()]);
    },
  };
}

function option(args, name) {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = Number(args[i + 1]);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} needs a whole number, got ${args[i + 1]}`);
  return value;
}

async function main(args) {
  const port = option(args, '--port');
  const listenPort = option(args, '--listen-port');
  // The usual port when free; when something else holds it, any port (the URL is printed).
  const demo = await startDemo({ port: port ?? 8000, listenPort }).catch((err) => {
    if (port !== undefined || err.code !== 'EADDRINUSE') throw err;
    return startDemo({ port: 0, listenPort });
  });
  const exitAfter = option(args, '--exit-after');
  const ends = exitAfter === undefined ? 'Ctrl-C stops' : `stops by itself in ${exitAfter} s, or Ctrl-C`;
  console.log(`kvsocket demo: open ${demo.url}  (proxy ${demo.proxyUrl}; ${ends})`);
  console.log(`  listen page: ${demo.url}listen.html, then from a terminal: nc 127.0.0.1 ${demo.listenPort}`);
  console.log(`  IRC page: ${demo.url}irc.html (${demo.irc ? 'ngircd on 127.0.0.1' : 'needs ngircd: npm run setup'}), in two tabs`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await demo.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  if (exitAfter !== undefined) setTimeout(stop, exitAfter * 1000);
}

const isMain = (() => {
  try { return import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href; } catch { return false; }
})();
if (isMain) {
  main(process.argv.slice(2)).catch((err) => {
    console.error(`kvsocket demo: ${err.message}`);
    process.exit(1);
  });
}
