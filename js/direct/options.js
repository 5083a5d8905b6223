// Option checks the Direct Sockets constructors share (WICG: a size of 0 is a TypeError), and
// the buffer sizes mapped onto the engine's high-water marks, which are what the streams'
// backpressure follows.

import { describe } from '../bytes.js';

/** Throws TypeError unless `options` is undefined, null or an object. */
export function checkOptions(options, what) {
  if (options !== undefined && options !== null && typeof options !== 'object') {
    throw new TypeError(`${what}: options must be an object, got ${describe(options)}`);
  }
}

/** sendBufferSize -> setHighWaterMark, receiveBufferSize -> setReceiveHighWaterMark. */
export function applyBufferSizes(sock, options, what) {
  for (const [name, set] of [['sendBufferSize', 'setHighWaterMark'], ['receiveBufferSize', 'setReceiveHighWaterMark']]) {
    const value = options?.[name];
    if (value === undefined) continue;
    if (value === 0) throw new TypeError(`${what}: ${name} must not be 0`);
    sock[set](value); // TypeError unless a positive integer
  }
}
