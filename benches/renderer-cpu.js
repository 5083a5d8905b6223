// What the browser benches measure of Chromium's cost: the CPU time of its processes, the
// renderers' (the page's) above all.
import { readFileSync, readdirSync } from 'node:fs';

// CPU milliseconds used so far by Chromium's renderer processes (the page's: where kvsocket's
// work happens; the network service and the browser process carry the same WebSocket traffic
// for both sides), from /proc: Playwright starts Chromium as a child of this process.
export function rendererCpuMs() {
  return chromiumCpuMs('--type=renderer');
}

// The same for the processes of this process's descendants whose command line holds `match`
// (e.g. 'NetworkService': the network service, which frames and masks the WebSocket's bytes).
export function chromiumCpuMs(match) {
  const stats = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const f = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ');
      stats.push({ pid: Number(entry), ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) });
    } catch {
      /* gone */
    }
  }
  const ours = new Set([process.pid]);
  let ticks = 0;
  // Parents before children is not guaranteed: repeat until no new descendant turns up.
  for (let grew = true; grew;) {
    grew = false;
    for (const p of stats) {
      if (ours.has(p.pid) || !ours.has(p.ppid)) continue;
      ours.add(p.pid);
      grew = true;
      try {
        if (readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').includes(match)) ticks += p.ticks;
      } catch {
        /* gone */
      }
    }
  }
  return ticks * 10; // USER_HZ is 100 on Linux
}
