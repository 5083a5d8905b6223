// Connection slots: --max-connections counts tunnels, reverse-tunnel controls, UDP sockets and
// incoming connections waiting to be claimed, all alike.

export function createSlots(max, stats) {
  return {
    full: () => max > 0 && stats.active >= max,
    /** A slot that gives itself back once, however many times release() is called. */
    take() {
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
