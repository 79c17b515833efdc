// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "replication/master.h"

#include <algorithm>
#include <random>

#include "protocol/request.h"

namespace carmine {

namespace {
thread_local uint64_t tl_fed_offset = 0;
}  // namespace

uint64_t ReplicationMaster::TakeThreadFedOffset() {
  uint64_t v = tl_fed_offset;
  tl_fed_offset = 0;
  return v;
}

std::string NewReplid() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::random_device rd;
  std::mt19937_64 gen((static_cast<uint64_t>(rd()) << 32) ^ rd());
  std::string id(40, '0');
  for (char& c : id) c = kHex[gen() & 15];
  return id;
}

ReplicationMaster::ReplicationMaster(uint64_t backlog_size)
    : replid_(NewReplid()), replid2_(40, '0'), backlog_(backlog_size) {}

std::string ReplicationMaster::replid() const {
  std::lock_guard<std::mutex> l(mu_);
  return replid_;
}

std::string ReplicationMaster::replid2() const {
  std::lock_guard<std::mutex> l(mu_);
  return replid2_;
}

int64_t ReplicationMaster::second_offset() const {
  std::lock_guard<std::mutex> l(mu_);
  return second_offset_;
}

void ReplicationMaster::ShiftReplid() {
  std::lock_guard<std::mutex> l(mu_);
  replid2_ = replid_;
  // The old history is valid up to the last byte written under it: a replica that has it all
  // asks for the next byte, offset + 1.
  second_offset_ = static_cast<int64_t>(backlog_.end_offset()) + 1;
  replid_ = NewReplid();
}

void ReplicationMaster::AdoptHistory(const std::string& replid, uint64_t offset) {
  std::lock_guard<std::mutex> l(mu_);
  replid_ = replid;
  replid2_.assign(40, '0');
  second_offset_ = -1;
  sel_db_ = -1;
  backlog_.Reset(offset);
}

void ReplicationMaster::ContinueAs(const std::string& replid) {
  std::lock_guard<std::mutex> l(mu_);
  if (replid == replid_) return;
  replid2_ = replid_;
  second_offset_ = static_cast<int64_t>(backlog_.end_offset()) + 1;
  replid_ = replid;
}

void ReplicationMaster::ForgetSelectedDb() {
  std::lock_guard<std::mutex> l(mu_);
  sel_db_ = -1;
}

int ReplicationMaster::selected_db() const {
  std::lock_guard<std::mutex> l(mu_);
  return sel_db_;
}

uint64_t ReplicationMaster::offset() const { return backlog_.end_offset(); }

void ReplicationMaster::ActivateBacklog() { backlog_active_.store(true, std::memory_order_release); }

void ReplicationMaster::DeactivateBacklog() {
  std::lock_guard<std::mutex> l(mu_);
  backlog_active_.store(false, std::memory_order_release);
  backlog_.Reset(backlog_.end_offset());
  replid_ = NewReplid();
  replid2_.assign(40, '0');
  second_offset_ = -1;
  sel_db_ = -1;
}

void ReplicationMaster::CountUnstreamedWrite() {
  if (backlog_active() || proxying()) return;
  std::lock_guard<std::mutex> l(mu_);
  backlog_.Reset(backlog_.end_offset() + 1);
  tl_fed_offset = backlog_.end_offset();
}

void ReplicationMaster::AppendLocked(std::string_view bytes) { backlog_.Append(bytes); }

void ReplicationMaster::Feed(int db, const std::vector<std::string>& args) {
  if (!backlog_active() || proxying()) return;
  {
    std::lock_guard<std::mutex> l(mu_);
    scratch_.clear();
    if (db >= 0 && db != sel_db_) {
      protocol::AppendRequest(&scratch_, {std::string_view("SELECT"), std::to_string(db)});
      sel_db_ = db;
    }
    protocol::AppendRequest(&scratch_, args);
    AppendLocked(scratch_);
    tl_fed_offset = backlog_.end_offset();
  }
  WakeAll();
}

void ReplicationMaster::FeedRaw(std::string_view bytes) {
  if (!backlog_active()) return;
  {
    std::lock_guard<std::mutex> l(mu_);
    AppendLocked(bytes);
  }
  WakeAll();
}

uint64_t ReplicationMaster::SnapshotPoint() {
  std::lock_guard<std::mutex> l(mu_);
  sel_db_ = -1;
  return backlog_.end_offset();
}

bool ReplicationMaster::CanContinue(std::string_view id, uint64_t off) const {
  if (!backlog_active()) return false;
  {
    std::lock_guard<std::mutex> l(mu_);
    bool ours = id == replid_;
    bool previous = id == replid2_ && second_offset_ >= 0 &&
                    off <= static_cast<uint64_t>(second_offset_);
    if (!ours && !previous) return false;
  }
  return backlog_.CanServe(off);
}

void ReplicationMaster::Adopt(std::shared_ptr<ReplicaLink> link) {
  std::lock_guard<std::mutex> l(mu_);
  std::erase_if(replicas_, [&](const auto& x) { return x->client_id == link->client_id; });
  replicas_.push_back(std::move(link));
}

void ReplicationMaster::Detach(uint64_t client_id) {
  {
    std::lock_guard<std::mutex> l(mu_);
    std::erase_if(replicas_, [&](const auto& x) { return x->client_id == client_id; });
  }
  backlog_.Release(client_id);
}

std::shared_ptr<ReplicaLink> ReplicationMaster::Find(uint64_t client_id) const {
  std::lock_guard<std::mutex> l(mu_);
  for (const auto& r : replicas_) {
    if (r->client_id == client_id) return r;
  }
  return nullptr;
}

std::vector<std::shared_ptr<ReplicaLink>> ReplicationMaster::Replicas() const {
  std::lock_guard<std::mutex> l(mu_);
  return replicas_;
}

size_t ReplicationMaster::num_replicas() const {
  std::lock_guard<std::mutex> l(mu_);
  return replicas_.size();
}

int ReplicationMaster::GoodReplicas(int64_t now_ms, int64_t max_lag) const {
  std::lock_guard<std::mutex> l(mu_);
  int n = 0;
  for (const auto& r : replicas_) {
    if (r->state.load() != ReplicaLink::State::kOnline) continue;
    if ((now_ms - r->ack_ms.load()) / 1000 <= max_lag) n++;
  }
  return n;
}

size_t ReplicationMaster::ReplicaOutputBytes() const {
  std::lock_guard<std::mutex> l(mu_);
  size_t n = 0;
  for (const auto& r : replicas_) n += r->out_bytes.load(std::memory_order_relaxed);
  return n;
}

int ReplicationMaster::AckedAtLeast(uint64_t off) const {
  std::lock_guard<std::mutex> l(mu_);
  int n = 0;
  for (const auto& r : replicas_) {
    if (r->state.load() == ReplicaLink::State::kOnline && r->ack_offset.load() >= off) n++;
  }
  return n;
}

int ReplicationMaster::AofAckedAtLeast(uint64_t off) const {
  std::lock_guard<std::mutex> l(mu_);
  int n = 0;
  for (const auto& r : replicas_) {
    if (r->state.load() == ReplicaLink::State::kOnline && r->aof_ack_offset.load() >= off) n++;
  }
  return n;
}

void ReplicationMaster::WakeAll() {
  if (!waker_) return;
  std::lock_guard<std::mutex> l(mu_);
  for (const auto& r : replicas_) {
    if (r->state.load(std::memory_order_relaxed) != ReplicaLink::State::kOnline) continue;
    // One wake-up in flight per replica: under a write load the owner thread drains everything
    // appended meanwhile in one go.
    if (!r->wake_pending.exchange(true)) waker_(r->worker, r->client_id);
  }
}

}  // namespace carmine
