// Waiting on a kvsocket Socket in the TLS tests (node.test.js, wisp.test.js): its first event of
// a kind, its text until a marker arrives, and the plaintext part of a STARTTLS exchange.

/** Resolves with the first of `types` dispatched on `sock` as [type, detail]. */
export function first(sock, types, ms = 5000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`none of ${types} within ${ms} ms`)), ms);
    for (const type of types) {
      sock.addEventListener(type, (e) => { clearTimeout(timer); resolve([type, e.detail]); }, { once: true });
    }
  });
}

/** Reads until `text` has arrived, as text. */
export function readUntil(sock, text, ms = 5000) {
  let got = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`got ${JSON.stringify(got)}, waiting for ${JSON.stringify(text)}`)), ms);
    const check = () => {
      got += sock.read();
      if (got.includes(text)) { clearTimeout(timer); sock.removeEventListener('dataAvailable', check); resolve(got); }
    };
    sock.addEventListener('dataAvailable', check);
    if (sock.bytesAvailable() > 0) check();
  });
}

/** Connects `sock` to the STARTTLS server (starttls-server.js) at `host`:`port` and reads up to
 * its "220 go ahead": the next bytes are the handshake's. */
export async function untilGoAhead(sock, host, port) {
  sock.connect(host, port);
  await first(sock, ['connected']);
  await readUntil(sock, '220 ready\r\n');
  sock.write('STARTTLS\r\n');
  await readUntil(sock, '220 go ahead\r\n');
}
