// The Direct Sockets constructors' arguments are checked in Rust (src/engine/direct.rs, through
// the bindings' `directCheck`): options that are not an object, an option kvsocket does not
// know, a value of the wrong type, or one the constructor's rules refuse (a buffer size of 0, a
// keepAliveDelay under 1000 ms, …) throw a TypeError there. What is left here maps the buffer
// sizes onto the engine's high-water marks, which are what the streams' backpressure follows.

/** sendBufferSize -> setHighWaterMark, receiveBufferSize -> setReceiveHighWaterMark (whose
 * setters throw TypeError unless a positive integer). */
export function applyBufferSizes(sock, options) {
  if (options?.sendBufferSize !== undefined) sock.setHighWaterMark(options.sendBufferSize);
  if (options?.receiveBufferSize !== undefined) sock.setReceiveHighWaterMark(options.receiveBufferSize);
}
