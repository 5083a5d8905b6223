// Connection slots: --max-connections counts tunnels, reverse-tunnel controls, UDP sockets,
// Wisp streams and incoming connections waiting to be claimed, all alike.

export function createSlots(max, stats) {
  return {
    /**
     * A slot, or null when `max` are taken (the caller refuses). The slot gives itself back
     * once, however many times release() is called.
     */
    tryTake() {
      if (max > 0 && stats.active >= max) return null;
      stats.active += 1;
      let held = true;
      return {
        release() {
          if (!held) return;
          held = false;
          stats.active -= 1;
        },
      };
    },
  };
}
