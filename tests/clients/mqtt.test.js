// The npm `mqtt` client, unmodified, over kvsocket/net against a real mosquitto on 127.0.0.1,
// through `new MqttClient(streamBuilder, options)`: CONNECT, SUBSCRIBE and a QoS 1 PUBLISH that
// comes back to the subscriber (PUBACK from the broker), then a clean DISCONNECT.
import test from 'node:test';
import assert from 'node:assert/strict';
import { MqttClient } from 'mqtt';
import net from 'kvsocket/net';
import { MOSQUITTO, missing, startMosquitto } from './servers.js';

test('mqtt over kvsocket/net: QoS 1 round trip through mosquitto', { skip: !MOSQUITTO && missing('mosquitto', 'mosquitto'), timeout: 20000 }, async (t) => {
  const server = await startMosquitto();
  t.after(() => server.close());
  const streams = [];
  const client = new MqttClient(() => {
    const s = net.createConnection(server.port, '127.0.0.1');
    streams.push(s);
    return s;
  }, { clientId: 'kvsocket-test', protocolVersion: 4, reconnectPeriod: 0, keepalive: 30 });
  t.after(() => client.end(true));
  client.on('error', (err) => assert.fail(`mqtt error: ${err.message}`));

  const connack = await new Promise((resolve) => client.once('connect', resolve));
  assert.equal(connack.returnCode, 0);
  assert.ok(streams[0] instanceof net.Socket, 'mqtt talks through kvsocket/net');

  const granted = await client.subscribeAsync('kvsocket/+/temp', { qos: 1 });
  assert.deepEqual(granted.map((g) => [g.topic, g.qos]), [['kvsocket/+/temp', 1]]);

  const received = new Promise((resolve) => client.once('message', (topic, payload, packet) => resolve({ topic, payload, packet })));
  const payload = Buffer.from(JSON.stringify({ celsius: 21.5, note: 'ÿ€' }));
  const acks = [];
  client.on('packetreceive', (packet) => { if (packet.cmd === 'puback') acks.push(packet.messageId); });
  // Resolves once the broker's PUBACK for this message id came back.
  const sent = await client.publishAsync('kvsocket/kitchen/temp', payload, { qos: 1 });
  assert.equal(sent.qos, 1);
  assert.deepEqual(acks, [sent.messageId], 'the broker acknowledged the QoS 1 publish');
  const got = await received;
  assert.equal(got.topic, 'kvsocket/kitchen/temp');
  assert.equal(got.packet.qos, 1);
  assert.ok(got.payload.equals(payload));

  const closed = new Promise((resolve) => streams[0].once('close', resolve));
  await client.endAsync();
  assert.equal(await closed, false);
});
