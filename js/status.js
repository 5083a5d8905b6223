// The statuses' numbers (docs/spec.md) by name, as the engine numbers them: read from the wasm
// module's `statusNames` export (src/bindings/mod.rs) when a host makes its Socket class
// (js/socket.js), before any socket exists, so that no number is written twice. Only the
// layers above the facade (promises, streams, Direct Sockets) read it.

/** `STATUS.Unconnected` … `STATUS.Listening`: the numbers `status()` returns. */
export const STATUS = {};

/** Fills STATUS from the engine's names in numeric order (space-separated). */
export function learnStatuses(names) {
  names.split(' ').forEach((name, number) => { STATUS[name] = number; });
  Object.freeze(STATUS);
}
