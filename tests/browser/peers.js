// Starts what the wasm browser tests talk to: the target server (targets.js) and kvsocket-proxy
// allowing only it (by address and by the name localhost) and a closed port. Prints one line for
// scripts/test-browser.sh: TARGET CLOSED PROXY WEBSOCKIFY WEBSOCKIFY_REFUSED ports, then runs until SIGINT/SIGTERM, or at most
// LIFETIME_S seconds (so that nothing outlives a test run that was killed).
import { startProxy } from '../../js/proxy/server.js';
import { startTargets, closedPort } from './targets.js';

const targets = await startTargets();
const closed = await closedPort();
const proxy = await startProxy({
  listen: '127.0.0.1:0',
  allow: [`127.0.0.1:${targets.port}`, `localhost:${targets.port}`, `127.0.0.1:${closed}`],
  log: () => {}, // refusals are part of the tests
});

// Two free ports for the websockify instances the script starts next (free now; nothing else
// on this loopback-only machine races for them).
const websockifyPorts = [await closedPort(), await closedPort()];
console.log([targets.port, closed, proxy.port, ...websockifyPorts].join(' '));

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await proxy.close();
  await targets.close();
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
const LIFETIME_S = Number(process.env.LIFETIME_S ?? 900);
setTimeout(stop, LIFETIME_S * 1000);
