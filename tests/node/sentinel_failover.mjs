// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// ioredis through Sentinel: writes in a loop to the master named "mymaster"; prints "ready"
// once writes flow, then waits for the caller to kill the master, and reports (as JSON) how long
// writes failed and where they went afterwards. Usage: node sentinel_failover.mjs <port>...
import Redis from "ioredis";

const ports = process.argv.slice(2).map(Number);
const client = new Redis({
  sentinels: ports.map((port) => ({ host: "127.0.0.1", port })),
  name: "mymaster",
  connectTimeout: 500,
  maxRetriesPerRequest: 1,
  retryStrategy: () => 50,
  sentinelRetryStrategy: () => 50,
});
client.on("error", () => {});

const start = Date.now();
let i = 0, ok = 0, failed = 0, firstFail = 0, resumed = 0, okAfter = 0, readySent = false;
while (Date.now() - start < 60000) {
  try {
    await client.set(`io${i}`, String(i));
    ok++;
    if (!readySent && ok >= 20) {
      console.log("ready");
      readySent = true;
    }
    if (firstFail && !resumed) resumed = Date.now();
    if (resumed && ++okAfter >= 50) break;
  } catch (e) {
    failed++;
    if (!firstFail) firstFail = Date.now();
    await new Promise((r) => setTimeout(r, 20));
  }
  i++;
}
const role = resumed ? await client.role() : null;
console.log(JSON.stringify({ ok, failed, outage_ms: resumed ? resumed - firstFail : -1,
                             port: client.options.port, role: role && role[0] }));
client.disconnect();
process.exit(resumed ? 0 : 1);
