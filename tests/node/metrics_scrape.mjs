// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Scrapes GET /metrics from a Carmine port and parses it with a real Prometheus text-format
// parser (npm parse-prometheus-text-format). Prints the parsed families as JSON
// ({name: {type, metrics: [{labels, value}]}}) for the Python test to check; exits non-zero if
// the request fails or the text does not parse.
//
// usage: node metrics_scrape.mjs <port> [password]
import parse from 'parse-prometheus-text-format';

const [port, password] = process.argv.slice(2);
const headers = {};
if (password) headers.Authorization = 'Basic ' + Buffer.from(`default:${password}`).toString('base64');
const res = await fetch(`http://127.0.0.1:${port}/metrics`, { headers });
const body = await res.text();
if (res.status !== 200) {
  console.log(JSON.stringify({ status: res.status, body }));
  process.exit(0);
}
const families = parse(body);
const out = { status: res.status, contentType: res.headers.get('content-type'), families: {} };
for (const f of families) {
  out.families[f.name] = { type: f.type, help: f.help, metrics: f.metrics };
}
console.log(JSON.stringify(out));
