// The npm `ioredis` client, unmodified, over kvsocket/net against a real redis-server on
// 127.0.0.1, through its documented `Connector` option (a connector whose stream is
// kvsocket/net's createConnection): a pipeline, MULTI, a 2 MiB value, pub/sub between two clients.
import test from 'node:test';
import assert from 'node:assert/strict';
import { Redis, AbstractConnector } from 'ioredis';
import net from 'kvsocket/net';
import { REDIS, missing, startRedis } from './servers.js';

/** ioredis's Connector over kvsocket/net (what docs/net.md shows). */
class KvsocketConnector extends AbstractConnector {
  constructor(options) {
    super(options.disconnectTimeout);
    this.options = options;
  }

  connect() {
    this.connecting = true;
    const { port, host, family } = this.options;
    this.stream = net.createConnection({ port, host, family });
    return Promise.resolve(this.stream);
  }
}

const client = (port) => new Redis({ port, host: '127.0.0.1', Connector: KvsocketConnector, maxRetriesPerRequest: 1, retryStrategy: () => null });

test('ioredis over kvsocket/net: pipeline, MULTI, a 2 MiB value, pub/sub', { skip: !REDIS && missing('redis-server', 'redis-server'), timeout: 30000 }, async (t) => {
  const server = await startRedis();
  t.after(() => server.close());
  const redis = client(server.port);
  const sub = client(server.port);
  t.after(() => { redis.disconnect(); sub.disconnect(); });
  assert.equal(await redis.ping(), 'PONG');
  assert.ok(redis.stream instanceof net.Socket, 'ioredis talks through kvsocket/net');

  const pipeline = redis.pipeline();
  for (let i = 0; i < 1000; i++) pipeline.set(`key:${i}`, `value ${i}`);
  for (let i = 0; i < 1000; i++) pipeline.get(`key:${i}`);
  pipeline.incrby('counter', 5).incrby('counter', 7);
  const results = await pipeline.exec();
  assert.equal(results.length, 2002);
  assert.ok(results.every(([err]) => err === null));
  assert.deepEqual(results.slice(1000, 1003).map(([, v]) => v), ['value 0', 'value 1', 'value 2']);
  assert.equal(results[1999][1], 'value 999');
  assert.deepEqual(results.slice(2000).map(([, v]) => v), [5, 12]);

  const multi = await redis.multi().set('m', 'x').append('m', 'yz').get('m').exec();
  assert.deepEqual(multi, [[null, 'OK'], [null, 3], [null, 'xyz']]);

  const big = Buffer.alloc(2 * 1024 * 1024);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7 + (i >> 10)) & 0xff;
  await redis.set('big', big);
  assert.ok((await redis.getBuffer('big')).equals(big), 'the 2 MiB value comes back whole');

  const heard = [];
  const three = new Promise((resolve) => sub.on('message', (channel, message) => {
    heard.push([channel, message]);
    if (heard.length === 3) resolve();
  }));
  assert.equal(await sub.subscribe('news', 'sport'), 2);
  assert.equal(await redis.publish('news', 'one'), 1, 'one subscriber heard it');
  assert.equal(await redis.publish('weather', 'nobody'), 0);
  await redis.publish('sport', 'two');
  await redis.publish('news', 'three');
  await three;
  assert.deepEqual(heard, [['news', 'one'], ['sport', 'two'], ['news', 'three']]);

  const stream = redis.stream;
  const closed = new Promise((resolve) => stream.once('close', resolve));
  assert.equal(await redis.quit(), 'OK');
  assert.equal(await closed, false);
});
