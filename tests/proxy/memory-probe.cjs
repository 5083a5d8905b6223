// Preloaded (--require, with --expose-gc) into the kvsocket-proxy bin by memory.test.js: on
// SIGUSR2 it collects garbage fully and prints the live memory on stderr, so that the test
// measures what the proxy holds rather than when V8 chose to collect (which differs between
// Node versions: RSS alone grew 20-30 MiB more on Node 24 than on Node 20 for the same work).
process.on('SIGUSR2', () => {
  global.gc();
  global.gc(); // the second pass frees what the first one's finalizers released
  const { rss, heapUsed, external } = process.memoryUsage();
  process.stderr.write(`memory-probe: ${JSON.stringify({ rss, heapUsed, external })}\n`);
});
