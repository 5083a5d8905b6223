// Control messages: JSON in text frames, next to the data in binary frames (docs/proxy-protocol.md).

/** Sends one control message if the WebSocket is still open. */
export function sendControl(ws, message) {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
}

/** An error the page should hear about: {type: 'error', code, message}. */
export function sendError(ws, code, message) {
  sendControl(ws, { type: 'error', code, message });
}

/** A text frame as a control message, or null when it is not a JSON object with a string type. */
export function parseControl(data) {
  try {
    const message = JSON.parse(data.toString());
    return message && typeof message === 'object' && typeof message.type === 'string' ? message : null;
  } catch {
    return null;
  }
}
