// Every socket's next deadline (its connect timeout, its idle ticks) in one binary min-heap, with
// one platform timer armed for the earliest. A timer per socket cost a timer object and its
// list bookkeeping on every connect, and memory for each socket waiting (docs/performance.md).
// The engine decides what a deadline means; this only calls `fire(item)` once it has passed.
//
// Order: deadlines fire earliest first, and in the order they were set when equal (the engine's
// clock counts whole milliseconds, so equal deadlines are common in a burst of connects). When
// several are due at one wake-up, the first fires at once and each of the others in a task of
// its own (`setTimeout(…, 0)`), as separate timers did: the microtasks one socket's handlers
// queue run before the next socket hears of its deadline.

// setTimeout's largest delay; larger ones fire at once (Node and browsers alike).
const MAX_DELAY = 2 ** 31 - 1;

/**
 * `now()`: the clock deadlines are on (ms); `fire(item)`: a deadline of `item` passed;
 * `setSlot(item, slot)`: where `item` sits now (-1: not waiting), for `remove(slot)`.
 */
export function createDeadlines(now, fire, setSlot) {
  // The heap, as three arrays: the item, its deadline, and the order it was set in.
  const items = [];
  const ats = [];
  const seqs = [];
  let seq = 0;
  let timer = null;
  let timerAt = Infinity;

  // Puts (item, at, sq) into the hole at `i` and moves it up or down to its place.
  function place(i, item, at, sq) {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (ats[p] < at || (ats[p] === at && seqs[p] < sq)) break;
      move(p, i);
      i = p;
    }
    const n = items.length;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && (ats[c + 1] < ats[c] || (ats[c + 1] === ats[c] && seqs[c + 1] < seqs[c]))) c++;
      if (at < ats[c] || (at === ats[c] && sq < seqs[c])) break;
      move(c, i);
      i = c;
    }
    items[i] = item;
    ats[i] = at;
    seqs[i] = sq;
    setSlot(item, i);
  }

  function move(from, to) {
    const item = items[from];
    items[to] = item;
    ats[to] = ats[from];
    seqs[to] = seqs[from];
    setSlot(item, to);
  }

  function removeAt(slot) {
    setSlot(items[slot], -1);
    const item = items.pop();
    const at = ats.pop();
    const sq = seqs.pop();
    if (slot < items.length) place(slot, item, at, sq);
  }

  // The timer is armed for the earliest deadline or earlier (a removed earliest leaves it
  // early: it wakes, finds nothing due and re-arms), and never armed for an empty heap, which
  // would keep a Node process alive.
  function arm() {
    if (items.length === 0) {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      timerAt = Infinity;
      return;
    }
    const at = ats[0];
    if (timer !== null && timerAt <= at) return;
    if (timer !== null) clearTimeout(timer);
    timerAt = at;
    timer = setTimeout(wake, Math.min(MAX_DELAY, Math.max(0, at - now()))); // a longer wait re-arms
  }

  function wake() {
    timer = null;
    timerAt = Infinity;
    const t = now();
    let first;
    let firstDue = false;
    while (items.length > 0 && ats[0] <= t) {
      const item = items[0];
      removeAt(0);
      if (!firstDue) {
        first = item;
        firstDue = true;
      } else {
        setTimeout(fire, 0, item);
      }
    }
    arm();
    if (firstDue) fire(first);
  }

  return {
    /** Waits for `at` on behalf of `item` (which is not waiting now). */
    add(item, at) {
      items.push(item);
      ats.push(at);
      seqs.push(seq++);
      place(items.length - 1, item, at, seq - 1);
      if (at < timerAt) arm();
    },
    /** Stops the wait of the item at `slot`. */
    remove(slot) {
      removeAt(slot);
      if (items.length === 0) arm();
    },
  };
}
