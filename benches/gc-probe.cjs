// Preloaded (--require, with --expose-gc) into kvsocket-proxy by benches/load.js, in the
// primary and (through execArgv) every worker: on SIGUSR2 it collects garbage fully, so that
// the RSS the load reads is what the proxy holds, not when V8 chose to collect.
process.on('SIGUSR2', () => {
  global.gc();
  global.gc();
});
