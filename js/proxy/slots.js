// Connection slots: --max-connections counts tunnels, reverse-tunnel controls, UDP sockets,
// Wisp streams and incoming connections waiting to be claimed, all alike.

import { NO_METRICS } from './metrics.js';

export function createSlots(max, stats, metrics = NO_METRICS) {
  return {
    /**
     * A slot, or null when `max` are taken (the caller refuses). The slot gives itself back
     * once, however many times release() is called. `kind` (tcp, udp, listen, wisp) labels it
     * in the metrics.
     */
    tryTake(kind = 'tcp') {
      if (max > 0 && stats.active >= max) {
        metrics.capHit('max_connections');
        return null;
      }
      stats.active += 1;
      const done = metrics.stream(kind);
      let held = true;
      return {
        release() {
          if (!held) return;
          held = false;
          stats.active -= 1;
          done();
        },
      };
    },
  };
}
