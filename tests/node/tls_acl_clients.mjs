// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// ioredis and node-redis over TLS (client certificate, CA check) logging in as an ACL user:
// allowed commands work, a key outside the user's patterns gets NOPERM, and ACL WHOAMI names
// the user. Prints one JSON report.
// Usage: node tls_acl_clients.mjs <tls port> <cert dir>
import fs from "fs";
import path from "path";
import Redis from "ioredis";
import { createClient } from "redis";

const port = Number(process.argv[2]);
const dir = process.argv[3];
const tls = {
  ca: fs.readFileSync(path.join(dir, "ca.crt")),
  cert: fs.readFileSync(path.join(dir, "client.crt")),
  key: fs.readFileSync(path.join(dir, "client.key")),
  checkServerIdentity: () => undefined,
};
const report = {};

const io = new Redis({ host: "127.0.0.1", port, username: "app", password: "s3cret", tls });
report.ioredisWhoami = await io.call("ACL", "WHOAMI");
await io.set("app:1", "v");
report.ioredisGet = await io.get("app:1");
try {
  await io.get("other");
  report.ioredisDenied = "no error";
} catch (e) {
  report.ioredisDenied = e.message;
}
io.disconnect();

const nr = createClient({
  socket: { host: "127.0.0.1", port, tls: true, ...tls },
  username: "app",
  password: "s3cret",
  RESP: 3,
});
await nr.connect();
report.nodeRedisWhoami = await nr.sendCommand(["ACL", "WHOAMI"]);
report.nodeRedisGet = await nr.get("app:1");
await nr.quit();
console.log(JSON.stringify(report));
