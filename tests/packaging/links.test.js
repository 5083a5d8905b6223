// The package stands alone: every link in the README and the docs, and every mention of a .md
// file in what `npm pack` ships, resolves to a file inside the packed package; nothing points
// to a place outside it (such as the ../shared notes the project was written from); and the
// file list holds what package.json's entries need.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packedFiles, root } from './pack.js';

const files = packedFiles();
const packed = new Set(files);
const TEXT = /\.(md|js|cjs|mjs|ts|cts|html|wit|json|css)$/;

/** `target` (a path written in `from`) resolved inside the package, or null when it leaves it. */
function resolveIn(from, target) {
  const p = path.posix.normalize(path.posix.join(path.posix.dirname(from), target));
  return p.startsWith('../') || path.posix.isAbsolute(p) ? null : p;
}

// Markdown links: [text](target "title") and reference definitions [id]: target.
function markdownLinks(text) {
  const links = [];
  for (const m of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) links.push(m[1]);
  for (const m of text.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)) links.push(m[1]);
  return links;
}

test('the packed file list holds the README, the docs and every entry package.json names', () => {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  for (const f of ['package.json', 'README.md', 'docs/spec.md', 'docs/design.md']) {
    assert.ok(packed.has(f), `${f} is not in the packed package`);
  }
  const targets = [];
  const walk = (v) => {
    if (typeof v === 'string') targets.push(v);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(pkg.exports);
  walk(pkg.bin);
  walk(pkg.types);
  walk(pkg.main);
  for (const t of targets) {
    assert.ok(packed.has(path.posix.normalize(t)), `package.json names ${t}, which is not packed`);
  }
});

test('every markdown link in the README and docs resolves to a packed file', () => {
  const docs = files.filter((f) => f.endsWith('.md'));
  assert.ok(docs.length >= 3, `only ${docs.length} markdown files packed`);
  const bad = [];
  for (const f of docs) {
    for (const link of markdownLinks(readFileSync(path.join(root, f), 'utf8'))) {
      if (link.startsWith('#')) continue; // a heading of the same page
      if (/^[a-z][a-z0-9+.-]*:/i.test(link)) {
        bad.push(`${f}: ${link} leaves the package`);
        continue;
      }
      const target = resolveIn(f, decodeURI(link.replace(/#.*$/, '')));
      if (target === null || !(packed.has(target) || files.some((p) => p.startsWith(`${target.replace(/\/$/, '')}/`)))) {
        bad.push(`${f}: ${link}`);
      }
    }
  }
  assert.deepEqual(bad, [], 'links that do not resolve inside the packed package');
});

test('no packed file points outside the package, and every .md it names is packed', () => {
  const bad = [];
  for (const f of files.filter((p) => TEXT.test(p))) {
    const text = readFileSync(path.join(root, f), 'utf8');
    if (text.includes('../shared')) bad.push(`${f}: mentions ../shared`);
    // A file name ending in .md, as a link, in backquotes or in a comment: it must be one of the
    // package's, written from the file's folder or from the package root.
    for (const m of text.matchAll(/(?<![\w/.-])((?:\.{1,2}\/)*[\w-]+(?:\/[\w.-]+)*\.md)\b/g)) {
      const name = m[1];
      const candidates = [resolveIn(f, name), resolveIn('x', name)].filter(Boolean);
      if (!candidates.some((c) => packed.has(c))) bad.push(`${f}: ${name}`);
    }
  }
  assert.deepEqual(bad, [], 'mentions of files the package does not hold');
});
