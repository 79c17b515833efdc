// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Replica elections: a replica whose master FAILed (or that runs CLUSTER FAILOVER) waits a delay
// that grows with its rank (replicas with more of the master's data go first), asks the masters
// for their votes in a new epoch, and takes over its master's slots once a majority granted it.
// Masters vote once per epoch, for one replica per failed master per 2 x node-timeout, and only
// when the replica's view of the slots is not older than their own.
#include <algorithm>
#include <random>

#include "base/logging.h"
#include "cluster/cluster.h"
#include "cluster/link.h"

namespace carmine {

using cluster::kSlots;

int Cluster::MyRank() {
  Node* me = state_.myself();
  Node* master = state_.MasterOf(me);
  if (master == nullptr) return 0;
  const int64_t mine = host_.ReplOffset();
  int rank = 0;
  for (Node* r : state_.ReplicasOf(master)) {
    if (r == me || (r->flags & cluster::kNoFailover)) continue;
    if (r->repl_offset > mine) rank++;
  }
  return rank;
}

void Cluster::ResetManualFailover() {
  if (mf_end_ != 0 && state_.myself()->is_master()) host_.PauseWrites(0);
  mf_end_ = 0;
  mf_replica_.clear();
  mf_master_offset_ = -1;
  mf_can_start_ = false;
}

void Cluster::HandleManualFailover(int64_t now) {
  (void)now;
  if (mf_end_ == 0 || mf_can_start_ || mf_master_offset_ == -1) return;
  if (host_.ReplOffset() == mf_master_offset_) {
    mf_can_start_ = true;
    LOG_WARNING("All master replication stream processed, manual failover can start.");
  }
}

void Cluster::HandleReplicaFailover(int64_t now) {
  Node* me = state_.myself();
  Node* master = state_.MasterOf(me);
  const bool manual = mf_end_ != 0 && mf_can_start_;
  if (master == nullptr || (!master->failed() && !manual) || master->num_slots == 0) return;
  if ((me->flags & cluster::kNoFailover) && !manual) return;
  const int64_t timeout = NodeTimeout();
  const int needed = state_.Size() / 2 + 1;
  const int64_t auth_timeout = std::max<int64_t>(timeout * 2, 2000);
  const int64_t auth_retry = auth_timeout * 2;
  int64_t auth_age = now - auth_time_;
  // A replica that lost its master long before the failure has too old a copy to serve.
  int64_t data_age = host_.MasterLinkDownMs();
  if (data_age > timeout) data_age -= timeout;
  const int factor = opts_.cluster_replica_validity_factor.get();
  if (factor != 0 && !manual && data_age > 10 * 1000 + timeout * factor) return;
  if (auth_age > auth_retry) {
    static thread_local std::mt19937 rng(std::random_device{}());
    auth_time_ = now + 500 + static_cast<int64_t>(rng() % 500);
    auth_count_ = 0;
    auth_sent_ = false;
    auth_rank_ = MyRank();
    auth_time_ += auth_rank_ * 1000;
    if (manual) {
      auth_time_ = now;
      auth_rank_ = 0;
    }
    LOG_WARNING("Start of election delayed for %lld milliseconds (rank #%d, offset %lld).",
                static_cast<long long>(auth_time_ - now), auth_rank_,
                static_cast<long long>(host_.ReplOffset()));
    BroadcastPong(true);
    return;
  }
  if (!auth_sent_ && !manual) {
    int rank = MyRank();
    if (rank > auth_rank_) {
      auth_time_ += (rank - auth_rank_) * 1000;
      auth_rank_ = rank;
    }
  }
  if (now < auth_time_) return;
  if (auth_age > auth_timeout) return;
  if (!auth_sent_) {
    state_.current_epoch++;
    auth_epoch_ = state_.current_epoch;
    LOG_WARNING("Starting a failover election for epoch %llu.",
                static_cast<unsigned long long>(state_.current_epoch));
    Message req = Header(cluster::kAuthRequest);
    if (manual) req.mflags |= cluster::kForceAck;
    Broadcast(req);
    auth_sent_ = true;
    MarkDirty();
    return;
  }
  if (auth_count_ >= needed) {
    LOG_WARNING("Failover election won: I'm the new master.");
    if (me->config_epoch < auth_epoch_) {
      me->config_epoch = auth_epoch_;
      LOG_WARNING("configEpoch set to %llu after successful failover",
                  static_cast<unsigned long long>(me->config_epoch));
    }
    ReplaceMyMaster(now);
    ResetManualFailover();
  }
}

void Cluster::ReplaceMyMaster(int64_t now) {
  Node* me = state_.myself();
  Node* old = state_.MasterOf(me);
  if (old == nullptr) return;
  state_.SetMaster(me);
  me->shard_id = old->shard_id;
  host_.BecomeMaster();
  for (int s = 0; s < kSlots; s++) {
    if (state_.SlotOwner(s) != old) continue;
    state_.DelSlot(s);
    state_.AddSlot(me, s);
  }
  UpdateState(now);
  Save();
  BroadcastPong(false);
}

void Cluster::VoteIfNeeded(Node* node, const Message& m, int64_t now) {
  Node* me = state_.myself();
  if (!me->is_master() || me->num_slots == 0) return;
  Node* master = state_.Find(m.master);
  const bool force = m.mflags & cluster::kForceAck;
  if (m.current_epoch < state_.current_epoch) {
    LOG_WARNING("Failover auth denied to %.40s (): reqEpoch (%llu) < curEpoch(%llu)",
                node->name.c_str(), static_cast<unsigned long long>(m.current_epoch),
                static_cast<unsigned long long>(state_.current_epoch));
    return;
  }
  if (state_.last_vote_epoch == state_.current_epoch) {
    LOG_WARNING("Failover auth denied to %.40s (): already voted for epoch %llu",
                node->name.c_str(), static_cast<unsigned long long>(state_.current_epoch));
    return;
  }
  if (node->is_master() || master == nullptr || (!master->failed() && !force)) {
    LOG_WARNING("Failover auth denied to %.40s (): %s", node->name.c_str(),
                node->is_master()    ? "it is a master node"
                : master == nullptr ? "I don't know its master"
                                    : "its master is up");
    return;
  }
  if (now - master->voted_time < NodeTimeout() * 2) {
    LOG_WARNING("Failover auth denied to %.40s (): can't vote about this master before %lld "
                "milliseconds",
                node->name.c_str(),
                static_cast<long long>(NodeTimeout() * 2 - (now - master->voted_time)));
    return;
  }
  for (int s = 0; s < kSlots; s++) {
    if (!m.slots.test(s)) continue;
    Node* owner = state_.SlotOwner(s);
    if (owner == nullptr || owner->config_epoch <= m.config_epoch) continue;
    LOG_WARNING("Failover auth denied to %.40s (): slot %d epoch (%llu) > reqEpoch (%llu)",
                node->name.c_str(), s, static_cast<unsigned long long>(owner->config_epoch),
                static_cast<unsigned long long>(m.config_epoch));
    return;
  }
  state_.last_vote_epoch = state_.current_epoch;
  master->voted_time = now;
  Save();
  if (node->link != nullptr && node->link_up) {
    Send(node->link, Header(cluster::kAuthAck));
  } else if (node->inbound != nullptr) {
    Send(node->inbound, Header(cluster::kAuthAck));
  }
  LOG_WARNING("Failover auth granted to %.40s () for epoch %llu", node->name.c_str(),
              static_cast<unsigned long long>(state_.current_epoch));
}

// Replica migration (cluster-migration-barrier): a master with slots whose replicas all failed
// (an orphan, having had one before) gets one from the master with the most working replicas,
// as long as that master keeps more than the barrier. Among those masters' replicas only the
// one with the smallest name moves, so two never do; it waits until the orphan has been one
// for a few seconds (a failed replica may be back by then).
void Cluster::HandleReplicaMigration(int64_t now) {
  constexpr int64_t kOrphanDelay = 5000;
  Node* me = state_.myself();
  if (!opts_.cluster_allow_replica_migration.get() || !state_ok_.load()) return;
  Node* my_master = state_.Find(me->master_name);
  if (my_master == nullptr || !my_master->is_master()) return;
  auto working = [&](const Node* m) {
    int ok = 0;
    for (Node* r : state_.ReplicasOf(m)) ok += r->failed() ? 0 : 1;
    return ok;
  };
  int most = 0, orphans = 0;
  for (auto& [name, np] : state_.nodes()) {
    Node* n = np.get();
    if (!n->is_master() || n->failed()) continue;
    int ok = working(n);
    if (ok == 0 && n->num_slots > 0 && (n->flags & cluster::kMigrateTo)) orphans++;
    most = std::max(most, ok);
  }
  const int mine = working(my_master);
  if (orphans == 0 || most < 2 || mine != most) return;
  if (mine <= opts_.cluster_migration_barrier.get()) return;
  Node* candidate = me;
  Node* target = nullptr;
  for (auto& [name, np] : state_.nodes()) {
    Node* n = np.get();
    const int ok = n->is_master() ? working(n) : 0;
    const bool orphaned = n->is_master() && !n->failed() && (n->flags & cluster::kMigrateTo) &&
                          ok == 0;
    if (orphaned) {
      if (target == nullptr && n->num_slots > 0) target = n;
      if (n->orphaned_time == 0) n->orphaned_time = now;
    } else {
      n->orphaned_time = 0;
    }
    if (n->is_master() && ok == most) {
      for (Node* r : state_.ReplicasOf(n)) {
        if (r->name < candidate->name) candidate = r;
      }
    }
  }
  if (target != nullptr && candidate == me && now - target->orphaned_time > kOrphanDelay) {
    LOG_NOTICE("Migrating to orphaned master %.40s", target->name.c_str());
    SetMyMaster(target);
  }
}

}  // namespace carmine
