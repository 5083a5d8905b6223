// The README's listen example does what the README says, run as a user would copy it (from a
// file that imports 'kvsocket'), against a real node:net client on 127.0.0.1. Only the fixed
// port is swapped for one the system picks.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { root } from './pack.js';

const run = promisify(execFile);

/** The README's ```js block that contains `marker`. */
function readmeExample(marker) {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const block = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]).find((b) => b.includes(marker));
  assert.ok(block, `README.md has a js example with ${marker}`);
  return block;
}

// Connects to the server the example started, sends a line, ends its side, and prints what came
// back; then stops the example's server.
const CLIENT = `
import net from 'node:net';
const port = server.localPort(); // Node binds inside listen()
const c = net.connect(port, '127.0.0.1', () => c.end('hello, echo\\n'));
let got = '';
c.on('data', (d) => { got += d; });
c.on('close', () => { console.log(JSON.stringify(got)); server.destroy(); });
`;

test("the README's echo server echoes, and its accept() keeps the connection", { timeout: 20_000 }, async () => {
  const example = readmeExample('class EchoServer');
  assert.match(example, /new EchoServer\(7000\);/);
  const dir = path.join(root, 'test-output/readme');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'echo.mjs');
  writeFileSync(file, example.replace('new EchoServer(7000);', 'const server = new EchoServer(0);') + CLIENT);
  const { stdout } = await run(process.execPath, [file], { cwd: dir, timeout: 15_000 });
  const lines = stdout.trim().split('\n');
  assert.match(lines[0], /^echo server on 127\.0\.0\.1:\d+$/);
  assert.equal(JSON.parse(lines.at(-1)), 'hello, echo\n');
});
