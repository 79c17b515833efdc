// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// node-redis (RESP3) against a running carmine-server: pub/sub delivered as RESP3 pushes on a
// connection that keeps serving commands, pattern and shard subscriptions, keyspace events,
// transactions with WATCH, and client-side caching (CLIENT TRACKING) with node-redis's own cache:
// a second read is served locally and a write from another client invalidates it.
//
// Usage: node resp3_clients.mjs <port>. Exits non-zero on the first failed check.
import assert from 'node:assert/strict';
import { createClient, BasicClientSideCache } from 'redis';

const port = Number(process.argv[2]);
const url = `redis://127.0.0.1:${port}`;

function waitFor(cond, what, ms = 5000) {
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = async () => {
      try {
        if (await cond()) return resolve();
      } catch (e) { /* retried until the deadline */ }
      if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 10);
    };
    tick();
  });
}

async function pubsub() {
  const sub = createClient({ url, RESP: 3 });
  const pub = createClient({ url });
  await sub.connect();
  await pub.connect();
  const got = [];
  await sub.subscribe('jobs', (msg, ch) => got.push([ch, msg]));
  await sub.pSubscribe('job*', (msg, ch) => got.push(['p:' + ch, msg]));
  await sub.sSubscribe('shard{1}', (msg, ch) => got.push(['s:' + ch, msg]));
  // RESP3: the subscribed connection still runs ordinary commands.
  assert.equal(await sub.set('k', 'v'), 'OK');
  assert.equal(await sub.get('k'), 'v');
  for (let i = 0; i < 100; i++) await pub.publish('jobs', String(i));
  assert.equal(await pub.sPublish('shard{1}', 'sm'), 1);
  await waitFor(() => got.length === 201, 'messages');
  const direct = got.filter(([ch]) => ch === 'jobs').map(([, m]) => Number(m));
  assert.deepEqual(direct, [...Array(100).keys()], 'per-publisher order');
  assert.deepEqual(got.find(([ch]) => ch.startsWith('s:')), ['s:shard{1}', 'sm']);
  assert.equal((await pub.pubSubNumSub('jobs')).jobs, 1);
  await sub.unsubscribe('jobs');
  await sub.pUnsubscribe();
  await sub.sUnsubscribe();
  assert.equal(await pub.pubSubNumPat(), 0);
  await sub.quit();
  await pub.quit();
}

async function keyspaceEvents() {
  const admin = createClient({ url });
  const sub = createClient({ url, RESP: 3 });
  await admin.connect();
  await sub.connect();
  await admin.configSet('notify-keyspace-events', 'Kgz');
  const events = [];
  await sub.pSubscribe('__keyspace@0__:ks:*', (msg, ch) => events.push([ch, msg]));
  await admin.zAdd('ks:z', [{ score: 1, value: 'a' }]);
  await admin.zRem('ks:z', 'a');
  await waitFor(() => events.length === 3, 'keyspace events');
  assert.deepEqual(events.map(([, m]) => m), ['zadd', 'zrem', 'del']);
  await admin.configSet('notify-keyspace-events', '');
  await sub.quit();
  await admin.quit();
}

async function transactions() {
  const a = createClient({ url, RESP: 3 });
  const b = createClient({ url });
  await a.connect();
  await b.connect();
  await a.set('tx:n', '1');
  const res = await a.multi().incr('tx:n').incr('tx:n').get('tx:n').exec();
  assert.deepEqual(res, [2, 3, '3']);
  await a.watch('tx:n');
  await b.set('tx:n', '100');
  await assert.rejects(a.multi().set('tx:n', 'lost').exec(), /watched keys has been changed/);
  assert.equal(await a.get('tx:n'), '100');
  await a.quit();
  await b.quit();
}

async function clientSideCaching() {
  const cache = new BasicClientSideCache({ ttl: 0, maxEntries: 0 });
  const cached = createClient({ url, RESP: 3, clientSideCache: cache });
  const writer = createClient({ url });
  await cached.connect();
  await writer.connect();
  await writer.set('csc:k', 'one');
  assert.equal(await cached.get('csc:k'), 'one');
  assert.equal(await cached.get('csc:k'), 'one');
  assert.ok(cache.stats().hitCount >= 1, 'second read served from the local cache');
  await writer.set('csc:k', 'two');
  // The server's invalidation push evicts the entry; the next read goes to the server.
  await waitFor(async () => (await cached.get('csc:k')) === 'two', 'invalidation');
  await cached.quit();
  await writer.quit();
}

try {
  await pubsub();
  await keyspaceEvents();
  await transactions();
  await clientSideCaching();
  console.log('node-redis RESP3 checks passed');
} catch (e) {
  console.error(e);
  process.exit(1);
}
