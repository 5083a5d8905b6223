// Run by scripts/build.sh: writes pkg/kvsocket.d.cts, the declarations of `require('kvsocket')`
// (js/node/index.cjs, which is the Node entry). A CommonJS declaration file cannot re-export the
// ES-module ones (js/node/index.d.ts), so it is the two put together: js/index.d.ts (the API of
// every host) and the Node-only part of js/node/index.d.ts, with Socket extended in place of the
// ES side's module augmentation.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const read = (file) => readFileSync(path.join(root, file), 'utf8');

const MARK = '// ---- Node only';
const node = read('js/node/index.d.ts');
const at = node.indexOf(MARK);
if (at < 0) throw new Error(`js/node/index.d.ts: no line starting with "${MARK}"`);
const nodeOnly = node.slice(node.indexOf('\n', at) + 1);

writeFileSync(path.join(root, 'pkg/kvsocket.d.cts'), [
  '/// <reference types="node" />',
  '// Written by scripts/cts-types.js from js/index.d.ts and js/node/index.d.ts: edit those.',
  read('js/index.d.ts'),
  '// ---- Node only (js/node/index.d.ts) ----',
  nodeOnly,
  'export interface Socket extends NodeSocket {}',
  '',
].join('\n'));
