// Socket options (end(), the idle timeout, no-delay, keep-alive) in Chromium through
// kvsocket-proxy: the scenarios of tests/options/scenarios.js, the same ones
// tests/node/options.test.js runs on Node. The half-close travels as the proxy's end exchange.
import test from 'node:test';
import { scenarios } from '../options/scenarios.js';
import { runInChromium } from './scenarios.js';

test('Socket options in Chromium through kvsocket-proxy', { timeout: 120000 }, (t) => runInChromium(t, '/tests/options/scenarios.js', scenarios));
