// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// The failover half of Sentinel: votes (one per epoch, first come first served), the leader
// count (an absolute majority of the known Sentinels and at least the quorum), the choice of the
// replica to promote, and the state machine that promotes it, points the other replicas at it
// parallel-syncs at a time, and finally moves the master's address.
#include <unistd.h>

#include <algorithm>

#include "base/clock.h"
#include "base/logging.h"
#include "sentinel/sentinel.h"

namespace carmine::sentinel {

namespace {
constexpr int kWarn = static_cast<int>(log::Level::kWarning);
constexpr int kNote = static_cast<int>(log::Level::kNotice);
}  // namespace

std::string Sentinel::VoteLeader(Instance& m, uint64_t req_epoch, const std::string& req_runid,
                                 uint64_t* leader_epoch) {
  if (req_epoch > current_epoch_) {
    current_epoch_ = req_epoch;
    FlushConfig();
    Event(kWarn, "+new-epoch", &m, std::to_string(current_epoch_), false);
  }
  if (m.leader_epoch < req_epoch && current_epoch_ <= req_epoch) {
    m.leader = req_runid;
    m.leader_epoch = current_epoch_;
    FlushConfig();
    Event(kWarn, "+vote-for-leader", &m, m.leader + " " + std::to_string(m.leader_epoch),
          false);
    // Having voted for another Sentinel, this one waits before trying a failover itself.
    if (m.leader != myid_) {
      m.failover_start_time = clock::NowMs() + static_cast<int64_t>(rng_() % kMaxDesync);
    }
  }
  *leader_epoch = m.leader_epoch;
  return m.leader;
}

std::string Sentinel::GetLeader(Instance& m, uint64_t epoch) {
  std::map<std::string, int> votes;
  int voters = static_cast<int>(m.sentinels.size()) + 1;
  for (auto& [k, s] : m.sentinels) {
    if (!s->leader.empty() && s->leader_epoch == current_epoch_) votes[s->leader]++;
  }
  std::string winner;
  int max_votes = 0;
  for (auto& [id, n] : votes) {
    if (n > max_votes) {
      max_votes = n;
      winner = id;
    }
  }
  // This Sentinel's own vote: for the most voted one, or for itself when nobody has votes.
  uint64_t leader_epoch = 0;
  std::string myvote = VoteLeader(m, epoch, winner.empty() ? myid_ : winner, &leader_epoch);
  if (!myvote.empty() && leader_epoch == epoch) {
    int n = ++votes[myvote];
    if (n > max_votes) {
      max_votes = n;
      winner = myvote;
    }
  }
  if (!winner.empty() && (max_votes < voters / 2 + 1 || max_votes < m.quorum)) winner.clear();
  return winner;
}

void Sentinel::SimulatedCrash() {
  LOG_WARNING("Sentinel CRASH because of SENTINEL simulate-failure");
  _exit(99);
}

bool Sentinel::StartFailoverIfNeeded(Instance& m) {
  if (!(m.flags & kODown) || (m.flags & kFailoverInProgress)) return false;
  int64_t now = clock::NowMs();
  if (now - m.failover_start_time < m.failover_timeout * 2) {
    if (m.failover_delay_logged != m.failover_start_time) {
      time_t when = static_cast<time_t>((m.failover_start_time + m.failover_timeout * 2) / 1000);
      char buf[64];
      ctime_r(&when, buf);
      std::string t(buf);
      if (!t.empty() && t.back() == '\n') t.pop_back();
      m.failover_delay_logged = m.failover_start_time;
      LOG_NOTICE("Next failover delay: I will not start a failover before %s", t.c_str());
    }
    return false;
  }
  StartFailover(m);
  return true;
}

void Sentinel::StartFailover(Instance& m) {
  m.failover_state = FailoverState::kWaitStart;
  m.flags |= kFailoverInProgress;
  m.failover_epoch = ++current_epoch_;
  Event(kWarn, "+new-epoch", &m, std::to_string(current_epoch_), false);
  Event(kWarn, "+try-failover", &m, "");
  int64_t now = clock::NowMs();
  m.failover_start_time = now + static_cast<int64_t>(rng_() % kMaxDesync);
  m.failover_state_change_time = now;
  FlushConfig();
}

void Sentinel::AbortFailover(Instance& m) {
  m.flags &= ~(kFailoverInProgress | kForceFailover);
  m.failover_state = FailoverState::kNone;
  m.failover_state_change_time = clock::NowMs();
  if (m.promoted_slave != nullptr) {
    m.promoted_slave->flags &= ~kPromoted;
    m.promoted_slave = nullptr;
  }
}

std::string Sentinel::ForceFailover(Instance& m) {
  if (m.flags & kFailoverInProgress) return "-INPROG Failover already in progress";
  if (SelectSlave(m) == nullptr) return "-NOGOODSLAVE No suitable replica to promote";
  LOG_WARNING("Executing user requested FAILOVER of '%s'", m.name.c_str());
  StartFailover(m);
  m.flags |= kForceFailover;
  return "";
}

Instance* Sentinel::SelectSlave(Instance& m) {
  int64_t now = clock::NowMs();
  int64_t max_master_down = m.down_after * 10;
  if (m.flags & kSDown) max_master_down += now - m.s_down_since;
  int64_t info_validity = (m.flags & kSDown) ? kPingPeriod * 5 : kInfoPeriod * 3;
  std::vector<Instance*> candidates;
  for (auto& [k, sp] : m.slaves) {
    Instance* s = sp.get();
    if (s->flags & (kSDown | kODown)) continue;
    if (s->cc == nullptr || !s->cc->connected()) continue;
    if (now - s->last_avail_time > kPingPeriod * 5) continue;
    if (s->slave_priority == 0) continue;
    if (s->info_refresh == 0 || now - s->info_refresh > info_validity) continue;
    if (s->master_link_down_time > max_master_down) continue;
    candidates.push_back(s);
  }
  if (candidates.empty()) return nullptr;
  // Lowest priority, then the most data, then the smallest run id (an unknown one last).
  std::sort(candidates.begin(), candidates.end(), [](const Instance* a, const Instance* b) {
    if (a->slave_priority != b->slave_priority) return a->slave_priority < b->slave_priority;
    if (a->slave_repl_offset != b->slave_repl_offset) {
      return a->slave_repl_offset > b->slave_repl_offset;
    }
    if (a->runid.empty() != b->runid.empty()) return !a->runid.empty();
    return a->runid < b->runid;
  });
  return candidates.front();
}

void Sentinel::FailoverStateMachine(Instance& m) {
  if (!(m.flags & kFailoverInProgress)) return;
  int64_t now = clock::NowMs();
  switch (m.failover_state) {
    case FailoverState::kWaitStart: {
      std::string leader = GetLeader(m, m.failover_epoch);
      bool is_leader = leader == myid_;
      if (!is_leader && !(m.flags & kForceFailover)) {
        int64_t election_timeout = std::min(kElectionTimeout, m.failover_timeout);
        if (now - m.failover_start_time > election_timeout) {
          Event(kWarn, "-failover-abort-not-elected", &m, "");
          AbortFailover(m);
        }
        return;
      }
      Event(kWarn, "+elected-leader", &m, "");
      if (simfailure_flags_ & 1) SimulatedCrash();
      m.failover_state = FailoverState::kSelectSlave;
      m.failover_state_change_time = now;
      Event(kWarn, "+failover-state-select-slave", &m, "");
      break;
    }
    case FailoverState::kSelectSlave: {
      Instance* s = SelectSlave(m);
      if (s == nullptr) {
        Event(kWarn, "-failover-abort-no-good-slave", &m, "");
        AbortFailover(m);
        return;
      }
      Event(kWarn, "+selected-slave", s, "");
      s->flags |= kPromoted;
      m.promoted_slave = s;
      m.failover_state = FailoverState::kSendSlaveofNoone;
      m.failover_state_change_time = now;
      Event(kNote, "+failover-state-send-slaveof-noone", s, "");
      break;
    }
    case FailoverState::kSendSlaveofNoone: {
      Instance* s = m.promoted_slave;
      if (s == nullptr || s->cc == nullptr || !s->cc->connected()) {
        if (now - m.failover_state_change_time > m.failover_timeout) {
          Event(kWarn, "-failover-abort-slave-timeout", &m, "");
          AbortFailover(m);
        }
        return;
      }
      if (!SendSlaveOf(*s, "", 0)) return;
      Event(kNote, "+failover-state-wait-promotion", s, "");
      m.failover_state = FailoverState::kWaitPromotion;
      m.failover_state_change_time = now;
      break;
    }
    case FailoverState::kWaitPromotion:
      // The promoted replica's INFO moves the state on (OnPromotedInfo).
      if (now - m.failover_state_change_time > m.failover_timeout) {
        Event(kWarn, "-failover-abort-slave-timeout", &m, "");
        AbortFailover(m);
      }
      break;
    case FailoverState::kReconfSlaves:
      ReconfNextSlave(m);
      break;
    case FailoverState::kNone:
    case FailoverState::kUpdateConfig:
      break;
  }
}

void Sentinel::OnPromotedInfo(Instance& s) {
  Instance& m = *s.master;
  m.config_epoch = m.failover_epoch;
  m.failover_state = FailoverState::kReconfSlaves;
  m.failover_state_change_time = clock::NowMs();
  FlushConfig();
  Event(kWarn, "+promoted-slave", &s, "");
  if (simfailure_flags_ & 2) SimulatedCrash();
  Event(kWarn, "+failover-state-reconf-slaves", &m, "");
  CallClientReconfScript(m, "leader", m.ip, m.port, s.ip, s.port);
  // The others learn the new configuration from our hellos at once.
  ForceHelloUpdate(m);
}

void Sentinel::ReconfNextSlave(Instance& m) {
  int64_t now = clock::NowMs();
  int in_progress = 0;
  for (auto& [k, s] : m.slaves) in_progress += (s->flags & (kReconfSent | kReconfInprog)) ? 1 : 0;
  for (auto& [k, sp] : m.slaves) {
    if (in_progress >= m.parallel_syncs) break;
    Instance& s = *sp;
    if (s.flags & (kPromoted | kReconfDone)) continue;
    if ((s.flags & kReconfSent) && now - s.slave_reconf_sent_time > kSlaveReconfTimeout) {
      Event(kNote, "-slave-reconf-sent-timeout", &s, "");
      s.flags &= ~kReconfSent;
      s.flags |= kReconfDone;
    }
    if (s.flags & (kReconfSent | kReconfInprog)) continue;
    if (s.cc == nullptr || !s.cc->connected()) continue;
    if (SendSlaveOf(s, m.promoted_slave->ip, m.promoted_slave->port)) {
      s.flags |= kReconfSent;
      s.slave_reconf_sent_time = now;
      Event(kNote, "+slave-reconf-sent", &s, "");
      in_progress++;
    }
  }
  DetectFailoverEnd(m);
}

void Sentinel::DetectFailoverEnd(Instance& m) {
  Instance* promoted = m.promoted_slave;
  if (promoted == nullptr || (promoted->flags & kSDown)) return;
  int not_reconfigured = 0;
  for (auto& [k, s] : m.slaves) {
    if (s->flags & (kPromoted | kReconfDone)) continue;
    if (s->flags & kSDown) continue;
    not_reconfigured++;
  }
  int64_t now = clock::NowMs();
  bool timeout = false;
  if (now - m.failover_state_change_time > m.failover_timeout) {
    not_reconfigured = 0;
    timeout = true;
    Event(kWarn, "-failover-end-for-timeout", &m, "");
  }
  if (not_reconfigured == 0) {
    Event(kWarn, "+failover-end", &m, "");
    m.failover_state = FailoverState::kUpdateConfig;
    m.failover_state_change_time = now;
  }
  if (timeout) {
    // Best effort for the ones left: point them at the new master anyway.
    for (auto& [k, sp] : m.slaves) {
      Instance& s = *sp;
      if (s.flags & (kReconfDone | kReconfSent | kPromoted)) continue;
      if (s.cc == nullptr || !s.cc->connected()) continue;
      if (SendSlaveOf(s, promoted->ip, promoted->port)) Event(kNote, "+slave-reconf-sent-be", &s, "");
    }
  }
}

void Sentinel::SwitchToPromoted(Instance& m) {
  const Instance& ref = m.promoted_slave != nullptr ? *m.promoted_slave : m;
  std::string ip = ref.ip;
  int port = ref.port;
  Event(kWarn, "+switch-master", &m,
        m.name + " " + m.ip + " " + std::to_string(m.port) + " " + ip + " " +
            std::to_string(port),
        false);
  ResetMasterAndChangeAddress(m, ip, port);
}

}  // namespace carmine::sentinel
