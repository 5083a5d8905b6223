// Reverse tunnels: the page asks the proxy to listen (?listen=&iface=) on a control WebSocket;
// each incoming connection is announced there with a one-time token, and the page claims it on a
// WebSocket of its own (?claim=TOKEN), which then behaves exactly like a TCP tunnel.

import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { sendControl, sendError } from './control.js';
import { bindingOf, show } from './request.js';
import { HIGH, bridge } from './tunnel.js';
import { CLOSE, CODE, TYPE } from './tunnel-codes.js';

/** The two routes, sharing the connections that wait for a claim. */
export function reverseTunnels(env) {
  const waiting = new Map(); // token -> { sock, slot, timer, owner }
  // ip|port -> the listener bound there, so that a page that closes a listener and at once
  // listens on its port again does not lose to its own close still under way.
  const bound = new Map();

  function unclaim(token) {
    const w = waiting.get(token);
    if (!w) return null;
    waiting.delete(token);
    clearTimeout(w.timer);
    w.owner.delete(token);
    return w;
  }

  // Unclaimed and later given up on: the slot goes back and the peer sees its connection close.
  function drop(token) {
    const w = unclaim(token);
    if (!w) return;
    w.slot.release();
    w.sock.destroy();
  }

  function listen(ctx) {
    const { ip, port } = bindingOf(ctx.query);
    const refusal = env.policy.listen(ip, port);
    if (refusal) return ctx.refuseWith(refusal);
    ctx.accept((ws) => {
      const mine = new Set(); // tokens announced on this control socket and not yet claimed
      // pauseOnConnect: bytes that arrive before the claim wait in the kernel, not in our memory.
      const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true });
      let stopped = false;
      // Binding waits for a lookup even for an address, so the page may be gone before it is done.
      let key = null;
      const stop = () => {
        stopped = true;
        if (key && bound.get(key)?.server === server) bound.delete(key);
        server.close();
        for (const token of [...mine]) drop(token);
      };
      const forget = env.track(stop);

      let retried = false;
      server.on('error', (err) => {
        // Our own listener on that port whose page has already closed it: finish that close
        // now and bind once more.
        const previous = bound.get(`${ip}|${port}`);
        if (err.code === 'EADDRINUSE' && !retried && previous && previous.ws.readyState !== previous.ws.OPEN) {
          retried = true;
          previous.stop();
          previous.server.once('close', () => !stopped && server.listen({ host: ip, port, exclusive: true }));
          return;
        }
        sendError(ws, err.code ?? CODE.UNKNOWN, `listen on ${show(ip, port)}: ${err.message}`);
        ws.close(CLOSE.ERROR, String(err.code ?? 'error'));
      });
      // exclusive: in a cluster worker (workers.js) the listener is this process's own, not
      // one shared through the primary with every worker that listens on the same port.
      server.listen({ host: ip, port, exclusive: true }, () => {
        if (stopped) return server.close();
        const a = server.address();
        key = `${ip}|${a.port}`;
        bound.set(key, { ws, server, stop });
        sendControl(ws, { type: TYPE.LISTENING, ip: a.address, port: a.port });
      });
      server.on('connection', (sock) => {
        sock.on('error', () => {});
        // Each listener holds at most maxPending unclaimed connections, so one page cannot fill
        // the proxy's slots with connections it never takes.
        // Nor can peers fill a page's WebSocket with announcements it does not read: past HIGH
        // queued there, a connection is closed at once as when too many wait.
        const pendingFull = mine.size >= env.maxPending;
        const unread = ws.bufferedAmount > HIGH;
        const slot = pendingFull || unread ? null : env.slots.tryTake();
        if (!slot) {
          if (pendingFull) env.metrics.capHit('max_pending');
          const why = pendingFull ? `${env.maxPending} connections already wait to be claimed`
            : unread ? 'the page does not read its announcements' : 'too many connections';
          env.log(`dropped a connection from ${show(sock.remoteAddress, sock.remotePort)}: ${why}`);
          sock.destroy();
          return;
        }
        // The prefix says which instance and worker hold the listener (workers.js), so a claim
        // can be routed there: by the primary to its worker, by a load balancer to its instance.
        const token = `${env.claimPrefix ?? ''}${randomBytes(18).toString('base64url')}`;
        const timer = setTimeout(() => drop(token), env.claimTimeout);
        const onClose = () => drop(token);
        waiting.set(token, { sock, slot, timer, owner: mine, onClose });
        mine.add(token);
        sock.once('close', onClose);
        sendControl(ws, {
          type: TYPE.INCOMING,
          id: token,
          remoteIp: sock.remoteAddress,
          remotePort: sock.remotePort,
          localIp: sock.localAddress,
          localPort: sock.localPort,
          // A claim with the end exchange may pause the peer's reading (tunnel.js).
          pause: true,
        });
      });

      ws.on('message', () => ws.close(CLOSE.UNSUPPORTED_DATA, 'a listen socket takes no messages'));
      ws.on('error', () => {});
      ws.on('close', () => {
        forget();
        stop();
      });
    });
  }

  function claim(ctx) {
    const token = ctx.query.get('claim');
    const w = unclaim(token);
    if (!w) return ctx.refuse(404, 'Not Found', `nothing to claim as '${token}': unknown, expired or already claimed`);
    w.sock.off('close', w.onClose);
    ctx.slot = w.slot; // the waiting connection's slot becomes the tunnel's
    ctx.onAbort(() => w.sock.destroy());
    w.sock.once('close', env.track(() => w.sock.destroy()));
    env.metrics.target(w.sock);
    if (!ctx.accept((ws) => bridge(ws, w.sock, { counters: env.stats, idleTimeout: env.idleTimeout }))) w.sock.destroy();
  }

  return { listen, claim };
}
