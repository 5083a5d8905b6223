// require('kvsocket') on any Node >= 20 (package.json's engines), against a real server: with
// require(esm) turned off, as on Node 20 before 20.19, js/node/index.cjs loads the CommonJS
// bundle; where Node has require(esm), the ES module itself (one Socket for import and require).
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';
import { root } from './pack.js';

const run = promisify(execFile);

// A CommonJS script: connects to the echo server on 127.0.0.1:PORT, sends a line, prints the
// echo and the file that require('kvsocket') loaded.
const SCRIPT = `
const { Socket } = require('kvsocket');
const assert = require('node:assert');
assert.strictEqual(require('kvsocket').default, Socket);
assert.throws(() => new Socket({ proxy: 'ws://127.0.0.1:1/' }), TypeError);
const s = new Socket();
s.connectedEvent = () => s.write('ping from CommonJS\\n');
s.dataAvailableEvent = () => { console.log(JSON.stringify({ echo: s.read(), bundle: Object.keys(require.cache).some((f) => f.endsWith('kvsocket.bundle.cjs')) })); s.destroy(); };
s.connectFailedEvent = (reason) => { console.error(reason); process.exit(1); };
if (!s.connect('127.0.0.1', Number(process.argv[1]))) throw new Error(s.lastError());
`;

test('require("kvsocket") works without require(esm), against a real server', { timeout: 20_000 }, async (t) => {
  const server = net.createServer((c) => c.pipe(c));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  // Node 20.19+ can turn require(esm) off; a Node 20 without the flag has no require(esm) anyway.
  const flags = process.allowedNodeEnvironmentFlags.has('--no-experimental-require-module') ? ['--no-experimental-require-module'] : [];
  const { stdout } = await run(process.execPath, [...flags, '-e', SCRIPT, String(server.address().port)], { cwd: root, timeout: 15_000 });
  const out = JSON.parse(stdout);
  assert.equal(out.echo, 'ping from CommonJS\n');
  assert.equal(out.bundle, flags.length > 0, 'without require(esm), the CommonJS bundle is what loads');
});
