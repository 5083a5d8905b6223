// The Node host's TLS: node:tls over the connection's net.Socket, for the engine's `startTls`
// action (the `tls` option once connected, or startTls()). node:tls, not the page's wasm TLS
// module: OpenSSL with AES-NI reads 480-670 MiB/s here against 23-26 MiB/s for rustls in wasm
// (docs/design.md, TLS). The engine decides what the script sees (src/engine/socket/tls.rs) and
// names node:tls's errors with the page's names (src/engine/error.rs, from_host); what is
// checked is the same: the Mozilla roots (Node's tls.rootCertificates, as webpki-roots in the
// page) plus `ca`, and the name asked for.

import net from 'node:net';
import tls from 'node:tls';

/**
 * Starts the handshake over `raw` (a connected net.Socket) with `options`, the `startTls`
 * action's (`{ servername, ca, rejectUnauthorized, alpn }`, every default filled in by the
 * engine); returns the TLSSocket, which the transport uses from now on. `on` holds the transport's listeners: data, end, error, close,
 * and secure (the handshake is done), and `paused()`, whether reading is paused.
 */
export function startNodeTls(raw, options, on) {
  const name = options.servername;
  const ip = net.isIP(name) !== 0;
  const secure = tls.connect({
    socket: raw,
    // SNI carries names only; an IP is checked against the certificate's IP addresses.
    servername: ip ? undefined : name,
    host: name,
    ca: options.ca.length > 0 ? [...tls.rootCertificates, ...options.ca] : undefined,
    rejectUnauthorized: options.rejectUnauthorized,
    ALPNProtocols: options.alpn.length > 0 ? options.alpn : undefined,
  });
  secure.on('secureConnect', on.secure);
  // 'readable' and one read() of all that is buffered, not 'data': node:tls emits a chunk per
  // record (16 KiB at most), and each chunk is an input to the engine; read() joins what one
  // turn decrypted (benches/tls.js: download 0.54x of tls.connect with 'data').
  // While the engine's receive buffer is over its mark (`on.paused()`), nothing is read: the
  // stream's buffer fills and node:tls stops reading the connection (`readMore` resumes).
  const readMore = function onReadable() {
    if (on.paused()) return;
    for (let chunk = this.read(); chunk !== null && !on.paused(); chunk = this.read()) on.data.call(this, chunk);
  };
  secure.on('readable', readMore);
  secure.readMore = readMore;
  secure.on('end', on.end);
  secure.on('error', on.error);
  secure.on('close', on.close);
  return secure;
}

const iso = (date) => new Date(date).toISOString().replace('.000Z', 'Z');
const names = (o) => Object.fromEntries(Object.entries(o ?? {}).map(([k, v]) => [k, [].concat(v).join('\n')]));

/** `tlsInfo()` of a TLSSocket, in the page's shape (js/tls/layer.js): IANA cipher names, ISO
 * dates; `errorName` names an authorization error as the engine does. */
export function nodeTlsInfo(secure, servername, errorName) {
  const cert = secure.getPeerCertificate();
  const cipher = secure.getCipher();
  return {
    protocol: secure.getProtocol(),
    cipher: cipher?.standardName ?? cipher?.name ?? '',
    alpn: secure.alpnProtocol || null,
    servername,
    authorized: secure.authorized,
    authorizationError: secure.authorizationError ? errorName(String(secure.authorizationError)) : null,
    peerCertificate: cert && cert.raw ? {
      subject: names(cert.subject),
      issuer: names(cert.issuer),
      validFrom: iso(cert.valid_from),
      validTo: iso(cert.valid_to),
      fingerprint256: cert.fingerprint256,
    } : null,
  };
}
