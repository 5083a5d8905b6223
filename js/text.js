// read()'s text for kept stream bytes (docs/design.md, the receive path), decoded by the
// engine's rule (src/bindings/text.rs): the bytes are copied into the engine's scratch area,
// which says whether they are their own text (valid UTF-8 without NUL: decoded here from our
// own copy) or hands back the decoded text's UTF-8. No allocation in wasm and no string
// crossing per read, which cost more than the rest of a small read (docs/performance.md).

/**
 * `(bytes) => string` over one wasm instance: `memory` is its WebAssembly.Memory,
 * `textScratch` / `textOfScratch` / `textOfBytes` the exports of those names.
 */
export function createTextReader({ memory, textScratch, textOfScratch, textOfBytes }) {
  // ignoreBOM: a leading U+FEFF is text like any other (the engine keeps it).
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  let at = 0; // the scratch area's address, for up to `room` input bytes
  let room = 0;
  let view = new Uint8Array(0); // over all of memory; length 0 once growth detached it

  return function text(bytes) {
    const n = bytes.length;
    if (n > room) {
      const where = textScratch(n);
      if (where === 0) return textOfBytes(bytes); // more than the area can take: the slow way
      at = where;
      room = n;
    }
    if (view.length === 0) view = new Uint8Array(memory.buffer);
    view.set(bytes, at);
    const out = textOfScratch(n);
    if (out < 0) return decoder.decode(bytes);
    if (view.length === 0) view = new Uint8Array(memory.buffer);
    return decoder.decode(view.subarray(at + n, at + n + out));
  };
}
