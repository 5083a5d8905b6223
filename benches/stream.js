// How the benchmarks write a stream of bytes under backpressure: a raw node:net side, and a
// kvsocket side.

/** Writes `total` bytes to a net stream in `chunk`s, waiting for 'drain' whenever write()
 * says its buffer is full (net's own backpressure), then ends the stream. */
export function writeAll(stream, total, chunk) {
  let left = total;
  const pump = () => {
    while (left > 0) {
      left -= chunk.length;
      if (!stream.write(chunk)) return stream.once('drain', pump);
    }
    stream.end();
  };
  pump();
}

/** Writes `total` bytes to a kvsocket Socket in `chunk`s from its connectedEvent on, stopping
 * whenever bufferedAmount() passes `mark` until its drainEvent (kvsocket's backpressure); calls
 * `then()` once all is written. Sets the socket's connectedEvent and drainEvent. */
export function writeAllKv(socket, total, chunk, mark, then = () => {}) {
  let left = total;
  const pump = () => {
    while (left > 0) {
      left -= chunk.length;
      socket.write(chunk);
      if (socket.bufferedAmount() > mark) return; // drainEvent resumes
    }
    then();
  };
  socket.connectedEvent = pump;
  socket.drainEvent = pump;
}
