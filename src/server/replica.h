// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// ReplicaClient: the replica side of replication. After `replicaof <host> <port>` (config) or
// REPLICAOF at runtime it connects to the master from the first worker's loop and speaks the
// handshake as Redis 7.2 does (PING, AUTH with masterauth/masteruser, REPLCONF listening-port /
// ip-address / capa eof psync2, PSYNC with the history it has), then either
//   - receives the snapshot of a full resync (a "$<len>" bulk or an "$EOF:<mark>" stream) into a
//     temporary file (or memory, with repl-diskless-load), replaces its dataset with it and takes
//     over the master's replication id and offset, or
//   - continues from its offset (+CONTINUE), adopting the master's new id when it changed.
// Then the socket becomes the master client: a Connection on the same worker whose commands are
// applied without checks and whose replies are dropped. Each command's bytes are appended to this
// server's own stream unchanged, so replicas of this replica see the master's offsets.
//
// Threads: the state machine, the link and the master client live on worker 0's loop. REPLICAOF
// and INFO run anywhere: they change or read the settings under mu_ and post the rest.
#pragma once

#include <atomic>
#include <deque>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "base/status.h"
#include "net/link.h"
#include "protocol/reply_reader.h"

namespace carmine::rdb {
struct LoadStats;
}  // namespace carmine::rdb

namespace carmine {

class Server;

class ReplicaClient {
 public:
  // Shutdown, after the loops stopped: the link to the master goes before the loop it lives on.
  void CloseLink() { link_.reset(); }
  // Redis's repl_state, as ROLE names it.
  enum class State : int {
    kNone,        // a master
    kConnect,     // to connect (at the next cron)
    kConnecting,  // TCP connect in progress
    kHandshake,   // PING, AUTH, REPLCONF, PSYNC
    kTransfer,    // receiving the snapshot
    kConnected,   // streaming
  };

  explicit ReplicaClient(Server& s);
  ~ReplicaClient();
  ReplicaClient(const ReplicaClient&) = delete;
  ReplicaClient& operator=(const ReplicaClient&) = delete;

  // Becomes a replica of host:port (REPLICAOF, or the config at startup). `who` describes the
  // client that asked ("" at startup) for the log. Returns false (and changes nothing) when it
  // already replicates from that master.
  // `failover`: FAILOVER's switch, whose PSYNC asks the new master to take over.
  bool SetMaster(const std::string& host, int port, const std::string& who,
                 bool failover = false);
  // REPLICAOF NO ONE: a master again, continuing its history under a new replication id.
  // `reason` names the request in the log ("user request", "failover request", ...).
  void Unset(const std::string& who, const char* reason = "user request");

  bool active() const { return state_.load(std::memory_order_acquire) != State::kNone; }
  State state() const { return state_.load(std::memory_order_acquire); }
  static const char* StateName(State s);
  bool link_up() const { return state() == State::kConnected; }

  // What INFO replication and ROLE show about the master side of this replica.
  struct Report {
    std::string host;
    int port = 0;
    State state = State::kNone;
    int64_t last_io_ms = 0;       // last byte from the master (0: none yet)
    int64_t down_since_ms = 0;    // link down since (0: never up)
    int64_t transfer_size = -1;   // snapshot bytes expected (-1: EOF-marked, unknown)
    int64_t transfer_read = 0;    // snapshot bytes received so far
    int64_t transfer_last_io_ms = 0;
    bool has_history = false;     // a master or cached master exists (ROLE offset, PSYNC)
  };
  Report report() const;

  // Restarted from an RDB file that recorded its place in a replication stream: as a replica,
  // the next PSYNC asks to continue from there.
  void RestoreHistory(int stream_db);

  // Worker 0's cron: connects when due, times out a silent master, acknowledges each second.
  void Cron(int64_t now_ms);
  // The master client applied one command whose protocol bytes are `raw`; `db` is its selected
  // database afterwards (worker 0's thread).
  void Applied(std::string_view raw, int db, bool in_multi);
  // A command from the master replied `error` (FirstErrorText): logged as Redis logs it, with
  // the latest stream bytes, and fatal under propagation-error-behavior panic*.
  void ErrorToMaster(std::string_view error, std::string_view command);
  // The master client's connection ended (worker 0's thread).
  void MasterClosed(uint64_t client_id, int db);
  // Stream bytes the master client has read but not applied yet (slave_read_repl_offset).
  void set_unapplied(size_t n) { unapplied_.store(n, std::memory_order_relaxed); }
  size_t unapplied() const { return unapplied_.load(std::memory_order_relaxed); }
  // REPLCONF ACK <offset>, as the master client's reply to GETACK and once a second.
  std::string AckCommand() const;
  // The AOF's fsynced offset moved: the master hears it now rather than at the next second's
  // acknowledgement (WAITAOF waits for it). Any thread.
  void AckSoon();
  // The database the master's stream applies to next (RDB aux field repl-stream-db).
  int stream_db() const { return master_db_.load(std::memory_order_relaxed); }

 private:
  enum class Step { kPong, kAuth, kPort, kIp, kCapa, kPsync, kBulkHeader, kBulk };
  // The handshake replies still expected, in order (AUTH and the REPLCONFs are pipelined).

  // All of these run on worker 0's thread.
  void ExpireLocalKeys(int64_t now_ms);
  void Reset(bool reconnect);
  void Connect(int64_t now_ms);
  void OnConnected(const Status& s);
  void OnReadable();
  void OnClosed(const Status& s);
  // Handshake replies, one per call; false when the link was dropped.
  bool HandleReply(const RespValue& v);
  bool HandlePsyncReply(std::string_view line);
  // Snapshot bytes; false when the link was dropped.
  bool ReadBulkHeader();
  bool ReadBulk();
  void FinishTransfer();
  // The link becomes the master client, `leftover` its first input.
  void BecomeConnected(std::string_view leftover);
  void Fail(const std::string& why);
  void SendHandshake();
  std::string TempFile() const;

  Server& s_;
  mutable std::mutex mu_;  // host_, port_, status fields read by other threads
  std::string host_;
  int port_ = 0;
  std::atomic<State> state_{State::kNone};
  bool failover_ = false;  // the current master was set by FAILOVER (guarded by mu_)
  uint64_t gen_ = 0;  // bumped by SetMaster/Unset; posted work of an older setting is dropped

  // Worker 0's thread only.
  std::unique_ptr<net::Link> link_;
  ReplyReader reader_;
  Step step_ = Step::kPong;
  std::deque<Step> expect_;
  int64_t last_io_ms_ = 0;
  int64_t connect_start_ms_ = 0;
  int64_t last_ack_ms_ = 0;
  uint64_t master_client_id_ = 0;
  std::string full_replid_;
  uint64_t full_offset_ = 0;
  std::string eof_mark_;  // diskless: the 40 bytes that end the snapshot
  std::string tail_;      // the last bytes received, to find the mark
  int bulk_fd_ = -1;
  std::string bulk_tmp_;
  std::string bulk_mem_;  // the snapshot kept in memory (repl-diskless-load)
  bool bulk_in_memory_ = false;
  bool loading_from_socket_ = false;  // set the dataset's loading flag for a diskless load
  bool swapdb_ = false;  // repl-diskless-load swapdb: the image is loaded aside (LoadAside)
  carmine::Status LoadAside(rdb::LoadStats* stats);
  void EndSocketLoading();
  // Closes the link and drops a snapshot being received (its temporary file too).
  void DropTransfer();
  int64_t transfer_size_ = -1, transfer_read_ = 0;

  std::atomic<int64_t> last_io_ms_shared_{0};
  std::atomic<int64_t> down_since_ms_{0};
  std::atomic<int64_t> transfer_size_shared_{-1}, transfer_read_shared_{0};
  std::atomic<bool> has_history_{false};
  std::atomic<int> master_db_{0};
  std::atomic<size_t> unapplied_{0};
};

}  // namespace carmine
