// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Streams as Node job frameworks use them: an events stream written with XADD MAXLEN ~ and read
// with XREAD BLOCK by another ioredis connection (BullMQ's QueueEvents), and a consumer group
// worked with node-redis's xReadGroup/xAck/xAutoClaim helpers (RESP3). Prints one JSON report.
// Usage: node stream_clients.mjs <port>
import Redis from "ioredis";
import { createClient } from "redis";

const port = Number(process.argv[2]);
const producer = new Redis({ host: "127.0.0.1", port });
const listener = new Redis({ host: "127.0.0.1", port });
await producer.del("bull:q:events", "jobs");

// The listener blocks first, from the current top ("$"), then the producer emits events.
const pending = listener.xread("BLOCK", 5000, "STREAMS", "bull:q:events", "$");
await new Promise((resolve) => setTimeout(resolve, 100));
for (let i = 0; i < 3; i++) {
  await producer.xadd("bull:q:events", "MAXLEN", "~", 10000, "*", "event", "completed",
    "jobId", String(i));
}
const got = await pending;
const firstEvent = got[0][1][0][1];
const history = await listener.xread("COUNT", 10, "STREAMS", "bull:q:events", "0");

const client = createClient({ socket: { host: "127.0.0.1", port }, RESP: 3 });
await client.connect();
await client.xGroupCreate("jobs", "workers", "0", { MKSTREAM: true });
for (let i = 0; i < 5; i++) await client.xAdd("jobs", "*", { n: String(i) });
const read = await client.xReadGroup("workers", "w1", { key: "jobs", id: ">" }, { COUNT: 3 });
// RESP3: a map of stream name -> [id, [field, value, ...]] entries.
const ids = read.jobs.map((m) => m[0]);
const acked = await client.xAck("jobs", "workers", ids.slice(0, 2));
await new Promise((resolve) => setTimeout(resolve, 20));
const claim = await client.xAutoClaim("jobs", "workers", "w2", 10, "0-0");
const info = await client.xInfoGroups("jobs");
console.log(JSON.stringify({
  firstEvent, events: history[0][1].length, readCount: ids.length, acked,
  claimed: claim.messages.length, pending: info[0].pending, lag: info[0].lag,
}));
await client.quit();
producer.disconnect();
listener.disconnect();
