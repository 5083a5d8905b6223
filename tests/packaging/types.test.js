// The declarations (js/index.d.ts, its CommonJS copy pkg/kvsocket.d.cts, js/proxy/server.d.ts)
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
const DOM = ['usage.ts', 'dom.ts', 'direct.ts'];
const DISPOSE = ['dispose.ts'];

const SETTINGS = [
  { name: 'lib es2022 + dom', lib: ['es2022', 'dom'], files: DOM },
  { name: 'lib es2022 alone', lib: ['es2022'], files: ANY },
  { name: 'lib esnext + dom', lib: ['esnext', 'dom'], files: [...DOM, ...DISPOSE] },
  { name: 'lib es2022 + dom + esnext.disposable', lib: ['es2022', 'dom', 'esnext.disposable'], files: [...DOM, ...DISPOSE] },
  { name: 'lib es2022 + @types/node, with require()', lib: ['es2022'], types: ['node'], files: [...ANY, ...DISPOSE, 'require.cts', 'duplex.ts'] },
  { name: 'lib esnext + dom + @types/node', lib: ['esnext', 'dom'], types: ['node'], files: [...DOM, ...DISPOSE, 'duplex.ts'] },
  { name: 'bundler resolution, lib esnext + dom', lib: ['esnext', 'dom'], module: 'esnext', resolution: 'bundler', files: [...DOM, ...DISPOSE] },
];

for (const s of SETTINGS) {
  test(`the declarations type-check: ${s.name}`, async () => {
    const dir = path.join(root, 'test-output/types', s.name.replace(/[^a-z0-9]+/gi, '-'));
    mkdirSync(dir, { recursive: true });
    const config = {
      compilerOptions: {
        strict: true,
        noEmit: true,
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
    assert.equal(result.code ?? 0, 0, `tsc -p ${path.relative(root, dir)}:\n${result.stdout}${result.stderr}`);
  });
}
