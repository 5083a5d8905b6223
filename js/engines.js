// Engines for sockets the facade makes itself, without wasm-bindgen's finalization of each one.
//
// wasm-bindgen's `new Engine()` registers the object with a FinalizationRegistry under an
// unregister token (the object itself): a weak cell plus an entry in the registry's token table
// per socket (~100 B of heap measured with 20 000 engines), and a lookup in that table when
// `free()` unregisters it. The facade frees the engine of every socket it destroys, so only a
// socket dropped without `destroy()` needs finalizing: the socket is registered instead, with
// no token (nothing to unregister; after a `destroy()` the finalizer finds the engine freed).
//
// Engines are made batched (`Engine.newBatched`: one call into wasm, not two).
//
// This reads two names of wasm-bindgen's glue for the pinned version (Cargo.toml): the export
// `engine_newBatched` and the wrapper's `__wbg_ptr`. Where either is missing, wasm-bindgen's own
// constructor is used.

/**
 * `Engine`: the wasm-bindgen class; `exports`: the instance's exports (what `initSync`
 * returns). Returns `{ make(), watch(socket, engine) }`: `make()` gives a batched engine.
 */
export function createEngines(Engine, exports) {
  const plain = { make: () => Engine.newBatched(), watch() {} };
  if (typeof exports?.engine_newBatched !== 'function' || typeof FinalizationRegistry !== 'function') return plain;
  const probe = new Engine();
  const known = typeof probe.__wbg_ptr === 'number' && probe.__wbg_ptr !== 0;
  probe.free();
  if (!known || probe.__wbg_ptr !== 0) return plain;
  const dropped = new FinalizationRegistry((engine) => {
    if (engine.__wbg_ptr !== 0) engine.free();
  });
  return {
    make() {
      const engine = Object.create(Engine.prototype);
      engine.__wbg_ptr = exports.engine_newBatched() >>> 0;
      return engine;
    },
    /** Frees `engine` once `socket` is collected, unless it was freed before. */
    watch(socket, engine) {
      dropped.register(socket, engine);
    },
  };
}
