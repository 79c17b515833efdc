// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// ioredis' Cluster client against a cluster: discovers the slots from one node, writes 2000 keys
// spread over every master, reads them back, and prints the counts as JSON.
// Usage: node cluster_clients.mjs <port>
import Redis from "ioredis";

const port = Number(process.argv[2]);
const cluster = new Redis.Cluster([{ host: "127.0.0.1", port }], { scaleReads: "master" });
let written = 0, read = 0;
for (let i = 0; i < 2000; i++) {
  if ((await cluster.set(`io:${i}`, String(i))) === "OK") written++;
}
for (let i = 0; i < 2000; i++) {
  if ((await cluster.get(`io:${i}`)) === String(i)) read++;
}
const nodes = cluster.nodes("master").length;
console.log(JSON.stringify({ written, read, masters: nodes }));
await cluster.quit();
