// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// ReplicationMaster: what a master knows about replication, independent of sockets. Its identity
// (replication id, the previous id and the offset up to which that one is valid, as PSYNC2 needs
// them), the stream every write goes into (Feed, the propagation log's consumer: SELECT when the
// database changes, then the command, appended to the backlog), the decision between a partial
// and a full resync, and the replicas attached with their state, offsets and acknowledgements.
// The server owns the connections and the RDB child; it tells this object what happens to them
// and gives it a Waker that makes a replica's worker thread send what the backlog gained.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "replication/backlog.h"

namespace carmine {

// One attached replica. The owner worker thread (where its connection lives) sends it data;
// acknowledgements arrive on that same thread; INFO and WAIT read the atomics from anywhere.
struct ReplicaLink {
  enum class State : int {
    kHandshake,   // REPLCONF seen, no SYNC/PSYNC yet: not a replica
    kWaitBgsave,  // waiting for the RDB child that will produce its snapshot
    kSendBulk,    // being sent the snapshot
    kOnline,      // being sent the stream
  };
  uint64_t client_id = 0;
  int worker = -1;
  std::string ip;
  std::atomic<int> listening_port{0};
  bool capa_eof = false, capa_psync2 = false;
  bool old_sync = false;  // came with SYNC (no offsets, no acknowledgements)
  // REPLCONF rdb-filter-only: what the snapshot leaves out (tools such as redis-cli
  // --functions-rdb); such a replica gets a diskless snapshot of its own, never a partial resync.
  enum RdbFilter : int { kExcludeData = 1, kExcludeFunctions = 2 };
  int rdb_filter = 0;
  std::atomic<State> state{State::kHandshake};
  // The snapshot this replica waits for has been started (its offset is known).
  std::atomic<bool> snapshot_started{false};
  // Where the stream starts for this replica once its snapshot is sent (the offset the snapshot
  // was taken at).
  std::atomic<uint64_t> snapshot_offset{0};
  std::atomic<uint64_t> ack_offset{0};
  // The offset up to which its AOF is fsynced (REPLCONF ACK ... FACK, WAITAOF).
  std::atomic<uint64_t> aof_ack_offset{0};
  std::atomic<int64_t> ack_ms{0};      // when the last REPLCONF ACK arrived
  std::atomic<bool> wake_pending{false};
  std::atomic<uint64_t> sent_offset{0};  // the stream sent so far (owner thread writes)
  int64_t soft_limit_since_ms = 0;       // over the soft output limit since (cron only)
  int64_t wait_since_ms = 0;             // when it asked for a full resync
  // Its connection's output buffer (capacity), kept by the owner thread: replica buffers are
  // not counted for eviction, as in Redis.
  std::atomic<size_t> out_bytes{0};

  static const char* StateName(State s) {
    switch (s) {
      case State::kHandshake: return "handshake";
      case State::kWaitBgsave: return "wait_bgsave";
      case State::kSendBulk: return "send_bulk";
      case State::kOnline: return "online";
    }
    return "online";
  }
};

class ReplicationMaster {
 public:
  using Waker = std::function<void(int worker, uint64_t client_id)>;

  explicit ReplicationMaster(uint64_t backlog_size);

  void set_waker(Waker w) { waker_ = std::move(w); }

  // Identity. A new id (40 hex characters) is drawn at startup and whenever the history this
  // server's stream continues changes (a replica promoted, a full resync from a new master).
  std::string replid() const;
  std::string replid2() const;
  // second_repl_offset: up to which offset replid2 is valid (-1 when there is none).
  int64_t second_offset() const;
  // Keeps the current history valid under the old id up to the current offset, and starts a
  // new id (what a promoted replica does, so its replicas continue with a partial resync).
  void ShiftReplid();

  // A replica took over its master's history (after loading the master's snapshot): the id is
  // the master's, there is no previous one, and the stream continues after `offset`.
  void AdoptHistory(const std::string& replid, uint64_t offset);
  // A partial resync was accepted by a master whose id differs from the one asked for (it was
  // promoted meanwhile): the history so far stays valid under the old id, the stream continues
  // under `replid`.
  void ContinueAs(const std::string& replid);

  // While this server is a replica, its stream is its master's, byte for byte (FeedRaw): the
  // commands it executes are not encoded again (Feed does nothing), so offsets match the
  // master's along a chain of replicas.
  void set_proxying(bool v) { proxying_.store(v, std::memory_order_release); }
  bool proxying() const { return proxying_.load(std::memory_order_acquire); }
  // The next command fed carries a SELECT (a promoted replica starts its own stream).
  void ForgetSelectedDb();
  // The database the stream's next command applies to without a SELECT (-1: unknown), as the
  // RDB aux field repl-stream-db records it.
  int selected_db() const;

  // master_repl_offset.
  uint64_t offset() const;
  bool backlog_active() const { return backlog_active_.load(std::memory_order_acquire); }
  ReplBacklog& backlog() { return backlog_; }
  const ReplBacklog& backlog() const { return backlog_; }
  // Starts keeping the stream (the first replica): from now on every write is appended.
  void ActivateBacklog();
  // Stops keeping it (repl-backlog-ttl passed with no replica): the memory is freed and the
  // history can no longer be continued, so a new id is drawn and the previous one dropped.
  void DeactivateBacklog();
  // With no backlog the offset still moves, by one for each command the AOF takes, because
  // WAITAOF counts in offsets (Redis does the same). The AOF's consumer calls it.
  void CountUnstreamedWrite();

  // The propagation log's consumer: one executed command of database `db` (-1: no database,
  // e.g. MULTI/EXEC or PING). Appends SELECT first when the stream's database changes, then
  // wakes the replicas being streamed to.
  void Feed(int db, const std::vector<std::string>& args);
  // Raw bytes into the stream (a replica passing its master's stream on).
  void FeedRaw(std::string_view bytes);
  // The stream offset after the last Feed made on the calling thread since the previous call,
  // 0 when none: the connection layer records it as its client's write offset (WAIT).
  static uint64_t TakeThreadFedOffset();

  // The point a snapshot is taken at (called with every shard lock held, right before fork):
  // the stream's next command carries a SELECT, since the replica starts with no database
  // selected, and the returned offset is where the replica's stream begins.
  uint64_t SnapshotPoint();

  // PSYNC <replid> <offset>: whether the replica can continue from `offset` (the next byte it
  // wants) with a partial resync, as Redis decides: the id is ours (or our previous one and the
  // offset lies within the history it names) and the backlog still holds that offset.
  bool CanContinue(std::string_view replid, uint64_t offset) const;

  // Replicas.
  // Lists a replica (its connection made it with the handshake's details).
  void Adopt(std::shared_ptr<ReplicaLink> link);
  void Detach(uint64_t client_id);
  std::shared_ptr<ReplicaLink> Find(uint64_t client_id) const;
  std::vector<std::shared_ptr<ReplicaLink>> Replicas() const;
  size_t num_replicas() const;
  // Replicas online whose last acknowledgement is at most `max_lag` seconds old
  // (min-replicas-to-write).
  int GoodReplicas(int64_t now_ms, int64_t max_lag) const;
  // What the replicas' connections buffer, summed (out_bytes).
  size_t ReplicaOutputBytes() const;
  // Replicas whose acknowledged offset reached `offset` (WAIT).
  int AckedAtLeast(uint64_t offset) const;
  // Replicas whose AOF is fsynced up to `offset` (WAITAOF).
  int AofAckedAtLeast(uint64_t offset) const;
  // Asks the owner threads of streaming replicas to send what the backlog gained.
  void WakeAll();

 private:
  void AppendLocked(std::string_view bytes);

  mutable std::mutex mu_;  // identity, selected db, replica list
  std::string replid_, replid2_;
  int64_t second_offset_ = -1;
  int sel_db_ = -1;
  std::string scratch_;
  std::atomic<bool> backlog_active_{false};
  std::atomic<bool> proxying_{false};
  ReplBacklog backlog_;
  std::vector<std::shared_ptr<ReplicaLink>> replicas_;
  Waker waker_;
};

// A random replication id: 40 lowercase hex characters.
std::string NewReplid();

}  // namespace carmine
