// The Node soak (`npm run soak`, a short one in `npm test`): many kvsocket connections at once,
// each sending pseudo-random bytes to an echo target and checking what comes back with SHA-256,
// with faults injected beside them. Every connection is checked for docs/spec.md's event
// guarantees: exactly one connectFailedEvent or disconnectEvent per attempt, none after
// destroy(), nothing thrown to the script, no drain once it ended. The process must end by
// itself (no timer or handle left): the runner bounds its time.
//
//   node tests/soak/node.js [CONNECTIONS [BYTES]]     (default 1000 × 1 MiB)
//
// Faults, each on its own connections:
//   reset      the target resets the connection mid-transfer (RST after half the bytes)
//   killed     a second target process is killed (SIGKILL) mid-transfer
//   noread     a target that never reads: output piles up, no drain, then destroy()
//   refused    connects to a port nothing listens on
// Prints one summary; exits 1 when any connection broke a promise or lost a byte.
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Socket } from 'kvsocket';
import { freePort as closedPort } from '../ports.js';
import { bytesFor } from './bytes.js';
import { startChild } from './child.js';
import { soakConnection, checkEvents, summary, MiB } from './connection.js';

const CONNECTIONS = Number(process.argv[2] ?? 1000);
const BYTES = Number(process.argv[3] ?? 1 << 20);
const FAULTS = Math.max(5, Math.round(CONNECTIONS / 20)); // of each kind
const started = performance.now();
const problems = [];
const fail = (what) => { if (problems.length < 30) problems.push(what); };
process.on('uncaughtException', (err) => fail(`thrown to the script: ${err?.stack ?? err}`));

/** A target process (tests/soak/target.js): its port, kill() and stop(). */
async function startTarget() {
  const child = await startChild([fileURLToPath(new URL('./target.js', import.meta.url))]);
  return { ...child, port: Number(child.line) };
}

/** One connection (connection.js), its bytes hashed as they arrive. */
function run(kind, port, header, data, options = {}) {
  const hash = createHash('sha256');
  return soakConnection(new Socket(), { kind, port, header, data, ...options, onBytes: (b) => hash.update(b) })
    .then((seen) => Object.assign(seen, { hash }));
}

const target = await startTarget();
const doomed = await startTarget();
const refusedPort = await closedPort();
const jobs = [];
const sums = new Map();
for (let i = 0; i < CONNECTIONS; i++) {
  const data = bytesFor(i + 1, BYTES);
  sums.set(i, createHash('sha256').update(data).digest('hex'));
  jobs.push(run('echo', target.port, 'echo\n', data).then((s) => Object.assign(s, { i })));
}
for (let i = 0; i < FAULTS; i++) {
  jobs.push(run('reset', target.port, `reset ${BYTES >> 1}\n`, bytesFor(1e6 + i, BYTES)));
  jobs.push(run('killed', doomed.port, 'echo\n', bytesFor(2e6 + i, 8 * BYTES)));
  jobs.push(run('noread', target.port, 'noread\n', bytesFor(3e6 + i, 16 << 20), { destroyAfterMs: 1500 }));
  jobs.push(run('refused', refusedPort, '', new Uint8Array(0)));
}
// Kill the second target while its connections are mid-transfer.
setTimeout(() => doomed.kill(), 300);

const results = await Promise.all(jobs);
await target.stop();
await doomed.exited;

// ----- the checks -----
let bytesLost = 0;
let bytesEchoed = 0;
const byKind = {};
for (const s of results) {
  (byKind[s.kind] ??= []).push(s);
  if (s.kind === 'noread') {
    checkEvents(s, fail, 0); // destroyed while Connected: no end
    if (s.statusAtDestroy !== 'Connected' || !(s.bufferedAtDestroy > 0)) fail(`noread: ${s.statusAtDestroy}, ${s.bufferedAtDestroy} buffered at destroy()`);
    continue;
  }
  checkEvents(s, fail);
  if (s.kind === 'echo') {
    bytesEchoed += s.received;
    const ok = s.received === BYTES && s.hash.digest('hex') === sums.get(s.i);
    if (!ok) bytesLost += BYTES - Math.min(BYTES, s.received) || BYTES;
    if (s.disconnectError !== '') fail(`echo ${s.i}: disconnected '${s.disconnectError}'`);
  }
  // An RST usually shows as ECONNRESET; Node sometimes reads it as the end of the stream first
  // (then the end is clean): either way one end, and an error only with a message.
  if (s.kind === 'reset' && (s.counts.error ?? 0) !== (s.disconnectError === '' ? 0 : 1)) fail(`reset: ${JSON.stringify(s.counts)} '${s.disconnectError}'`);
  if (s.kind === 'refused' && s.counts.connectFailed !== 1) fail(`refused: ${JSON.stringify(s.counts)}`);
}
const echo = byKind.echo ?? [];
const ms = Math.round(performance.now() - started);
console.log(`soak node: ${echo.length} connections × ${MiB(BYTES)} echoed, sha256 checked (${MiB(2 * bytesEchoed)} moved), ${ms} ms, node ${process.version}`);
const withError = (kind) => byKind[kind].filter((s) => s.disconnectError).length;
console.log(`  faults: reset mid-transfer ${byKind.reset.length} (${withError('reset')} with an error), target killed mid-transfer ${byKind.killed.length} (${withError('killed')} with an error), `
  + `target that never reads ${byKind.noread.length}, refused ${byKind.refused.length}: exactly one end each, none after destroy()`);
console.log(summary(echo, bytesLost));
if (bytesLost !== 0) fail(`${bytesLost} bytes lost`);
for (const p of problems) console.error(`  PROBLEM ${p}`);
process.exitCode = problems.length ? 1 : 0;
