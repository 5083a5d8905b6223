// Answers to upgrade requests we turn down. They go out before any WebSocket exists, so a browser
// sees only "closed before open"; the status line and body are for logs, curl and Node clients.

const PHRASES = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  426: 'Upgrade Required',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

// A reason phrase must be one line of visible ASCII.
const phrase = (text) => String(text).replace(/[^\x20-\x7e]/g, '?').slice(0, 80);

/** The raw HTTP response: `HTTP/1.1 <status> <reason>` with `detail` as a text/plain body. */
export function httpResponse(status, reason = PHRASES[status] ?? 'Error', detail = reason) {
  const body = `${detail}\n`;
  return (
    `HTTP/1.1 ${status} ${phrase(reason)}\r\n` +
    'Connection: close\r\n' +
    'Content-Type: text/plain; charset=utf-8\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    '\r\n' +
    body
  );
}

/** Writes the response on the upgrade's raw socket and closes it once written. */
export function refuseUpgrade(socket, status, reason, detail) {
  if (socket.destroyed) return;
  socket.once('finish', () => socket.destroy());
  socket.end(httpResponse(status, reason, detail));
}
