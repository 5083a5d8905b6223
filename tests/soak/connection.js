// One soak connection and the event promises it must keep, shared by tests/soak/node.js and the
// page of tests/soak/browser.js (plain JS, no Node import: the page imports it too).

const CHUNK = 64 << 10;

/**
 * Runs one connection on `sock` (a kvsocket Socket, not yet connected): connects to
 * 127.0.0.1:`port`, writes `header` then `data` in chunks (following drain), and hands every
 * byte it reads to `onBytes`. An 'echo' connection closes once all of `data` came back. With
 * `destroyAfterMs`, it is destroyed that long after it connected. Resolves with what the script
 * saw, 50 ms after destroy() (so that anything arriving after the end or after destroy() counts).
 */
export function soakConnection(sock, { kind, port, header, data, destroyAfterMs, onBytes }) {
  return new Promise((resolve) => {
    const seen = { kind, events: 0, counts: {}, afterEnd: [], afterDestroy: 0, received: 0, problems: [] };
    let ended = false;
    let destroyed = false;
    const destroy = () => {
      sock.destroy();
      destroyed = true;
      setTimeout(() => resolve(seen), 50);
    };
    const finish = () => setTimeout(destroy, 50);
    const count = (type) => {
      seen.events++;
      seen.counts[type] = (seen.counts[type] ?? 0) + 1;
      if (destroyed) seen.afterDestroy++;
      else if (ended) seen.afterEnd.push(type);
    };
    let at = 0;
    const pump = () => {
      while (at < data.length && sock.status() === 3) {
        const end = Math.min(data.length, at + CHUNK);
        sock.write(data.subarray(at, end));
        at = end;
        if (sock.bufferedAmount() > (1 << 20)) return; // drainEvent resumes
      }
    };
    sock.connectedEvent = () => {
      count('connected');
      sock.write(header);
      pump();
      if (destroyAfterMs !== undefined) {
        setTimeout(() => {
          seen.bufferedAtDestroy = sock.bufferedAmount();
          seen.statusAtDestroy = sock.status(true);
          destroy();
        }, destroyAfterMs);
      }
    };
    sock.drainEvent = () => {
      count('drain');
      if (sock.status() !== 3) seen.problems.push(`drain while ${sock.status(true)}`);
      pump();
    };
    sock.dataAvailableEvent = () => {
      count('dataAvailable');
      const bytes = sock.readBytes();
      onBytes(bytes);
      seen.received += bytes.length;
      if (kind === 'echo' && seen.received === data.length) sock.close();
    };
    sock.errorEvent = (code) => { count('error'); seen.error = code; };
    // A failed attempt ends with connectFailed, error, stateChanged(Unconnected) (docs/spec.md).
    sock.connectFailedEvent = () => count('connectFailed');
    sock.stateChangedEvent = (name) => {
      count('stateChanged');
      if (name === 'Unconnected' && seen.counts.connectFailed && !ended) {
        ended = true;
        finish();
      }
    };
    sock.disconnectEvent = (error) => {
      count('disconnected');
      seen.disconnectError = error;
      ended = true;
      finish();
    };
    if (!sock.connect('127.0.0.1', port)) seen.problems.push(`connect returned false: ${sock.lastError()}`);
  });
}

/**
 * docs/spec.md's event guarantees, for what soakConnection saw: nothing after destroy(), nothing
 * after the end, `ends` ends (disconnectEvent or connectFailedEvent: one per attempt), no drain
 * once it ended. Each broken one goes to `fail(text)`.
 */
export function checkEvents(s, fail, ends = 1) {
  for (const p of s.problems) fail(`${s.kind}: ${p}`);
  if (s.afterDestroy) fail(`${s.kind}: ${s.afterDestroy} events after destroy()`);
  if (s.afterEnd.length) fail(`${s.kind}: events after the end: ${s.afterEnd.join(', ')}`);
  const seenEnds = (s.counts.disconnected ?? 0) + (s.counts.connectFailed ?? 0);
  if (seenEnds !== ends) fail(`${s.kind}: ${seenEnds} disconnect/connectFailed events, not ${ends} (${JSON.stringify(s.counts)})`);
}

/** The summary's lines about events per echo connection and bytes lost. */
export function summary(echo, bytesLost) {
  const per = echo.map((s) => s.events);
  return [
    `  events per echo connection: min ${Math.min(...per)}, mean ${(per.reduce((a, b) => a + b, 0) / per.length).toFixed(1)}, max ${Math.max(...per)}`,
    `  bytes lost: ${bytesLost}`,
  ].join('\n');
}

/** A size for the summary: MiB from 1 MiB up, KiB below. */
export const MiB = (n) => (n >= 1048576 ? `${(n / 1048576).toFixed(0)} MiB` : `${(n / 1024).toFixed(0)} KiB`);
