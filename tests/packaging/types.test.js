// The declarations (js/index.d.ts, the CommonJS pkg/kvsocket.d.cts written from it and js/node/index.d.ts, js/proxy/server.d.ts)
// type-check in strict mode under the `lib` settings projects commonly use, with and without
// @types/node, and with Node's and bundlers' module resolution. Each setting compiles the usage
// files in tests/types/ that fit it (its own tsconfig, written under test-output/types/).
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { root } from './pack.js';

const run = promisify(execFile);
const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
const ANY = ['usage.ts'];
const DOM = ['usage.ts', 'dom.ts', 'direct.ts', 'connect.ts'];
const DISPOSE = ['dispose.ts'];

const SETTINGS = [
  { name: 'lib es2022 + dom', lib: ['es2022', 'dom'], files: DOM },
  { name: 'lib es2022 alone', lib: ['es2022'], files: ANY },
  { name: 'lib esnext + dom, bundler resolution', lib: ['esnext', 'dom'], module: 'esnext', resolution: 'bundler', files: [...DOM, ...DISPOSE] },
  { name: 'lib es2022 + @types/node, with require()', lib: ['es2022'], types: ['node'], files: [...ANY, ...DISPOSE, 'require.cts', 'duplex.ts', 'net.ts', 'tls.ts'] },
  { name: 'lib esnext + dom + @types/node', lib: ['esnext', 'dom'], types: ['node'], files: [...DOM, ...DISPOSE, 'duplex.ts', 'net.ts', 'tls.ts'] },
];

/** Runs tsc over one setting's usage files; resolves with its complaints ('' when none). */
async function check(s) {
  const dir = path.join(root, 'test-output/types', s.name.replace(/[^a-z0-9]+/gi, '-'));
  mkdirSync(dir, { recursive: true });
  const config = {
    compilerOptions: {
      strict: true,
      noEmit: true,
      // The lib files themselves are TypeScript's; ours (and @types/node) are still checked.
      skipDefaultLibCheck: true,
      target: 'es2022',
      module: s.module ?? 'nodenext',
      moduleResolution: s.resolution ?? 'nodenext',
      lib: s.lib,
      types: s.types ?? [],
    },
    files: s.files.map((f) => path.relative(dir, path.join(root, 'tests/types', f))),
  };
  writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(config, null, 2));
  const result = await run(process.execPath, [tsc, '-p', dir], { cwd: root }).catch((e) => e);
  return result.code ? `tsc -p ${path.relative(root, dir)}:\n${result.stdout}${result.stderr}` : '';
}

// Two compilers at a time (a tsc run is a few seconds of one core, most of it the lib files).
// Its own timeout: five tsc runs took 74 s on a loaded 2-core machine, past npm test's 60 s default.
test('the declarations type-check under each lib setting', { timeout: 300_000 }, async (t) => {
  const queue = [...SETTINGS];
  const worker = async () => {
    for (let s; (s = queue.shift()); ) {
      const problems = await check(s);
      await t.test(s.name, () => assert.equal(problems, ''));
    }
  };
  await Promise.all([worker(), worker()]);
});
