// The short version of `npm run load` (benches/load.js --short): it runs to the end within its
// bounds, opens every tunnel with 1 worker and with one per core, downloads every byte, and
// reports figures that are numbers. The figures themselves are for people (docs/deployment.md).

import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

test('npm run load --short: every tunnel opens and every byte arrives, with 1 worker and with all cores', { timeout: 60_000 }, async () => {
  const script = fileURLToPath(new URL('../../benches/load.js', import.meta.url));
  const child = spawn(process.execPath, [script, '--short', '--tunnels', '60', '--mib', '16'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const code = await new Promise((resolve) => child.once('exit', resolve));
  assert.equal(code, 0, out);
  const report = JSON.parse(/^load: (.*)$/m.exec(out)[1]);
  assert.ok(report.results.length >= 1);
  assert.equal(report.results[0].workers, 1);
  for (const r of report.results) {
    assert.equal(r.opened, 60, `${r.workers} workers: every tunnel opened`);
    assert.equal(r.failed, 0);
    assert.equal(r.mib, 16, `${r.workers} workers: every byte downloaded`);
    for (const k of ['p50', 'p99', 'rssPerTunnel', 'mibPerSecond', 'cpuMsPerMiB']) assert.ok(Number.isFinite(r[k]), `${k}: ${r[k]}`);
    assert.ok(r.p99 >= r.p50);
  }
  assert.match(out, /connect p99/);
});
