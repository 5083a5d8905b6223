// Type-checked as CommonJS: require('kvsocket') is typed by pkg/kvsocket.d.cts.
import kvsocket = require('kvsocket');

const s: kvsocket.Socket = new kvsocket.Socket({ connectTimeout: 1000 });
s.on('dataAvailable', (e) => e.detail.length);
const Default: typeof kvsocket.Socket = kvsocket.default;
void Default;

// The Node entry's additions are typed for require() too (the node:stream Duplex).
const d: kvsocket.SocketDuplex = kvsocket.toDuplex(s, { readableHighWaterMark: 1024 });
const back: kvsocket.Socket = s.toDuplex().socket;
void d;
void back;
