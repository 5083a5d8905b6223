// The proxy that stress.test.js attacks, in a process of its own (so that the test reads its own
// RSS, and sees it die): startProxy with the options given as JSON in argv[2], its defaults for
// the rest, and a resolver the test controls: names under `.stress.test` answer 127.0.0.1 after
// `lookupMs`, any other name fails (ENOTFOUND) without asking the system's resolver. Prints
// {"url": …} on stdout once listening. Nothing here catches errors: an unhandled rejection or
// exception ends the process, as it would end the real proxy, and the test reports its stderr.

import { startProxy } from '../../js/proxy/server.js';

const { lookupMs = 100, ...options } = JSON.parse(process.argv[2] ?? '{}');

function lookup(name) {
  if (!name.endsWith('.stress.test')) {
    return Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' }));
  }
  return new Promise((resolve) => setTimeout(() => resolve([{ address: '127.0.0.1', family: 4 }]), lookupMs));
}

// The test's process holds our stdin: once it is gone, so is this one.
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();

let refusals = 0;
const proxy = await startProxy({ ...options, lookup, log: () => { refusals += 1; } });
// SIGUSR2: the proxy's counters and memory on stdout, a line of JSON. `live` is what the proxy
// holds (V8 heap and Buffers) after full collections (with --expose-gc), whenever V8 would have
// collected; `rss` what the machine pays.
process.on('SIGUSR2', () => {
  global.gc?.();
  global.gc?.(); // the second pass frees what the first one's finalizers released
  const { rss, heapUsed, external } = process.memoryUsage();
  process.stdout.write(`${JSON.stringify({ stats: proxy.stats, logged: refusals, live: heapUsed + external, rss })}\n`);
});
// Only now, with the handler in place: a SIGUSR2 before it would end the process.
process.stdout.write(`${JSON.stringify({ url: proxy.url })}\n`);
