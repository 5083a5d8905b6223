// Control messages: JSON in text frames, next to the data in binary frames (docs/proxy-protocol.md),
// and the rule for every message the proxy sends a client in answer to what the client sent.

import { HIGH } from './tunnel.js';
import { TYPE } from './tunnel-codes.js';

/** Answers queued on a WebSocket at most, besides HIGH bytes: a small one costs far more than its bytes. */
export const ANSWERS_HIGH = 256;

/**
 * The way to send a client answers to what it sends (a Wisp CLOSE for a refused CONNECT, an
 * error message for a bad datagram): a client that never reads would have them pile up on its
 * WebSocket without limit. So once more than ANSWERS_HIGH answers wait to be handed to the
 * system, or more than HIGH bytes of anything are queued on the WebSocket, `reading` (a pauser
 * of the WebSocket, udp.js) is held until every answer sent has left: what the client sends
 * meanwhile waits in the kernel (TCP flow control stops it), and so does what it would make the
 * proxy say. What waits stays within those marks plus the answers to what had already been
 * read. `answer(data)` sends a Buffer (binary) or a string (text); nothing once closed.
 */
export function answerer(ws, reading) {
  let waiting = 0;
  let holding = false;
  const sent = () => {
    waiting -= 1;
    if (waiting > 0 || !holding) return;
    holding = false;
    reading.release();
  };
  return function answer(data) {
    if (ws.readyState !== ws.OPEN) return;
    waiting += 1;
    if (!holding && (waiting > ANSWERS_HIGH || ws.bufferedAmount > HIGH)) {
      holding = true;
      reading.hold();
    }
    ws.send(data, sent);
  };
}

/**
 * Sends one control message if the WebSocket is still open; through `answer` (an answerer())
 * when it answers something the client sent.
 */
export function sendControl(ws, message, answer = null) {
  if (answer) answer(JSON.stringify(message));
  else if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
}

/** An error the page should hear about: {type: 'error', code, message}. */
export function sendError(ws, code, message, answer = null) {
  sendControl(ws, { type: TYPE.ERROR, code, message }, answer);
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
