// The page half of benches/wisp-browser.js: runs in headless Chromium. Each function does one
// transfer through a Wisp server with kvsocket's browser Socket (a `wisp+ws://` proxy URL) or
// with the @mercuryworkshop/wisp-js client (its browser build), and resolves with the
// milliseconds it took, timed from the new connection to the last byte (download) or to the
// target's answer that exactly `total` bytes came (upload: '!'). Both write 64 KiB at a time
// and stop while 1 MiB waits: kvsocket on bufferedAmount() and drainEvent; wisp-js, which has
// no drain signal, on its WebSocket's bufferedAmount and its stream's queue (what its credit
// does not cover), looking again on a timer as a page would. Each transfer opens and closes
// its own connection.
const MiB = 1024 * 1024;
const HIGH_WATER = MiB;

export function make(Socket, wisp, { total, chunkSize }) {
  const chunk = new Uint8Array(chunkSize).fill(0x61);

  // ----- kvsocket -----
  function kvDownload(url, port) {
    return new Promise((resolve, reject) => {
      const t = performance.now();
      const s = new Socket({ proxy: `wisp+${url}` });
      let got = 0;
      s.dataAvailableEvent = () => {
        got += s.readBytes().length;
        if (got < total) return;
        const ms = performance.now() - t;
        s.destroy();
        if (got !== total) reject(new Error(`kvsocket download: got ${got} of ${total} bytes`));
        else resolve(ms);
      };
      s.errorEvent = (code) => reject(new Error(`kvsocket download: ${code}: ${s.lastError()}`));
      s.connect('127.0.0.1', port);
    });
  }

  function kvUpload(url, port) {
    return new Promise((resolve, reject) => {
      const t = performance.now();
      const s = new Socket({ proxy: `wisp+${url}` });
      let left = total;
      const pump = () => {
        while (left > 0) {
          s.write(chunk);
          left -= chunkSize;
          if (s.bufferedAmount() > HIGH_WATER) return; // drainEvent resumes
        }
      };
      s.connectedEvent = pump;
      s.drainEvent = pump;
      // The target answers one byte once it has all `total` bytes (benches/wisp-server.js).
      s.dataAvailableEvent = () => {
        const ms = performance.now() - t;
        const answer = s.readBytes()[0];
        s.destroy();
        if (answer !== 0x21) reject(new Error('kvsocket upload: the target got more than was sent'));
        else resolve(ms);
      };
      s.errorEvent = (code) => reject(new Error(`kvsocket upload: ${code}: ${s.lastError()}`));
      s.connect('127.0.0.1', port);
    });
  }

  // ----- the wisp-js client -----
  function wispConnection(url) {
    return new Promise((resolve, reject) => {
      const conn = new wisp.ClientConnection(url);
      conn.onopen = () => resolve(conn);
      conn.onerror = () => reject(new Error('wisp-js: the connection failed'));
    });
  }

  async function wjDownload(url, port) {
    const t = performance.now();
    const conn = await wispConnection(url);
    const got = await new Promise((resolve) => {
      const stream = conn.create_stream('127.0.0.1', port);
      let n = 0;
      stream.onmessage = (bytes) => {
        n += bytes.length;
        if (n >= total) resolve(n);
      };
    });
    const ms = performance.now() - t;
    conn.close();
    if (got !== total) throw new Error(`wisp-js download: got ${got} of ${total} bytes`);
    return ms;
  }

  async function wjUpload(url, port) {
    const t = performance.now();
    const conn = await wispConnection(url);
    const answer = await new Promise((resolve) => {
      const stream = conn.create_stream('127.0.0.1', port);
      stream.onmessage = (bytes) => resolve(bytes[0]); // the target's one byte: all came
      let left = total;
      const pump = () => {
        while (left > 0) {
          stream.send(chunk);
          left -= chunkSize;
          const queued = conn.ws.bufferedAmount + stream.send_buffer.length * chunkSize;
          if (queued > HIGH_WATER) return setTimeout(pump, 0);
        }
      };
      pump();
    });
    const ms = performance.now() - t;
    conn.close();
    if (answer !== 0x21) throw new Error('wisp-js upload: the target got more than was sent');
    return ms;
  }

  return { kvDownload, kvUpload, wjDownload, wjUpload };
}
