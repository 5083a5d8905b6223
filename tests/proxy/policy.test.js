// Where a client may go, checked where the decision is made (policy.js), before any socket:
// every spelling of an address, every special address class, and what names resolve to, with
// a resolver of the test's own. Nothing here opens a socket, so addresses outside loopback are
// safe to name.

import test from 'node:test';
import assert from 'node:assert/strict';
import { canonicalHost, classify } from '../../js/proxy/address.js';
import { Refusal, createPolicy } from '../../js/proxy/policy.js';

/** A resolver answering from a table, counting its calls. */
function resolver(table) {
  const lookup = async (name) => {
    lookup.calls.push(name);
    if (!(name in table)) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
    return table[name].map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  lookup.calls = [];
  return lookup;
}

/** The Refusal a target check throws, or null when it passes. */
async function refusal(policy, host, port = 80) {
  try {
    await policy.target(host, port);
    return null;
  } catch (err) {
    if (!(err instanceof Refusal)) throw err;
    return err;
  }
}

const LOOPBACK_SPELLINGS = [
  '127.0.0.1', '0x7f000001', '2130706433', '127.1', '0177.0.0.1', '127.000.000.001', '127.0.0.1.',
  '0x7f.1', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', '[::ffff:7f00:1]', '127.255.255.254',
];
const UNSPECIFIED_SPELLINGS = ['0', '0.0.0.0', '0x0', '::', '[::]', '::ffff:0.0.0.0', '0.0.0.1'];

test('every spelling of a loopback or unspecified address is one canonical address of its class', () => {
  for (const h of LOOPBACK_SPELLINGS) assert.equal(classify(canonicalHost(h).ip), 'loopback', h);
  for (const h of UNSPECIFIED_SPELLINGS) assert.equal(classify(canonicalHost(h).ip), 'unspecified', h);
  assert.deepEqual(canonicalHost('0x7f000001'), { ip: '127.0.0.1' });
  assert.deepEqual(canonicalHost('::ffff:127.0.0.1'), { ip: '127.0.0.1' }, 'IPv4-mapped IPv6 is dialled as IPv4');
  assert.deepEqual(canonicalHost('LocalHost.'), { name: 'localhost' });
  for (const bad of ['1.2.3.4.5', '1.256.0.0.0', '08.0.0.1', '0x100000000', 'a..b', 'fe80::1%eth0', '[1.2.3.4]', '']) {
    assert.throws(() => canonicalHost(bad), undefined, bad);
  }
});

test('address classes, IPv4-mapped, NAT64 and 6to4 forms included', () => {
  const classes = {
    '10.1.2.3': 'private', '172.16.0.1': 'private', '172.31.255.255': 'private', '192.168.1.1': 'private',
    '100.64.0.1': 'private', 'fd00::1': 'private', 'fc00::1': 'private', '169.254.169.254': 'link-local',
    'fe80::1': 'link-local', '224.0.0.1': 'multicast', 'ff02::1': 'multicast', '255.255.255.255': 'broadcast',
    '240.0.0.1': 'reserved', '::7f00:1': 'reserved', '64:ff9b::a00:1': 'private', '64:ff9b::7f00:1': 'loopback',
    '2002:a9fe:a9fe::1': 'link-local', '::ffff:10.0.0.1': 'private',
    '8.8.8.8': 'public', '172.32.0.1': 'public', '100.128.0.1': 'public', '2606:4700::1111': 'public', '64:ff9b::808:808': 'public',
  };
  for (const [ip, cls] of Object.entries(classes)) assert.equal(classify(canonicalHost(ip).ip), cls, ip);
});

test("with only '*:*', no special address passes, in any spelling; public ones do", async () => {
  const policy = createPolicy({ allow: ['*:*'], lookup: resolver({}) });
  for (const host of [...LOOPBACK_SPELLINGS, ...UNSPECIFIED_SPELLINGS, '10.0.0.1', '192.168.0.1', '172.20.0.1', '100.100.0.1',
    '169.254.169.254', 'fe80::1', 'fd12::1', 'ff02::1', '224.0.0.251', '255.255.255.255', '240.0.0.1',
    '::ffff:169.254.169.254', '64:ff9b::a9fe:a9fe']) {
    const r = await refusal(policy, host);
    assert.equal(r?.status, 403, host);
    assert.equal(r.code, 'TargetDenied');
    assert.match(r.message, /target denied: .* \((loopback|unspecified|private|link-local|multicast|broadcast|reserved) address\)/);
  }
  assert.equal(await refusal(policy, '93.184.215.14'), null);
  assert.equal(await refusal(policy, '2606:4700::1111'), null);
});

test('--allow-loopback and --allow-private open their class to wildcard rules, and nothing else', async () => {
  const loop = createPolicy({ allow: ['*:*'], allowLoopback: true });
  assert.equal(await refusal(loop, '127.1'), null);
  assert.equal(await refusal(loop, '::1'), null);
  assert.equal((await refusal(loop, '10.0.0.1'))?.status, 403);
  assert.equal((await refusal(loop, '0.0.0.0'))?.status, 403, 'unspecified is not loopback');
  const priv = createPolicy({ allow: ['*:*'], allowPrivate: true });
  assert.equal(await refusal(priv, '10.0.0.1'), null);
  assert.equal(await refusal(priv, 'fd00::1'), null);
  assert.equal(await refusal(priv, '100.64.1.1'), null);
  assert.equal((await refusal(priv, '169.254.169.254'))?.status, 403, 'link-local is not private');
  assert.equal((await refusal(priv, '127.0.0.1'))?.status, 403);
});

test('an IP or CIDR rule inside a class names it; a wider block does not', async () => {
  const policy = createPolicy({
    allow: ['127.0.0.1:7000', '10.0.0.0/8:*', '0.0.0.0/0:80', '[::]/0:80', '169.254.169.254:80', '172.16.0.0/11:443', '0x7f000002:9'],
  });
  assert.equal(await refusal(policy, '127.0.0.1', 7000), null);
  assert.equal(await refusal(policy, '2130706433', 7000), null, 'the rule names the address, whatever its spelling');
  assert.equal((await refusal(policy, '127.0.0.1', 7001))?.status, 403);
  assert.equal(await refusal(policy, '127.0.0.2', 9), null, 'rules may spell an address loosely too');
  assert.equal(await refusal(policy, '10.9.9.9', 1), null);
  assert.equal(await refusal(policy, '169.254.169.254', 80), null);
  assert.equal(await refusal(policy, '8.8.8.8', 80), null);
  assert.equal((await refusal(policy, '192.168.1.1', 80))?.status, 403, '0.0.0.0/0 is a wildcard, it names no class');
  assert.equal((await refusal(policy, '127.0.0.1', 80))?.status, 403);
  assert.equal((await refusal(policy, '::1', 80))?.status, 403);
  assert.equal(await refusal(policy, '172.0.0.1', 443), null, '172.16.0.0/11 (172.0-31) is wider than 172.16.0.0/12');
  assert.equal((await refusal(policy, '172.16.0.1', 443))?.status, 403, '…so it does not name the private part');
});

test('a name is resolved by the proxy, and every address it resolves to is checked', async () => {
  const lookup = resolver({
    'inside.example': ['10.0.0.5'],
    'meta.example': ['169.254.169.254'],
    'mixed.example': ['127.0.0.1', '93.184.215.14', '10.0.0.5', '2606:4700::1'],
    'public.example': ['93.184.215.14'],
    'mapped.example': ['::ffff:127.0.0.1'],
  });
  const policy = createPolicy({ allow: ['*:*'], lookup });
  for (const name of ['inside.example', 'meta.example', 'mapped.example']) {
    const r = await refusal(policy, name);
    assert.equal(r?.status, 403, name);
    assert.match(r.message, new RegExp(`${name}:80 resolves to .*\\((private|link-local|loopback)\\)`));
  }
  const mixed = await policy.target('Mixed.Example.', 80);
  assert.equal(mixed.host, 'mixed.example');
  assert.deepEqual(mixed.addresses.map((a) => a.address), ['93.184.215.14', '2606:4700::1'], 'only the checked addresses, in order');
  assert.deepEqual((await policy.target('public.example', 443)).addresses, [{ address: '93.184.215.14', family: 4 }]);
  assert.equal(lookup.calls.filter((n) => n === 'public.example').length, 1, 'one lookup per check');

  // A name rule does not open what the name resolves to either.
  const named = createPolicy({ allow: ['inside.example:80'], lookup });
  assert.equal((await refusal(named, 'inside.example'))?.status, 403);
  const opened = createPolicy({ allow: ['inside.example:80', '10.0.0.5:80'], lookup });
  assert.equal(await refusal(opened, 'inside.example'), null, 'an address rule names the resolved address');
  assert.equal(await refusal(createPolicy({ allow: ['inside.example:80'], allowPrivate: true, lookup }), 'inside.example'), null);
});

test('a denied name is never looked up; lookup failures and timeouts are refusals with their code', async () => {
  const lookup = resolver({});
  const policy = createPolicy({ allow: ['allowed.example:*'], lookup });
  assert.equal((await refusal(policy, 'denied.example'))?.status, 403);
  assert.deepEqual(lookup.calls, []);
  const missing = await refusal(policy, 'allowed.example');
  assert.deepEqual([missing.status, missing.code], [502, 'ENOTFOUND']);
  const empty = await refusal(createPolicy({ allow: ['*:*'], lookup: async () => [] }), 'x.example');
  assert.deepEqual([empty.status, empty.code], [502, 'ENOTFOUND']);
  const hanging = createPolicy({ allow: ['*:*'], lookup: () => new Promise(() => {}) });
  const t0 = Date.now();
  const late = await hanging.target('slow.example', 80, Date.now() + 100).catch((err) => err);
  assert.deepEqual([late.status, late.code], [504, 'ETIMEDOUT']);
  assert.ok(Date.now() - t0 < 2000);
  const bad = await refusal(policy, '1.2.3.4.5');
  assert.deepEqual([bad.status, bad.code], [400, 'BadRequest']);
});

test('listen interfaces: the same classes, and 0.0.0.0 / :: only where a rule names them', () => {
  const wide = createPolicy({ allowListen: ['*:*'] });
  for (const ip of ['127.0.0.1', '::1', '0.0.0.0', '::', '10.0.0.1', '169.254.1.1']) assert.equal(wide.listen(ip, 9000)?.status, 403, ip);
  assert.equal(wide.listen('198.51.100.7', 9000), null);
  const loop = createPolicy({ allowListen: ['*:*'], allowLoopback: true });
  assert.equal(loop.listen('127.0.0.1', 0), null);
  assert.equal(loop.listen('0.0.0.0', 0)?.status, 403);
  const named = createPolicy({ allowListen: ['0.0.0.0:9000', '127.0.0.1:*'] });
  assert.equal(named.listen('0.0.0.0', 9000), null);
  assert.equal(named.listen('0.0.0.0', 9001)?.status, 403);
  assert.equal(named.listen('127.0.0.1', 0), null);
  assert.equal(named.listen('::ffff:127.0.0.1', 5), null);
});
