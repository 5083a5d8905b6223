// The guard for issue 9's crash: no export of the engine's wasm may return a JS value
// (`externref`). Node 20's V8 inlines such a JS-to-wasm call into optimized JS, and when that JS
// is deoptimized during the call its deoptimizer knows no `externref` result: it reaches
// UNREACHABLE and the process dies with SIGTRAP (src/bindings/mod.rs, "outputs"). The load
// that set it off is tests/many/many.js (scripts/test-many.sh); this test finds the cause in the
// binary itself, every time, by reading the wasm's type, import, function and export sections.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const VALUE_TYPES = { 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x7b: 'v128', 0x70: 'funcref', 0x6f: 'externref' };

/** Each exported function's name and result types. */
function exportedResults(bytes) {
  let at = 8; // magic and version
  const leb = () => {
    let value = 0;
    let shift = 0;
    let byte;
    do {
      byte = bytes[at++];
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    return value;
  };
  const name = () => {
    const len = leb();
    at += len;
    return Buffer.from(bytes.subarray(at - len, at)).toString('utf8');
  };
  const valueType = () => {
    const code = bytes[at++];
    if (!(code in VALUE_TYPES)) throw new Error(`value type 0x${code.toString(16)} not understood`);
    return VALUE_TYPES[code];
  };
  const limits = () => { if (bytes[at++] & 1) leb(); leb(); };
  const types = [];
  const functionTypes = []; // imported functions first, then defined ones
  const results = new Map();
  while (at < bytes.length) {
    const id = bytes[at++];
    const end = leb() + at;
    if (id === 1) {
      for (let n = leb(); n > 0; n--) {
        if (bytes[at++] !== 0x60) throw new Error('only plain function types are understood');
        for (let p = leb(); p > 0; p--) valueType();
        const out = [];
        for (let r = leb(); r > 0; r--) out.push(valueType());
        types.push(out);
      }
    } else if (id === 2) {
      for (let n = leb(); n > 0; n--) {
        name();
        name();
        const kind = bytes[at++];
        if (kind === 0) functionTypes.push(leb());
        else if (kind === 1) { valueType(); limits(); } // table
        else if (kind === 2) limits(); // memory
        else if (kind === 3) { valueType(); at++; } // global
        else throw new Error(`import kind ${kind} not understood`);
      }
    } else if (id === 3) {
      for (let n = leb(); n > 0; n--) functionTypes.push(leb());
    } else if (id === 7) {
      for (let n = leb(); n > 0; n--) {
        const exported = name();
        const kind = bytes[at++];
        const index = leb();
        if (kind === 0) results.set(exported, types[functionTypes[index]]);
      }
    }
    at = end;
  }
  return results;
}

test('no export of Node\'s engine wasm returns a JS value (externref), which crashes Node 20 on deopt', () => {
  const wasm = readFileSync(new URL('../../pkg/kvsocket_node_bg.wasm', import.meta.url));
  const results = exportedResults(wasm);
  assert.ok(results.has('engine_write') && results.has('engine_connect'), 'the export section was read');
  const returningValues = [...results].filter(([, out]) => out.some((t) => t.endsWith('ref'))).map(([n]) => n);
  assert.deepEqual(returningValues, [], 'exports that return a reference');
});
