// What the benchmarks' raw node:net sides share.

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
