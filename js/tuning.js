// The sizes the JS side works with for speed, as the engine module gives them
// (src/bindings/tuning.rs: chosen there, not here).

/** `hostTuning()`'s `name value` pairs as an object of numbers. */
export function readTuning(hostTuning) {
  const words = hostTuning().split(' ');
  const out = {};
  for (let i = 0; i < words.length; i += 2) out[words[i]] = Number(words[i + 1]);
  return Object.freeze(out);
}
