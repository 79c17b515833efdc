// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "db/lazyfree.h"

#include "base/background_work.h"
#include "base/memory_probe.h"

namespace carmine {

size_t FreeEffort(const Entry* e) {
  const CompactValue& v = e->value;
  if (v.kind() != CompactValue::Kind::kObject) return 1;
  return v.object()->FreeEffort();
}

LazyFreer::LazyFreer() : thread_([this] { Run(); }) {}

LazyFreer::~LazyFreer() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void LazyFreer::Free(EntryPtr e, size_t bytes) {
  if (e == nullptr || FreeEffort(e.get()) <= kLazyFreeThreshold) return;  // freed right here
  {
    std::lock_guard<std::mutex> l(mu_);
    entries_.emplace_back(std::move(e), bytes);
    pending_.fetch_add(1, std::memory_order_relaxed);
    pending_bytes_.fetch_add(bytes, std::memory_order_relaxed);
  }
  cv_.notify_one();
}

void LazyFreer::FreeTable(std::unique_ptr<KeyTable> t) {
  if (t == nullptr || t->size() == 0) return;
  {
    std::lock_guard<std::mutex> l(mu_);
    tables_.push_back(std::move(t));
    pending_.fetch_add(1, std::memory_order_relaxed);
  }
  cv_.notify_one();
}

void LazyFreer::Drain() {
  std::unique_lock<std::mutex> l(mu_);
  idle_cv_.wait(l, [&] { return entries_.empty() && tables_.empty() && !busy_; });
}

void LazyFreer::Run() {
  mem::RegisterThread();
  std::unique_lock<std::mutex> l(mu_);
  for (;;) {
    cv_.wait(l, [&] { return stop_ || !entries_.empty() || !tables_.empty(); });
    if (entries_.empty() && tables_.empty()) {
      if (stop_) break;
      continue;
    }
    std::vector<std::pair<EntryPtr, size_t>> entries = std::move(entries_);
    std::vector<std::unique_ptr<KeyTable>> tables = std::move(tables_);
    entries_.clear();
    tables_.clear();
    busy_ = true;
    l.unlock();
    uint64_t n = entries.size() + tables.size();
    size_t bytes = 0;
    for (auto& [e, b] : entries) bytes += b;
    {
      BackgroundWork working;
      entries.clear();
      tables.clear();
    }
    pending_.fetch_sub(n, std::memory_order_relaxed);
    pending_bytes_.fetch_sub(bytes, std::memory_order_relaxed);
    freed_.fetch_add(n, std::memory_order_relaxed);
    l.lock();
    busy_ = false;
    idle_cv_.notify_all();
  }
  mem::UnregisterThread();
}

}  // namespace carmine
