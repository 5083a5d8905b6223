// Reads Prometheus text (what /metrics serves) into {name, labels, value} samples, checking
// each line's syntax as it goes, so a test asserts on what a scraper would get.

import http from 'node:http';

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?(?:[0-9.e+-]+|NaN|\+Inf|-Inf))$/i;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Prometheus text -> {samples, types: {name: type}, help: {name: text}}; throws on a bad line. */
export function parseMetrics(text) {
  const samples = [];
  const types = {};
  const help = {};
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let m = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (m) {
      (m[1] === 'TYPE' ? types : help)[m[2]] = m[3];
      continue;
    }
    m = SAMPLE.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${JSON.stringify(line)}`);
    const labels = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(LABEL)) labels[k] = v;
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return { samples, types, help };
}

/** The value of one sample (labels must all match), or undefined. */
export function valueOf(parsed, name, labels = {}) {
  const s = parsed.samples.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v));
  return s?.value;
}

/** GET url -> {status, type, body}. */
export function get(url, headers = {}) {
  return new Promise((resolve, reject) => {
    http.get(url, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, type: res.headers['content-type'], body }));
    }).on('error', reject);
  });
}

/** Scrapes and parses `url`. */
export async function scrape(url) {
  const r = await get(url);
  if (r.status !== 200) throw new Error(`${url}: ${r.status} ${r.body}`);
  return parseMetrics(r.body);
}
