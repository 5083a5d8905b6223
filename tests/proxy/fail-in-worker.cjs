// Preloaded (NODE_OPTIONS=--require) by workers.test.js: a worker of --workers dies as it starts,
// as one would whose setup failed; the primary runs normally.
if (process.env.KVSOCKET_PROXY_WORKER) throw new Error('this worker cannot start (a test)');
