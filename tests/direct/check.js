// What the shared scenario files (tests/direct/, tests/promises/, tests/options/) check with, and
// the data they share with the peers (tests/direct/peers.js). Plain JS: it runs in Node and in
// Chromium alike, so no Node module is imported.

export const BIG = 4 * 1024 * 1024; // the `big` and `upload` peers' transfer size
export const patternByte = (i) => (i * 7 + (i >> 10)) & 0xff;
export const HOST = '127.0.0.1';

export function check(ok, message) {
  if (!ok) throw new Error(message);
}
export function equal(actual, expected, what) {
  check(actual === expected, `${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}
export async function rejects(promise, test, what) {
  try {
    await promise;
  } catch (err) {
    check(test(err), `${what}: rejected with the wrong error: ${err?.name} ${err?.code ?? ''} ${err?.message}`);
    return err;
  }
  throw new Error(`${what}: expected a rejection`);
}
export function throwsType(fn, what) {
  try {
    fn();
  } catch (err) {
    check(err instanceof TypeError, `${what}: threw ${err?.name}, expected TypeError`);
    return;
  }
  throw new Error(`${what}: expected a TypeError`);
}
export const text = (bytes) => new TextDecoder().decode(bytes);
