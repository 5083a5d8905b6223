// A page that runs the npm `mqtt` client (its browser build), unmodified, over kvsocket/net:
// window.run(proxy, port) makes a QoS 1 round trip through mosquitto (tests/clients/page-clients.test.js).
import './globals.js';
import mqtt from 'mqtt';
import net from 'net';

window.run = async (proxy, port) => {
  net.setDefaultProxy(proxy);
  const client = new mqtt.MqttClient(() => net.createConnection(port, '127.0.0.1'), { clientId: 'kvsocket-page', protocolVersion: 4, reconnectPeriod: 0, keepalive: 30 });
  try {
    const errored = new Promise((_, reject) => client.once('error', reject));
    const connack = await Promise.race([new Promise((resolve) => client.once('connect', resolve)), errored]);
    const granted = await client.subscribeAsync('kvsocket/+/temp', { qos: 1 });
    const received = new Promise((resolve) => client.once('message', (topic, payload, packet) => resolve({ topic, text: new TextDecoder().decode(payload), qos: packet.qos })));
    const acks = [];
    client.on('packetreceive', (packet) => { if (packet.cmd === 'puback') acks.push(packet.messageId); });
    const sent = await client.publishAsync('kvsocket/kitchen/temp', 'ÿ€ 21.5', { qos: 1 });
    return { returnCode: connack.returnCode, granted: granted.map((g) => g.qos), acked: acks.length === 1 && acks[0] === sent.messageId, got: await received };
  } finally {
    await client.endAsync();
  }
};
