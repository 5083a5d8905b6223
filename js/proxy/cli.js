#!/usr/bin/env node
// The kvsocket-proxy command: parse the arguments, start the proxy (or, with --workers, a
// primary and its workers: workers.js), serve --metrics, drain on SIGTERM (drain.js).

import { parseCli, USAGE, DRAIN_TIMEOUT } from './args.js';
import { classify, canonicalHost } from './address.js';
import { createLogger } from './logger.js';
import { serveMetrics } from './metrics.js';
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
const log = options.log ?? createLogger();
const startup = log.startup ?? log;
options.log = log;
if (options.allow.length === 0 && options.allowListen.length === 0) {
  log('no --allow rule given: every target will be refused', 'warn');
}

try {
  const proxy = await startProxy(options);
  let metricsServer = null;
  // The signals are ours before the startup lines say we are up.
  let stopping = false;
  const stopNow = () => proxy.close().then(() => process.exit(0), (err) => {
    log(`closing: ${err.message}`, 'error');
    process.exit(1);
  });
  // SIGTERM: drain (a second one, or SIGINT, stops at once).
  process.on('SIGTERM', async () => {
    if (stopping) return stopNow();
    stopping = true;
    await proxy.drain(options.drainTimeout ?? DRAIN_TIMEOUT);
    metricsServer?.close();
    log('drained; exiting');
    process.exit(0);
  });
  process.once('SIGINT', stopNow);
  startup(`listening on ${proxy.url}`);
  for (const line of proxy.describe()) startup(line);
  if (!isLoopbackListen(options.listen) && !options.tokens) {
    log('warning: listening beyond loopback without --token-file: whoever reaches this port may use the --allow rules', 'warn');
  }
  if (options.metricsListen) {
    const registry = proxy.metrics;
    metricsServer = await serveMetrics(parseListenAddress(options.metricsListen), {
      scrape: () => registry.metrics(),
      contentType: registry.contentType,
      draining: () => proxy.draining,
    });
    const a = metricsServer.address();
    startup(`metrics on http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}/metrics`);
  }
} catch (err) {
  log(err.code === 'EADDRINUSE' ? `${err.address ? `${err.address}:${err.port}` : options.listen} is already in use` : err.message, 'error');
  process.exit(1);
}
