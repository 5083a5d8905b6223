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

/** Throws TypeError unless the address argument `name` is a string (an IP literal or a host
 * name; whether it is a valid one is the Socket's rule, and a bad one rejects `opened`). A
 * missing or non-string address is a wrong argument, not an address to look up. */
export function checkAddress(value, what, name) {
  if (typeof value !== 'string') throw new TypeError(`${what}: ${name} must be a string, got ${describe(value)}`);
}

/** Throws TypeError unless the port argument `name` is a number or a string (its range is the
 * Socket's rule: a port out of range rejects `opened`). */
export function checkPort(value, what, name) {
  if (typeof value !== 'number' && typeof value !== 'string') {
    throw new TypeError(`${what}: ${name} must be a number, got ${describe(value)}`);
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
