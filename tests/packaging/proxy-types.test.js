// js/proxy/server.d.ts (the types of `kvsocket/proxy`) keeps up with js/proxy/server.js: every
// option startProxy reads, every counter in `stats` and every member of what it resolves with is
// declared, and nothing declared is gone. Checked against a real proxy on 127.0.0.1.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as server from '../../js/proxy/server.js';
import { DEFAULTS } from '../../js/proxy/limits.js';
import { root } from './pack.js';

const dts = readFileSync(path.join(root, 'js/proxy/server.d.ts'), 'utf8');

/** The member names declared in `interface NAME { … }`. */
function members(name) {
  const body = new RegExp(`interface ${name} \\{([\\s\\S]*?)\\n\\}`).exec(dts)?.[1];
  assert.ok(body, `server.d.ts declares interface ${name}`);
  return new Set([...body.matchAll(/^ {2}(?:readonly )?(\w+)\??[:(]/gm)].map((m) => m[1]));
}

test('server.d.ts declares every option startProxy reads, and only those', () => {
  const declared = members('ProxyOptions');
  const source = readFileSync(path.join(root, 'js/proxy/server.js'), 'utf8');
  // Options read by name (o.x from DEFAULTS and options, or destructured from options).
  const read = new Set([
    ...Object.keys(DEFAULTS),
    ...[...source.matchAll(/\bo\.(\w+)/g)].map((m) => m[1]),
    ...(/const \{([^}]*)\} = options;/.exec(source)?.[1] ?? '').split(',').map((s) => s.trim().split(/\s*=/)[0]).filter(Boolean),
  ]);
  assert.deepEqual([...read].filter((k) => !declared.has(k)).sort(), [], 'options read but not declared');
  assert.deepEqual([...declared].filter((k) => !read.has(k)).sort(), [], 'options declared but not read');
});

test('server.d.ts declares the exports, stats and members of a running proxy', async (t) => {
  const exported = [...dts.matchAll(/^export function (\w+)/gm)].map((m) => m[1]).sort();
  assert.deepEqual(exported, Object.keys(server).sort());
  const proxy = await server.startProxy({ log: () => {} });
  t.after(() => proxy.close());
  assert.deepEqual(Object.keys(proxy).sort(), [...members('Proxy')].sort());
  assert.deepEqual(Object.keys(proxy.stats).sort(), [...members('ProxyStats')].sort());
});
