#!/usr/bin/env node
// The kvsocket-proxy command: parse the arguments, start the proxy, serve --metrics, drain on
// SIGTERM (drain.js). With --workers N > 1 this process is the primary, which listens and
// hands connections to N workers, each running this same file (workers.js).

import cluster from 'node:cluster';
import { parseCli, USAGE, DRAIN_TIMEOUT } from './args.js';
import { classify, canonicalHost } from './address.js';
import { createLogger } from './logger.js';
import { serveMetrics } from './metrics.js';
import { parseListenAddress, startProxy } from './server.js';
import { runPrimary, workerHooks, workerIndex } from './workers.js';

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
const drainTimeout = options.drainTimeout ?? DRAIN_TIMEOUT;

if (workerIndex() !== null) await runWorker();
else if (options.workers > 1) await runPrimaryProcess();
else await runSingle();

function warnings() {
  if (options.allow.length === 0 && options.allowListen.length === 0) {
    log('no --allow rule given: every target will be refused', 'warn');
  }
  if (!isLoopbackListen(options.listen) && !options.tokens) {
    log('warning: listening beyond loopback without --token-file: whoever reaches this port may use the --allow rules', 'warn');
  }
}

function failed(err) {
  log(err.code === 'EADDRINUSE' ? `${err.address ? `${err.address}:${err.port}` : options.listen} is already in use` : err.message, 'error');
  process.exit(1);
}

/**
 * SIGTERM drains (a second one, or SIGINT, stops at once). Taken before the startup lines say
 * we are up, so that a SIGTERM right after them is ours.
 */
function onSignals(drain, stopNow) {
  let stopping = false;
  process.on('SIGTERM', async () => {
    if (stopping) return stopNow();
    stopping = true;
    await drain();
    log('drained; exiting');
    process.exit(0);
  });
  process.once('SIGINT', stopNow);
}

async function runSingle() {
  warnings();
  try {
    const proxy = await startProxy(options);
    let metricsServer = null;
    onSignals(
      async () => {
        await proxy.drain(drainTimeout);
        metricsServer?.close();
      },
      () => proxy.close().then(() => process.exit(0), (err) => {
        log(`closing: ${err.message}`, 'error');
        process.exit(1);
      }),
    );
    startup(`listening on ${proxy.url}`);
    for (const line of proxy.describe()) startup(line);
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
    failed(err);
  }
}

async function runPrimaryProcess() {
  warnings();
  try {
    const primary = await runPrimary(options, options.workers, log);
    onSignals(() => primary.drain(drainTimeout), () => {
      primary.close();
      process.exit(0);
    });
    startup(`listening on ${primary.url}`);
    for (const line of primary.describe()) startup(line);
    startup(`${options.workers} workers${options.instance ? `, instance ${options.instance}` : ''}`);
    if (primary.metricsUrl) startup(`metrics on ${primary.metricsUrl}`);
  } catch (err) {
    failed(err);
  }
}

async function runWorker() {
  const hooks = workerHooks(options);
  // The primary counts client connections; sessions (slots) are each worker's share.
  const share = Math.ceil((options.maxConnections ?? 512) / options.workers);
  const proxy = await startProxy({ ...options, maxConnections: share, worker: hooks });
  let draining = null;
  const drain = (timeout) => {
    draining ??= proxy.drain(timeout).then(() => process.exit(0));
    return draining;
  };
  // The primary says when (and how long) to drain; a SIGTERM to the whole group does too.
  process.on('message', (msg) => msg?.kvsocket === 'drain' && drain(msg.timeout));
  process.on('SIGTERM', () => drain(drainTimeout));
  process.on('SIGINT', () => {}); // the primary decides
  // Without the primary nobody hands us connections or counts them: this worker's time is up.
  process.on('disconnect', () => process.exit(0));
  process.send({ kvsocket: 'ready', describe: proxy.describe() });
}
