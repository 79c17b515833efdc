// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// ioredis scripting flows: defineCommand (EVALSHA, falling back to EVAL on NOSCRIPT), a
// rate limiter run from many concurrent promises, and a function called with FCALL. Prints one
// JSON report. Usage: node lua_clients.mjs <port>
import Redis from "ioredis";

const client = new Redis({ host: "127.0.0.1", port: Number(process.argv[2]) });
client.defineCommand("incrCapped", {
  numberOfKeys: 1,
  lua: `local v = redis.call('incr', KEYS[1])
        if v > tonumber(ARGV[1]) then redis.call('set', KEYS[1], ARGV[1]) return tonumber(ARGV[1]) end
        return v`,
});
client.defineCommand("rateLimit", {
  numberOfKeys: 1,
  lua: `local n = redis.call('incr', KEYS[1])
        if n == 1 then redis.call('pexpire', KEYS[1], ARGV[1]) end
        if n > tonumber(ARGV[2]) then return 0 end
        return 1`,
});
await client.script("flush");
await client.del("capped", "rl");
const capped = [];
for (let i = 0; i < 5; i++) capped.push(await client.incrCapped("capped", 3));
const allowed = (await Promise.all(
  Array.from({ length: 200 }, () => client.rateLimit("rl", 60000, 50)))).reduce((a, b) => a + b, 0);
await client.function("LOAD", "REPLACE",
  "#!lua name=jslib\nredis.register_function('greet', function(keys, args) return 'hi ' .. args[1] end)");
const greeting = await client.fcall("greet", 0, "io");
console.log(JSON.stringify({ capped, allowed, greeting }));
await client.quit();
