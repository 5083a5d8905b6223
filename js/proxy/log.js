// Every line kvsocket-proxy logs passes here, because much of what it logs comes from clients
// (request URLs, host names, subprotocols): a line is written with its token values hidden
// (token.js, every spelling), its control characters escaped (a newline cannot forge a line,
// an ESC cannot reach the terminal), cut to LINE_MAX characters, and at most RATE lines a
// second: past that, lines are counted and one line says how many were suppressed.

import { redact } from './token.js';

/** The longest line written, in characters (after escaping); the rest is cut and counted. */
export const LINE_MAX = 1024;
/** Lines written per second at most; the others are counted in a "suppressed" line. */
export const RATE = 20;
const WINDOW_MS = 1000;

// C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const hex = (c) => {
  const n = c.charCodeAt(0);
  return n < 0x100 ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
};

/** One line fit for a log: tokens hidden, controls escaped (\x0a, \x1b, \u2028), at most `max` characters (then `… (cut: N characters in all)`). */
export function logLine(text, max = LINE_MAX) {
  const raw = String(text);
  // Cut before anything else reads it (a client may have sent 256 KiB of host name), then cut
  // what escaping lengthened.
  const escaped = redact(raw.slice(0, max)).replace(CONTROL, hex);
  if (raw.length <= max && escaped.length <= max) return escaped;
  return `${escaped.slice(0, max)}… (cut: ${raw.length} characters in all)`;
}

/**
 * Wraps `sink` (a function taking one line): each line passes logLine(), and at most `rate`
 * go out per second; the others are counted, and when their second is over one line says
 * "suppressed N log lines". `flush()` writes that line at once (when the proxy closes).
 */
export function safeLog(sink, { rate = RATE } = {}) {
  let windowStart = 0;
  let written = 0;
  let suppressed = 0;
  let timer = null;
  const flush = () => {
    clearTimeout(timer);
    timer = null;
    if (suppressed === 0) return;
    sink(`suppressed ${suppressed} log line${suppressed === 1 ? '' : 's'} (more than ${rate} a second)`, 'warn');
    suppressed = 0;
  };
  // `level` (error, warn, info; logger.js) is passed on to the sink.
  const log = (text, level) => {
    const now = Date.now();
    if (now - windowStart >= WINDOW_MS) {
      windowStart = now;
      written = 0;
    }
    if (written < rate) {
      written += 1;
      return level === undefined ? sink(logLine(text)) : sink(logLine(text), level);
    }
    suppressed += 1;
    if (!timer) {
      timer = setTimeout(flush, windowStart + WINDOW_MS - now);
      timer.unref();
    }
  };
  log.flush = flush;
  return log;
}
