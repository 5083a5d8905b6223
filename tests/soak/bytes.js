// What a soak connection sends, shared by tests/soak/node.js and the page of tests/soak/browser.js
// (plain JS: the page imports it too).

/** Deterministic pseudo-random bytes (xorshift32), one stream per seed. */
export function bytesFor(seed, n) {
  const out = new Uint8Array(n);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}
