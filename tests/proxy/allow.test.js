// Allow rules, on their own: what each form matches and how bad rules are reported.

import test from 'node:test';
import assert from 'node:assert/strict';
import { findRule, normalizeHost, parseListenRule, parseTargetRule } from '../../js/proxy/allow.js';

const allows = (rules, host, port) => findRule(rules.map(parseTargetRule), normalizeHost(host), port)?.rule;

test('host:port, host:* and port ranges', () => {
  const rules = ['127.0.0.1:7000', 'irc.example:*', 'chat.example:6660-6669'];
  assert.equal(allows(rules, '127.0.0.1', 7000), '127.0.0.1:7000');
  assert.equal(allows(rules, '127.0.0.1', 7001), undefined);
  assert.equal(allows(rules, 'IRC.Example.', 6697), 'irc.example:*', 'names compare case-insensitively, without the root dot');
  assert.equal(allows(rules, 'chat.example', 6669), 'chat.example:6660-6669');
  assert.equal(allows(rules, 'chat.example', 6670), undefined);
  assert.equal(allows(rules, 'other.example', 6697), undefined);
});

test('CIDR blocks and IPv6, for IP literals only', () => {
  const rules = ['127.0.0.0/8:*', '[::1]:7000', '[fd00::]/8:22', '10.1.2.3/32:80'];
  assert.ok(allows(rules, '127.200.0.1', 1));
  assert.ok(allows(rules, '::ffff:127.0.0.1', 1), 'IPv4-mapped IPv6 is the IPv4 address');
  assert.ok(allows(rules, '::1', 7000));
  assert.ok(allows(rules, '[::1]', 7000));
  assert.ok(allows(rules, '0:0:0:0:0:0:0:1', 7000));
  assert.equal(allows(rules, '::1', 7001), undefined);
  assert.ok(allows(rules, 'fd12:3456::1', 22));
  assert.equal(allows(rules, 'fe80::1', 22), undefined);
  assert.ok(allows(rules, '10.1.2.3', 80));
  assert.equal(allows(rules, '10.1.2.4', 80), undefined);
  assert.equal(allows(rules, 'localhost', 7000), undefined, 'an address rule never allows a name');
  assert.equal(allows(['localhost:*'], '127.0.0.1', 7000), undefined, 'a name rule never allows an address');
});

test('* matches any host', () => {
  assert.ok(allows(['*:443'], 'anything.example', 443));
  assert.ok(allows(['*:443'], '192.0.2.1', 443));
  assert.equal(allows(['*:443'], '192.0.2.1', 80), undefined);
});

test('bad rules are refused with a message naming them', () => {
  const bad = {
    'irc.example': /not HOST:PORT/,
    'irc.example:0': /not a port/,
    'irc.example:70000': /not a port/,
    'irc.example:9-1': /not a port/,
    '10.0.0.0/33:*': /prefix length/,
    'name.example/8:*': /CIDR block needs an IP/,
    'bad name:1': /not a host name/,
  };
  for (const [rule, message] of Object.entries(bad)) {
    assert.throws(() => parseTargetRule(rule), (err) => message.test(err.message) && err.message.includes(`'${rule}'`), rule);
  }
});

test('listen rules take an interface address, a block or *, and may allow port 0', () => {
  const r = parseListenRule('127.0.0.1:9000-9100');
  assert.deepEqual([r.lo, r.hi], [9000, 9100]);
  assert.equal(parseListenRule('127.0.0.1:*').lo, 0);
  assert.ok(parseListenRule('[::1]:*').block);
  assert.ok(parseListenRule('*:5000').any);
  assert.throws(() => parseListenRule('localhost:9000'), /--allow-listen rule 'localhost:9000'.*IP address/);
});
