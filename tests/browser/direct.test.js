// The Direct Sockets API in Chromium, in an ordinary page (no Isolated Web App): the scenarios of
// tests/direct/scenarios.js, the same ones tests/node/direct.test.js runs on Node, through
// kvsocket-proxy (TCP tunnels, reverse tunnels for TCPServerSocket, datagram mode for UDPSocket).
import test from 'node:test';
import { scenarios } from '../direct/scenarios.js';
import { runInChromium } from './scenarios.js';

test('Direct Sockets in Chromium through kvsocket-proxy', { timeout: 120000 }, (t) => runInChromium(t, '/tests/direct/scenarios.js', scenarios));
