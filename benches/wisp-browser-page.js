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

  // ----- no Wisp client: the page's WebSocket alone (the floor under both) -----
  // The same transfer with one prebuilt DATA packet sent again and again within the server's
  // credit and received packets only counted (Wisp v1: no subprotocol offered; the server's
  // CONTINUE on stream 0 comes first, then one stream), as benches/wisp-floor.js does on Node.
  // What it costs the page is what any Wisp client pays for the browser's WebSocket.
  function rawOpen(url, port, onData) {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.binaryType = 'arraybuffer';
      const state = { ws, credit: 0, onCredit: null };
      ws.onerror = () => reject(new Error('raw: WebSocket error'));
      ws.onmessage = ({ data }) => {
        const view = new DataView(data);
        const type = view.getUint8(0);
        if (type === 2) return onData(data);
        if (type !== 3) return;
        state.credit = view.getUint32(5, true);
        if (view.getUint32(1, true) !== 0) return state.onCredit?.();
        const host = new TextEncoder().encode('127.0.0.1');
        const connect = new Uint8Array(8 + host.length);
        const c = new DataView(connect.buffer);
        c.setUint8(0, 1); // CONNECT
        c.setUint32(1, 1, true); // stream 1
        c.setUint8(5, 1); // TCP
        c.setUint16(6, port, true);
        connect.set(host, 8);
        ws.send(connect);
        resolve(state);
      };
    });
  }

  async function rawDownload(url, port) {
    const t = performance.now();
    let got = 0;
    let done;
    const finished = new Promise((resolve) => { done = resolve; });
    const { ws } = await rawOpen(url, port, (data) => {
      got += data.byteLength - 5;
      if (got >= total) done();
    });
    await finished;
    const ms = performance.now() - t;
    ws.close();
    if (got !== total) throw new Error(`raw download: got ${got} of ${total} bytes`);
    return ms;
  }

  async function rawUpload(url, port) {
    const t = performance.now();
    let answered;
    const finished = new Promise((resolve) => { answered = resolve; });
    const state = await rawOpen(url, port, (data) => answered(new Uint8Array(data)[5]));
    const packet = new Uint8Array(5 + chunkSize).fill(0x62);
    new DataView(packet.buffer).setUint8(0, 2); // DATA
    new DataView(packet.buffer).setUint32(1, 1, true);
    let left = total;
    const pump = () => {
      while (left > 0) {
        if (state.credit === 0) return; // the next CONTINUE pumps
        if (state.ws.bufferedAmount > HIGH_WATER) return setTimeout(pump, 0);
        state.credit--;
        state.ws.send(packet);
        left -= chunkSize;
      }
    };
    state.onCredit = pump;
    pump();
    const answer = await finished;
    const ms = performance.now() - t;
    state.ws.close();
    if (answer !== 0x21) throw new Error('raw upload: the target got more than was sent');
    return ms;
  }

  return { kvDownload, kvUpload, wjDownload, wjUpload, rawDownload, rawUpload };
}
