// The statuses' numbers (docs/spec.md) by name, as the engine numbers them: read from the wasm
// module's `statusNames` export (src/bindings/mod.rs) when a host makes its Socket class
// (js/socket.js), before any socket exists, so that no number is written twice. The layers
// above the facade (promises, streams, Direct Sockets, kvsocket/net) read it; what a status
// means to them (which ones end a watch) is the engine's too (`overStatuses`).

/** `STATUS.Unconnected` … `STATUS.Listening`: the numbers `status()` returns. */
export const STATUS = {};

// The numbers of the statuses in which nothing more is read or reported of a connection
// (engine::Status::is_over): Unconnected and Closing, as the engine says.
const OVER = new Set();

/** Fills STATUS from the engine's names in numeric order, and the statuses that end a watch
 * from its `overStatuses` (both space-separated). */
export function learnStatuses(names, over) {
  names.split(' ').forEach((name, number) => { STATUS[name] = number; });
  Object.freeze(STATUS);
  for (const name of over.split(' ')) OVER.add(STATUS[name]);
}

/** Whether a change to status number `status` ends what a watcher follows (a stateChanged's). */
export const statusIsOver = (status) => OVER.has(status);
