// The command line's log: one line per event on stderr, as text (`kvsocket-proxy: …`) or as a
// JSON object per line ({"time","level","msg"}) for log collectors, below --log-level dropped.
// startProxy's own `log` option takes (line, level); the level is 'info' where none is given.

export const LEVELS = ['error', 'warn', 'info', 'debug'];

// What a client sent (a URL, a header) never starts a line of its own in the text log.
const oneLine = (msg) => String(msg).replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

/** A log function writing lines at `level` and above in `format` ('text' or 'json'). */
export function createLogger({ level = 'info', format = 'text', write = (s) => process.stderr.write(s) } = {}) {
  if (!LEVELS.includes(level)) throw new Error(`--log-level ${level}: one of ${LEVELS.join(', ')}`);
  if (format !== 'text' && format !== 'json') throw new Error(`--log-format ${format}: text or json`);
  const max = LEVELS.indexOf(level);
  const log = (msg, lvl = 'info', fields = undefined) => {
    if (LEVELS.indexOf(lvl) <= max) line(msg, lvl, fields);
  };
  /** The startup lines (where it listens, what it accepts) are written at any level. */
  log.startup = (msg) => line(msg, 'info');
  return log;

  function line(msg, lvl, fields) {
    if (format === 'json') write(`${JSON.stringify({ time: new Date().toISOString(), level: lvl, msg: String(msg), ...fields })}\n`);
    else write(`kvsocket-proxy: ${lvl === 'info' ? '' : `${lvl}: `}${oneLine(msg)}\n`);
  }
}
