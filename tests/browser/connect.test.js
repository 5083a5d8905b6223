// connect() (Cloudflare's sockets API) in Chromium, in an ordinary page: the scenarios of
// tests/direct/connect-scenarios.js, the same ones tests/node/cf-connect.test.js runs on Node,
// through kvsocket-proxy.
import test from 'node:test';
import { scenarios } from '../direct/connect-scenarios.js';
import { runInChromium } from './scenarios.js';

test('connect() in Chromium through kvsocket-proxy', { timeout: 60000 }, (t) => runInChromium(t, '/tests/direct/connect-scenarios.js', scenarios));
