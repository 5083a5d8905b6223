// The engine of a socket dropped without destroy() is freed once the socket is collected
// (js/engines.js registers the socket, not the engine): wasm memory does not grow with sockets
// a script forgot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const PER_ROUND = 20_000;
const ROUNDS = 4;
const CHILD = `
  import { Socket } from ${JSON.stringify(fileURLToPath(new URL('../../js/node/index.js', import.meta.url)))};
  const settle = async () => { for (let i = 0; i < 3; i++) { gc(); await new Promise((r) => setTimeout(r, 30)); } };
  const wasm = () => process.memoryUsage().arrayBuffers + process.memoryUsage().external;
  const round = () => {
    for (let i = 0; i < ${PER_ROUND}; i++) {
      const s = new Socket();
      s.setHighWaterMark(1000); // a call into its engine
    }
  };
  round();
  await settle();
  const before = wasm();
  for (let k = 0; k < ${ROUNDS}; k++) { round(); await settle(); }
  console.log(wasm() - before);
`;

test('engines of sockets dropped without destroy() are freed when the sockets are collected', { timeout: 60_000 }, async () => {
  const child = spawn(process.execPath, ['--expose-gc', '--input-type=module', '-e', CHILD], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { err += d; });
  const code = await new Promise((resolve) => child.on('exit', resolve));
  assert.equal(code, 0, err);
  const growth = Number(out.trim());
  // An engine is ~330 bytes of wasm memory: kept, 80 000 of them would be ~26 MB.
  assert.ok(growth < (PER_ROUND * ROUNDS * 330) / 8, `wasm memory grew by ${growth} bytes over ${PER_ROUND * ROUNDS} dropped sockets`);
});
