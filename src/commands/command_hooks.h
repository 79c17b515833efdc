// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// CommandHooks: the checks other subsystems make before a command runs, at the places Redis's
// processCommand makes them. The dispatcher owns the order (see Dispatcher::Refusal); modules
// that sit above commands/ fill the hooks at startup: ACL (NOPERM), Cluster (MOVED, ASK,
// CROSSSLOT, TRYAGAIN, CLUSTERDOWN), replication (READONLY, MASTERDOWN, and the count of good
// replicas behind NOREPLICAS) and scripting (BUSY), and persistence hears of FLUSHALL. A check
// left empty lets every command through.
// Hooks are set before serving and never change afterwards, so reading them needs no lock.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "commands/registry.h"

namespace carmine {

struct Session;

// What a check may look at: the command, its arguments, the client, and the flags that decide
// the outcome (for EXEC, the union of the queued commands' flags).
struct CommandCheck {
  const CommandSpec* spec;
  ArgList args;
  const Session& session;
  uint32_t flags;          // write/denyoom/may-replicate/... of the command (or of EXEC's queue)
  bool deny_stale;         // refused on a stale replica (no `stale` flag, here or in the queue)
  bool deny_loading;       // refused while loading (no `loading` flag, here or in the queue)
  bool in_exec = false;    // a queued command checked again as EXEC runs it
};

struct CommandHooks {
  // Each returns true to let the command run, or false with *refusal set to the full error reply
  // text. (Asked before every command: the usual answer builds no string.)
  using Check = std::function<bool(const CommandCheck&, std::string* refusal)>;
  Check acl;      // user permissions: -NOPERM ...
  Check cluster;  // slot ownership: -MOVED / -ASK / -CROSSSLOT / -TRYAGAIN / -CLUSTERDOWN
  Check busy;     // a script or function running past busy-reply-threshold: -BUSY ...
  // ACL for a command a script calls on behalf of `caller`: "" or the refusal's text (without
  // an error code). `log`: a refusal (written to the ACL log), not redis.acl_check_cmd's question.
  std::function<std::string(const CommandSpec*, ArgList, const Session& caller, bool log)>
      acl_script;
  // ACL: whether the client may read every key with this command (SORT BY/GET patterns name
  // keys the check before the command could not see).
  std::function<bool(const CommandSpec*, ArgList, const Session&)> acl_reads_all_keys;
  // Replication: true when this server is a replica that refuses writes (replica-read-only).
  std::function<bool()> read_only_replica;
  // Replication: true when this server is a replica whose link is down and stale reads are off.
  std::function<bool()> master_down;
  // Replication: replicas that acknowledged within min-replicas-max-lag (0 when none exist).
  std::function<int()> good_replicas;
  // Replication: a command that goes to the replicas but not to the AOF (PUBLISH, SPUBLISH:
  // subscribers of replicas get the messages, a reload does not replay them).
  std::function<void(int db, ArgList)> replicate_only;
  // Cluster: PUBLISH (every node) and SPUBLISH (the nodes of this shard) carried over the bus,
  // which replaces the replication stream for them in cluster mode.
  std::function<void(std::string_view channel, std::string_view message, bool shard)>
      cluster_publish;
  // Persistence, after FLUSHALL emptied every database (all shard locks held): a running RDB
  // child is stopped and, when save points exist, the empty dataset is saved at once, so a
  // restart cannot bring the flushed keys back (the dirty counter starts over).
  std::function<void()> flushed_all;
};

}  // namespace carmine
