// ?host=&port=: a TCP tunnel. The target is checked and resolved by the policy, then dialled at
// the checked addresses (never the name again). By default the upgrade waits for the connection,
// so open means connected and a failure is an HTTP answer; with `report=1` the WebSocket opens
// first and the outcome comes as a control message (docs/proxy-protocol.md), since a page
// cannot read the status of a refused upgrade.

import { sendControl, sendError } from './control.js';
import { Refusal } from './policy.js';
import { show, targetOf } from './request.js';
import { END_EXCHANGE, TARGET_HIGH, bridge, codedError, connectTcp } from './tunnel.js';
import { CLOSE, CODE, REASON, TYPE } from './tunnel-codes.js';

/** `?report=1`: the client wants the dial's outcome as a control message. */
export const wantsReport = (query) => query?.get('report') === '1';

/**
 * Dials the addresses in order until one answers, all before `deadline`. `ready` resolves with
 * the connected socket or rejects with the last error (ETIMEDOUT at the deadline, ECANCELED
 * after cancel()). `options` go to connectTcp (`bridged`: the socket is for bridge()).
 */
export function dialTcp(addresses, port, deadline, options = {}) {
  let current = null;
  let cancelled = false;
  const ready = (async () => {
    let last = null; // an Error (its stack trace) is made only when a dial fails: not per tunnel
    for (const { address } of addresses) {
      const left = deadline - Date.now();
      if (cancelled) throw codedError('ECANCELED', 'connect abandoned');
      if (left <= 0) break;
      const attempt = connectTcp(address, port, left, options);
      current = attempt.tcp;
      try {
        return await attempt.ready;
      } catch (err) {
        last = err;
        if (err.code === 'ECANCELED' || err.code === REASON.TIMED_OUT) break;
      }
    }
    throw cancelled ? codedError('ECANCELED', 'connect abandoned') : last ?? codedError(REASON.TIMED_OUT, `no answer from port ${port} in time`);
  })();
  return {
    ready,
    cancel() {
      cancelled = true;
      current?.destroy();
    },
  };
}

/**
 * Checks, resolves and connects: the connected socket, or a Refusal (403 denied, 502 with the
 * error code, 504 ETIMEDOUT). The one way every route dials a target. `signal` (an
 * AbortSignal) abandons the attempt: aborted while the name is looked up, nothing is dialled;
 * while dialling, the attempt is destroyed; either way the Refusal's code is ECANCELED.
 * `bridged` (default true): the socket is for bridge() (connectTcp); false gives a plain one.
 * `slot`: the connection slot this target is for, held until a lookup settles (policy.js).
 */
export async function openTarget(env, host, port, options = {}) {
  // Every outcome counted by kind and result, and the time of those that connect (metrics.js).
  const started = performance.now();
  try {
    const tcp = await dialTarget(env, host, port, options);
    env.metrics.opened(env.kind ?? 'tcp', null, (performance.now() - started) / 1000);
    return tcp;
  } catch (err) {
    env.metrics.opened(env.kind ?? 'tcp', err);
    throw err;
  }
}

async function dialTarget(env, host, port, { signal, bridged = true, slot }) {
  const deadline = Date.now() + env.connectTimeout;
  const checked = await env.policy.target(host, port, deadline, { slot });
  const where = show(checked.host, port);
  if (signal?.aborted) throw new Refusal(502, 'ECANCELED', `connect to ${where} abandoned`);
  const dial = dialTcp(checked.addresses, port, deadline, { bridged });
  signal?.addEventListener('abort', dial.cancel);
  const forget = env.track(dial.cancel);
  try {
    return await dial.ready;
  } catch (err) {
    const code = String(err.code ?? 'ECONNFAILED');
    throw new Refusal(code === REASON.TIMED_OUT ? 504 : 502, code, `connect to ${where} failed: ${err.message}`);
  } finally {
    // Once connected, an abort is the caller's to handle: it must not destroy the connection.
    signal?.removeEventListener('abort', dial.cancel);
    forget();
  }
}

function join(env, ws, tcp) {
  tcp.once('close', env.track(() => tcp.destroy()));
  env.metrics.target(tcp);
  bridge(ws, tcp, { counters: env.stats, idleTimeout: env.idleTimeout });
}

/** The TCP route. */
export async function tcpRoute(ctx, env) {
  const { host, port } = targetOf(ctx.query);
  if (wantsReport(ctx.query)) return reportedTunnel(ctx, env, host, port);
  const tcp = await openTarget(env, host, port, { signal: ctx.signal, slot: ctx.slot }); // a Refusal is the upgrade's answer
  if (ctx.aborted) return tcp.destroy();
  if (!ctx.accept((ws) => join(env, ws, tcp))) tcp.destroy();
}

// report=1: open, dial, then {"type":"connected",…} and the tunnel, or {"type":"error",code}
// and close 1011 with the code as reason. What the client sends before `connected` waits: up to
// TARGET_HIGH bytes here, then in the kernel (the WebSocket's socket is paused).
function reportedTunnel(ctx, env, host, port) {
  ctx.accept((ws) => {
    const early = [];
    let earlyBytes = 0;
    let held = false;
    const hold = (data, isBinary) => {
      early.push([data, isBinary]);
      earlyBytes += data.length;
      if (earlyBytes > TARGET_HIGH && !held) {
        held = true;
        ws.pause();
      }
    };
    const gone = new AbortController(); // the client left before the outcome: dial nothing more
    ws.on('message', hold);
    ws.on('error', () => {});
    ws.once('close', () => gone.abort());
    openTarget(env, host, port, { signal: gone.signal, slot: ctx.slot }).then(
      (tcp) => {
        if (ws.readyState !== ws.OPEN) return tcp.destroy();
        sendControl(ws, {
          type: TYPE.CONNECTED,
          remoteIp: tcp.remoteAddress,
          remotePort: tcp.remotePort,
          localIp: tcp.localAddress,
          localPort: tcp.localPort,
          // With the end exchange the page may pause the target's reading (tunnel.js).
          ...(ws[END_EXCHANGE] ? { pause: true } : {}),
        });
        ws.off('message', hold);
        join(env, ws, tcp);
        for (const [data, isBinary] of early.splice(0)) ws.emit('message', data, isBinary);
        // Our pause kept the tunnel's own from being set: resume once the target has room.
        if (held && tcp.writableLength > TARGET_HIGH) tcp.once('drain', () => ws.resume());
        else if (held) ws.resume();
      },
      (err) => {
        const r = err instanceof Refusal ? err : new Refusal(500, CODE.UNKNOWN, String(err?.message ?? err));
        env.log(`refused ${ctx.from} ${show(host, port)} (reported): ${r.code} ${r.message}`);
        env.stats.refused += 1;
        sendError(ws, r.code, r.message);
        if (ws.readyState === ws.OPEN) ws.close(CLOSE.ERROR, r.code);
      },
    ).catch(env.internal); // the handlers run later, maybe after the WebSocket closed: nothing may escape
  });
}
