// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Session: the per-connection state commands may read and change (selected db, protocol, auth,
// name, reply mode). The connection in server/ owns it; commands see only this. Fields that other
// threads read for CLIENT LIST / CLIENT KILL are atomics or guarded by info_mu.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "base/counter.h"

namespace carmine {

struct CommandSpec;
struct BlockedClient;
struct Subscriber;
struct WatchState;
struct ClientTracking;
// Defined by the ACL module (acl/user.h); commands only carry them.
class AclUserRef;
class AclUser;

// Commands queued between MULTI and EXEC.
struct MultiState {
  struct Queued {
    const CommandSpec* spec;
    std::vector<std::string> args;
  };
  std::vector<Queued> queue;
  bool aborted = false;  // a queue-time error: EXEC answers EXECABORT
};

// Client names and library names/versions (CLIENT SETNAME, HELLO SETNAME, CLIENT SETINFO) may only
// hold printable ASCII without spaces, as Redis requires.
inline bool IsValidClientName(std::string_view name) {
  for (char c : name) {
    if (c < '!' || c > '~') return false;
  }
  return true;
}


struct Session {
  uint64_t id = 0;
  std::atomic<int> db{0};
  // Written only by the owner thread; atomics because CLIENT LIST on other threads reads them.
  std::atomic<int> resp{2};
  bool authenticated = true;
  // Cluster mode: READONLY (reads served by a replica of the slot's master), and ASKING (the
  // next command may touch a slot this node is importing; cleared after that command).
  bool cluster_readonly = false, cluster_asking = false;
  // ACL: the user this connection is authenticated as (null: an internal client that may run
  // everything), and the owner thread's copy of its rules with the version it was taken at.
  std::shared_ptr<AclUserRef> acl_user;
  mutable std::shared_ptr<const AclUser> acl_view;
  mutable uint64_t acl_version = 0;
  // CLIENT REPLY: OFF drops replies until ON; SKIP drops the next command's reply (skip_next
  // becomes skip_this when that command starts). Pushes (pub/sub messages and subscription
  // confirmations, invalidations) are always delivered. Owner thread only.
  bool reply_off = false, skip_next = false, skip_this = false;
  // The running command's reply is pushes only ((P|S)(UN)SUBSCRIBE): CLIENT REPLY does not drop it.
  bool reply_is_push = false;
  // The command passed its checks and runs: pushes it causes wait for its reply. Pushes caused by
  // the checks (keys evicted to make room for it) go out before the reply, as in Redis.
  bool running = false;
  std::atomic<bool> no_evict{false};
  std::atomic<bool> no_touch{false};
  // Set by QUIT / protocol errors: flush pending replies, then close.
  bool close_after_reply = false;
  // Set by RESET and HELLO so the connection layer can refresh its parser limits.
  bool is_unix = false;
  bool tls = false;  // connected on tls-port (cluster replies name nodes' TLS ports)
  // Connected over loopback or a unix socket (for "local" protected commands).
  bool is_local = true;
  // The client that replays an AOF: runs while the server is loading, seen by no monitor.
  bool loader = false;
  // The client a script's commands run as. Its time stands still for the script's run (TIME
  // answers script_time_us, as in Redis), and SORT BY a constant sorts, for reproducible output.
  bool in_script = false;
  int64_t script_time_us = 0;

  // Read by other threads (CLIENT LIST/INFO); written only by the owner under info_mu.
  mutable std::mutex info_mu;
  std::string name, lib_name, lib_ver;
  std::string user_name = "default";
  std::string addr, laddr;  // "ip:port" or "/path:0"
  int fd = -1;
  int64_t created_ms = 0;
  std::atomic<int64_t> last_interaction_ms{0};
  std::atomic<const CommandSpec*> last_cmd{nullptr};
  std::atomic<uint64_t> kill_requested{0};
  std::atomic<size_t> qbuf{0}, qbuf_free{0}, obuf{0};
  std::atomic<size_t> qbuf_alloc{0}, out_alloc{0};  // the query and output buffers' allocations
  // The reply buffer a connection keeps between replies, and the most of it used lately
  // (CLIENT LIST rbs/rbp). A new client starts with Redis's 16 KB.
  std::atomic<size_t> rbs{16 * 1024}, rbp{16 * 1024};
  std::atomic<bool> is_paused_wait{false};
  // Blocking commands: set while the client waits for a key (owner thread only), and how a reply
  // produced on another thread reaches it (empty: this session cannot block).
  std::shared_ptr<BlockedClient> blocked;
  std::atomic<bool> is_blocked{false};  // mirrors `blocked` for CLIENT LIST on other threads
  std::function<void(std::string)> deliver;
  // While this client's script runs past busy-reply-threshold: serves the other clients of its
  // thread once (they get -BUSY, or SCRIPT KILL and the like run). Empty: not possible here.
  std::function<void()> process_while_busy;
  // SCRIPT DEBUG YES|SYNC: the next EVAL runs under the Lua debugger, which talks to the client
  // over these blocking calls (empty: not a socket client). debug_read appends what arrives
  // (false: the client is gone); debug_write writes it all (after the replies still queued).
  // YES forks first: debug_fork returns 0 in the child, the child's pid in the server (-1: no
  // fork), and the child ends with debug_exit, which writes the EVAL's reply and exits.
  enum class LuaDebug : uint8_t { kOff, kSync, kFork };
  LuaDebug lua_debug = LuaDebug::kOff;
  std::function<bool(std::string*)> debug_read;
  std::function<bool(std::string_view)> debug_write;
  std::function<int()> debug_fork;
  std::function<void()> debug_exit;

  // Pub/Sub: this client's registry entry (set by the connection layer; null: cannot subscribe)
  // and what it is subscribed to (changed by the owner thread under info_mu, so the ACL can
  // check a changed user's subscribers from any thread; the counts mirror them for CLIENT LIST).
  std::shared_ptr<Subscriber> subscriber;
  std::unordered_set<std::string> channels, patterns, shard_channels;
  std::atomic<int> sub_count{0}, psub_count{0}, ssub_count{0};
  int pubsub_count() const {
    return static_cast<int>(channels.size() + patterns.size() + shard_channels.size());
  }
  // Transactions: non-null between MULTI and EXEC/DISCARD; WATCHed keys (null: none).
  std::unique_ptr<MultiState> multi;
  std::atomic<bool> in_multi{false};  // mirrors `multi` for CLIENT LIST
  std::shared_ptr<WatchState> watch;
  std::atomic<bool> monitor{false};  // MONITOR mode (CLIENT LIST flag O)
  std::atomic<bool> is_replica{false};  // a replica after SYNC/PSYNC (CLIENT LIST flag S)
  // This server's master, its stream applied as commands (CLIENT LIST flag M). Obeyed without
  // checks (no ACL, READONLY, OOM, MISCONF, ...), its replies dropped, keys seen as the master
  // sees them (no TTL passes here).
  bool is_master = false;
  // The reply of the running command goes to the master anyway (REPLCONF GETACK's ACK).
  bool reply_to_master = false;
  // The replication offset just after this client's last write that reached the stream: what
  // WAIT waits for replicas to acknowledge.
  uint64_t woff = 0;
  std::atomic<int> multi_queued{-1};  // CLIENT LIST multi=: queued commands, -1 outside MULTI
  std::atomic<size_t> multi_mem{0};   // CLIENT LIST multi-mem=: bytes of the queued commands
  std::atomic<size_t> argv_mem{0};    // CLIENT LIST argv-mem=: bytes of the command being run
  // What the client's subscriptions, watched keys and tracking prefixes cost (an estimate, as
  // Redis makes it), kept by the owner thread for CLIENT LIST tot-mem and maxmemory-clients.
  std::atomic<size_t> state_mem{0};
  // Client-side caching (CLIENT TRACKING); null while tracking is off. tracking_redir mirrors it
  // for CLIENT LIST: -1 off, 0 on without redirection, else the redirect client's id.
  std::shared_ptr<ClientTracking> tracking;
  std::atomic<int64_t> tracking_redir{-1};
  std::atomic<bool> tracking_bcast{false};

  Counter total_net_in, total_net_out, commands_processed;
};

}  // namespace carmine
