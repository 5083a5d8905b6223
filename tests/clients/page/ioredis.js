// A page that runs the npm `ioredis` client, unmodified: its require('net') is kvsocket/net by
// the bundler's alias. window.run(proxy, port): SET/GET, a pipeline, pub/sub between two
// clients (tests/clients/page-clients.test.js).
import './globals.js';
import Redis from 'ioredis';
import net from 'net';

window.run = async (proxy, port) => {
  net.setDefaultProxy(proxy);
  const options = { host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false };
  const redis = new Redis(options);
  const sub = new Redis(options);
  try {
    await Promise.all([redis.connect(), sub.connect()]);
    const out = {};
    await redis.set('kv:page', 'ÿ€ page');
    out.get = await redis.get('kv:page');
    const pipe = redis.pipeline();
    for (let i = 0; i < 500; i++) pipe.incr('kv:n');
    out.pipeline = (await pipe.exec()).at(-1);
    await sub.subscribe('kv:chan');
    const message = new Promise((resolve) => sub.once('message', (channel, text) => resolve([channel, text])));
    out.receivers = await redis.publish('kv:chan', 'hello from a page');
    out.message = await message;
    return out;
  } finally {
    redis.disconnect();
    sub.disconnect();
  }
};
