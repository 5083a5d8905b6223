// How much a Wisp client may make kvsocket-proxy hold for its targets (docs/proxy-protocol.md,
// Wisp): bytes, bounded per stream and per WebSocket, while the protocol's credit (CONTINUE)
// counts packets of any size up to the largest message the proxy takes.
//
// Per stream the rule is one invariant, kept by every grant:
//
//     queued + owed × packet ≤ bound
//
// `queued`: the stream's bytes the proxy holds (DATA waiting for the stream to open, or given to
// the target's socket and not yet handed to the system); `owed`: the packets the client may still
// send, the sum of every credit granted less the packets received; `packet`: the largest DATA
// payload (--max-frame less the 5-byte header). A packet within the credit moves at most `packet`
// bytes from `owed` to `queued`, so the sum never grows; a packet beyond it (owed = 0) is the only
// thing that closes a stream (0x41). A client that keeps to its credit, whatever its packet sizes,
// never reaches that, and the proxy never holds more than `bound` bytes for the stream.
//
// `owed` is a bound, not the client's count: a CONTINUE sets the client's credit (the protocol's
// rule), so what it had left when one arrives is lost to it but still counted here (the proxy
// cannot tell when a CONTINUE arrived, nor what the client sent before). What is lost so stays
// counted, and could starve the stream: credit is therefore granted only when at least half the
// window can be given, which is only while `owed` is at most half of it. What a client has lost
// is then at most what it was owed at the last grant, at most half the window; a client that
// used its credit and waits is owed at most that, and once the target has taken the stream's
// bytes it gets at least half the window again. A client is never left without credit for good.
//
// Per WebSocket, what all its streams hold is bounded by not reading it (`wsBudget`): past the
// limit the WebSocket is paused (as a tunnel is), so the client's next packets wait in the
// kernel, until its streams' targets have taken half of it.

import { HEADER_LEN } from './wisp-packet.js';

/**
 * The credit of every stream of an endpoint: `packet` (the largest payload), `window` (the packets
 * `streamBuffer` holds of those, at least 2), `initial` (half the window: the credit of a stream
 * before its first CONTINUE, the CONTINUE on stream 0), `bound` (window × packet: what the
 * proxy holds for a stream at most).
 */
export function creditPlan({ maxFrame, streamBuffer }) {
  const packet = Math.max(1, maxFrame - HEADER_LEN);
  const window = Math.max(2, Math.floor(streamBuffer / packet));
  return { packet, window, initial: Math.floor(window / 2), bound: window * packet };
}

/**
 * What one WebSocket's streams hold for their targets, together: `add(n)` / `sub(n)`. Above
 * `limit` bytes the WebSocket is held (`reading`, a pauser shared with its UDP streams) until
 * they fall to half of it. Every endpoint's bytes are counted in stats.wispQueued, and the most
 * ever at once in stats.wispQueuedPeak.
 */
export function wsBudget(limit, reading, stats) {
  let total = 0;
  let holding = false;
  return {
    add(n) {
      total += n;
      stats.wispQueued += n;
      if (stats.wispQueued > stats.wispQueuedPeak) stats.wispQueuedPeak = stats.wispQueued;
      if (total > limit && !holding) {
        holding = true;
        reading.hold();
      }
    },
    sub(n) {
      total -= n;
      stats.wispQueued -= n;
      if (holding && total <= limit / 2) {
        holding = false;
        reading.release();
      }
    },
  };
}

/**
 * One stream's credit under `plan`, its bytes also counted in `budget` (wsBudget). `take(size)`
 * for each DATA packet: false when the client had no credit left for it (nothing is counted
 * then). `done(size)` once those bytes left the proxy (handed to the system, or dropped).
 * `grant(always)`: the credit to send in a CONTINUE now, counted as owed, or null when less than
 * half the window can be given (with `always`, whatever can be, even 0: the v2 open
 * confirmation, which must be sent).
 */
export function streamCredit(plan, budget) {
  let owed = plan.initial;
  let queued = 0;
  return {
    take(size) {
      if (owed === 0) return false;
      owed -= 1;
      queued += size;
      budget.add(size);
      return true;
    },
    done(size) {
      queued -= size;
      budget.sub(size);
    },
    grant(always = false) {
      const credit = Math.max(0, Math.floor((plan.bound - queued) / plan.packet) - owed);
      if (!always && credit < plan.window - plan.initial) return null;
      owed += credit;
      return credit;
    },
  };
}
