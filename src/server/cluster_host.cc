// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// What cluster mode needs from the rest of the server: the bus runs on the first worker's loop,
// replication follows the node's role, and slots map to keyspace shards (one shard per slot in
// cluster mode, so a slot's keys are counted and listed without looking at any other key).
#include "server/cluster_host.h"

#include "base/clock.h"
#include "db/db.h"
#include "server/server.h"

namespace carmine {

EventLoop& ServerClusterHost::BusLoop() { return s_.worker(0).loop(); }

int ServerClusterHost::ClientPort() { return s_.server_opts().port.get(); }

int ServerClusterHost::TlsPort() { return s_.tls_opts().tls_port.get(); }

std::shared_ptr<net::TlsContext> ServerClusterHost::BusTls() {
  return s_.tls_opts().tls_cluster.get() ? s_.tls() : nullptr;
}

bool ServerClusterHost::TlsReplication() { return s_.tls_opts().tls_replication.get(); }

std::vector<std::string> ServerClusterHost::BindAddresses() {
  return s_.server_opts().bind_addresses();
}

void ServerClusterHost::ReplicateFrom(const std::string& ip, int port) {
  if (!started_.load()) {
    // At startup the replication state restored with the dataset decides how to resync.
    s_.repl_opts().set_master(ip, port);
    return;
  }
  s_.replica().SetMaster(ip, port, "");
}

void ServerClusterHost::BecomeMaster() { s_.replica().Unset("", "cluster failover"); }

int64_t ServerClusterHost::ReplOffset() {
  return static_cast<int64_t>(s_.repl_master().offset());
}

int64_t ServerClusterHost::MasterLinkDownMs() {
  if (!s_.replica().active()) return 0;
  ReplicaClient::Report r = s_.replica().report();
  if (r.state == ReplicaClient::State::kConnected || r.down_since_ms == 0) return 0;
  return clock::NowMs() - r.down_since_ms;
}

size_t ServerClusterHost::CountKeysInSlot(int slot) {
  DbSet& d = s_.dbs();
  ShardLocks l;
  if (d.locking()) {
    l.Add(d, 0, d.ShardOfSlot(static_cast<uint32_t>(slot)));
    l.Acquire();
  }
  return d.SlotKeyCount(0, static_cast<uint32_t>(slot));
}

std::vector<std::string> ServerClusterHost::KeysInSlot(int slot, size_t count) {
  DbSet& d = s_.dbs();
  ShardLocks l;
  if (d.locking()) {
    l.Add(d, 0, d.ShardOfSlot(static_cast<uint32_t>(slot)));
    l.Acquire();
  }
  std::vector<std::string> keys;
  if (count == 0) return keys;
  d.ForEachKeyInSlot(0, static_cast<uint32_t>(slot), [&](Entry* e) {
    keys.emplace_back(e->key());
    return keys.size() < count;
  });
  return keys;
}

void ServerClusterHost::DeleteKeysInSlot(int slot) {
  std::vector<std::string> keys = KeysInSlot(slot, SIZE_MAX);
  DbSet& d = s_.dbs();
  ShardLocks l;
  if (d.locking()) {
    l.Add(d, 0, d.ShardOfSlot(static_cast<uint32_t>(slot)));
    l.Acquire();
  }
  Db db(d, 0, clock::NowMs(), false);
  for (auto& k : keys) db.Delete(k);
  // The AOF and the replicas drop them too (UNLINK under lazyfree-lazy-server-del, as Redis).
  PropagationLog& log = s_.propagation();
  if (!log.active() || keys.empty()) return;
  const char* verb = d.lazy_server_del() ? "UNLINK" : "DEL";
  std::vector<std::pair<int, std::vector<std::string>>> dels;
  dels.reserve(keys.size());
  for (auto& k : keys) dels.push_back({0, {verb, std::move(k)}});
  log.AppendBatch(std::move(dels));
}

bool ServerClusterHost::KeyExists(std::string_view key) {
  DbSet& d = s_.dbs();
  ShardLocks l;
  if (d.locking()) {
    l.Add(d, 0, d.ShardOf(key));
    l.Acquire();
  }
  Db db(d, 0, clock::NowMs(), false);
  Entry* e = db.Peek(key);
  return e != nullptr && !db.IsExpired(e);
}

size_t ServerClusterHost::DbSize() { return s_.dbs().KeyCount(0); }

void ServerClusterHost::FlushAll() {
  DbSet& d = s_.dbs();
  ShardLocks l;
  if (d.locking()) {
    l.AddAll(d);
    l.Acquire();
  }
  for (int i = 0; i < d.num_dbs(); i++) Db(d, i, clock::NowMs(), false).Flush();
}

void ServerClusterHost::PublishLocal(const std::string& channel, const std::string& message,
                                     bool shard) {
  auto& ps = s_.dispatcher().pubsub();
  if (shard) {
    ps.PublishShard(channel, message);
  } else {
    ps.Publish(channel, message);
  }
}

void ServerClusterHost::PauseWrites(int64_t until_ms) {
  if (until_ms == 0) {
    s_.Unpause();
  } else {
    s_.Pause(until_ms, false);
  }
}

void ServerClusterHost::UnblockKeyWaiters(
    const std::function<std::string(const BlockedClient&, bool write)>& verdict) {
  s_.dispatcher().UnblockKeyWaiters(verdict);
}

}  // namespace carmine
