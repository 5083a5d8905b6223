// Connection slots: --max-connections counts tunnels, reverse-tunnel controls, UDP sessions,
// Wisp streams and incoming connections waiting to be claimed, all alike. A slot also covers
// the name lookup made for it: a lookup cannot be cancelled (the resolver's thread goes on with
// it), so a slot given back while its lookup runs stays taken until the lookup settles, and the
// lookups in flight never outnumber the cap.

import { NO_METRICS } from './metrics.js';

export function createSlots(max, stats, metrics = NO_METRICS) {
  return {
    /**
     * A slot, or null when `max` are taken (the caller refuses). The slot gives itself back
     * once, however many times release() is called, and not before every promise passed to
     * holdUntil() has settled. `kind` (tcp, udp, listen, wisp) labels it in the metrics.
     */
    tryTake(kind = 'tcp') {
      if (max > 0 && stats.active >= max) {
        metrics.capHit('max_connections');
        return null;
      }
      stats.active += 1;
      const done = metrics.stream(kind);
      let held = true;
      let released = false;
      let pending = 0;
      const kept = [];
      const giveBack = () => {
        if (!held || !released || pending > 0) return;
        held = false;
        stats.active -= 1;
        done();
        for (const hold of kept) hold.release();
      };
      return {
        release() {
          released = true;
          giveBack();
        },
        /**
         * `hold` (anything with release(), such as the client's share from limits.js) is given
         * back with the slot, so that it too lasts until the slot's lookup settled.
         */
        keep(hold) {
          if (held) kept.push(hold);
          else hold.release();
        },
        /** Keeps the slot taken until `promise` settles, even once released. */
        holdUntil(promise) {
          pending += 1;
          const settled = () => {
            pending -= 1;
            giveBack();
          };
          promise.then(settled, settled);
        },
      };
    },
  };
}
