// Promises, iteration, once/off and AbortSignal on the browser Socket: the scenarios of
// tests/promises/scenarios.js, the same ones tests/node/promises.test.js runs on Node, in Chromium
// through kvsocket-proxy.
import test from 'node:test';
import { scenarios } from '../promises/scenarios.js';
import { runInChromium } from './scenarios.js';

test('Socket promises in Chromium through kvsocket-proxy', { timeout: 120000 }, (t) => runInChromium(t, '/tests/promises/scenarios.js', scenarios));
