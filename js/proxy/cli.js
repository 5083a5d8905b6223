#!/usr/bin/env node
// The kvsocket-proxy command: parse the arguments, start the proxy, stop on SIGINT/SIGTERM.

import { parseCli, USAGE } from './args.js';
import { classify, canonicalHost } from './address.js';
import { parseListenAddress, startProxy } from './server.js';

function isLoopbackListen(listen) {
  const { host } = parseListenAddress(listen);
  return host === 'localhost' || classify(canonicalHost(host).ip) === 'loopback';
}

let options;
try {
  options = parseCli(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`kvsocket-proxy: ${err.message}\n(kvsocket-proxy --help shows the options)\n`);
  process.exit(2);
}
if (options.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
if (options.allow.length === 0 && options.allowListen.length === 0) {
  process.stderr.write('kvsocket-proxy: no --allow rule given: every target will be refused\n');
}

try {
  const proxy = await startProxy(options);
  process.stderr.write(`kvsocket-proxy: listening on ${proxy.url}\n`);
  for (const line of proxy.describe()) process.stderr.write(`kvsocket-proxy: ${line}\n`);
  if (!isLoopbackListen(options.listen) && !options.tokens) {
    process.stderr.write('kvsocket-proxy: warning: listening beyond loopback without --token-file: whoever reaches this port may use the --allow rules\n');
  }
  const stop = () => proxy.close().then(() => process.exit(0), (err) => {
    process.stderr.write(`kvsocket-proxy: closing: ${err.message}\n`);
    process.exit(1);
  });
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (err) {
  process.stderr.write(`kvsocket-proxy: ${err.code === 'EADDRINUSE' ? `${options.listen} is already in use` : err.message}\n`);
  process.exit(1);
}
