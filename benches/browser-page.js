// The page half of benches/browser.js: runs in headless Chromium. Each function does one
// transfer through kvsocket-proxy, with kvsocket's browser Socket or with a raw WebSocket to the
// same proxy URL, and resolves with the milliseconds it took (performance.now() in the page).
// Both sides do the same work the same way: 64 KiB writes under a 1 MiB high-water mark, whole
// transfers timed from connect() / new WebSocket() to the end of the connection; echo timed
// from the first ping to the last answer.

const MiB = 1024 * 1024;
const HIGH_WATER = MiB; // kvsocket's default send high-water mark, used for the raw side too

const url = (proxy, port) => proxy.replace('{host}', '127.0.0.1').replace('{port}', String(port));

export function make(Socket, proxy, { total, chunkSize, pings }) {
  const chunk = new Uint8Array(chunkSize).fill(0x61);
  const ping = new Uint8Array([0x70, 0x69, 0x6e, 0x67]); // "ping"

  function rawUpload(port) {
    return new Promise((resolve, reject) => {
      const t = performance.now();
      const ws = new WebSocket(url(proxy, port), 'binary');
      let left = total;
      // A WebSocket has no drain event: poll bufferedAmount, as a plain page would.
      const pump = () => {
        while (left > 0) {
          if (ws.bufferedAmount > HIGH_WATER) return setTimeout(pump, 0);
          ws.send(chunk);
          left -= chunkSize;
        }
        // close() sends its close frame after everything queued; the proxy answers it once
        // the bytes before it were passed on.
        ws.close(1000);
      };
      ws.onopen = pump;
      ws.onerror = () => reject(new Error('raw upload: WebSocket error'));
      ws.onclose = () => resolve(performance.now() - t);
    });
  }

  function kvUpload(port) {
    return new Promise((resolve, reject) => {
      const t = performance.now();
      const s = new Socket();
      let left = total;
      const pump = () => {
        while (left > 0) {
          s.write(chunk);
          left -= chunkSize;
          if (s.bufferedAmount() > HIGH_WATER) return; // drainEvent resumes
        }
        s.close(); // flushes, then closes
      };
      s.connectedEvent = pump;
      s.drainEvent = pump;
      s.connectFailedEvent = (why) => reject(new Error(`kvsocket upload: ${why}`));
      s.disconnectEvent = (error) => {
        s.destroy();
        if (error) reject(new Error(`kvsocket upload: ${error}`));
        else resolve(performance.now() - t);
      };
      s.connect('127.0.0.1', port);
    });
  }

  function rawDownload(port) {
    return new Promise((resolve, reject) => {
      const t = performance.now();
      const ws = new WebSocket(url(proxy, port), 'binary');
      ws.binaryType = 'arraybuffer';
      let got = 0;
      ws.onmessage = (e) => { got += e.data.byteLength; };
      ws.onerror = () => reject(new Error('raw download: WebSocket error'));
      ws.onclose = () => {
        if (got !== total) reject(new Error(`raw download: got ${got} of ${total} bytes`));
        else resolve(performance.now() - t);
      };
    });
  }

  function kvDownload(port) {
    return new Promise((resolve, reject) => {
      const t = performance.now();
      const s = new Socket();
      let got = 0;
      s.dataAvailableEvent = () => { got += s.readBytes().length; };
      s.connectFailedEvent = (why) => reject(new Error(`kvsocket download: ${why}`));
      s.disconnectEvent = () => {
        got += s.readBytes().length;
        s.destroy();
        if (got !== total) reject(new Error(`kvsocket download: got ${got} of ${total} bytes`));
        else resolve(performance.now() - t);
      };
      s.connect('127.0.0.1', port);
    });
  }

  function rawEcho(port) {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url(proxy, port), 'binary');
      ws.binaryType = 'arraybuffer';
      let n = 0;
      let t = 0;
      let ms = 0;
      let got = 0;
      ws.onopen = () => { t = performance.now(); ws.send(ping); };
      // The answer is read (e.data), as kvsocket's side reads it with readBytes().
      ws.onmessage = (e) => {
        got += e.data.byteLength;
        if (++n < pings) return ws.send(ping);
        ms = performance.now() - t;
        ws.close(1000);
      };
      ws.onerror = () => reject(new Error('raw echo: WebSocket error'));
      ws.onclose = () => (n === pings && got === 4 * pings ? resolve(ms)
        : reject(new Error(`raw echo: ${n} of ${pings} answers, ${got} bytes`)));
    });
  }

  function kvEcho(port) {
    return new Promise((resolve, reject) => {
      const s = new Socket();
      let n = 0;
      let t = 0;
      let ms = 0;
      s.connectedEvent = () => { t = performance.now(); s.write(ping); };
      s.dataAvailableEvent = () => {
        s.readBytes();
        if (++n < pings) return s.write(ping);
        ms = performance.now() - t;
        s.close();
      };
      s.connectFailedEvent = (why) => reject(new Error(`kvsocket echo: ${why}`));
      s.disconnectEvent = () => {
        s.destroy();
        if (n === pings) resolve(ms);
        else reject(new Error(`kvsocket echo: ${n} of ${pings} answers`));
      };
      s.connect('127.0.0.1', port);
    });
  }

  return { rawUpload, kvUpload, rawDownload, kvDownload, rawEcho, kvEcho };
}
