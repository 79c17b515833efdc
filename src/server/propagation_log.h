// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// PropagationLog: the server's single ordered log of write effects. The dispatcher appends to it
// (commands/propagation.h explains what is appended); consumers (the AOF writer, the replication
// backlog) subscribe and receive every entry in append order. With no consumer the log is
// inactive and commands skip building entries entirely.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "base/counter.h"
#include "commands/propagation.h"

namespace carmine {

class PropagationLog : public PropagationSink {
 public:
  using Consumer = std::function<void(int db, const std::vector<std::string>& args)>;

  bool active() const override { return active_.load(std::memory_order_relaxed); }
  void Append(int db, std::vector<std::string> args) override;
  void AppendBatch(std::vector<std::pair<int, std::vector<std::string>>> entries) override;
  void AppendTargeted(std::vector<TargetedEntry> entries) override;
  // Consumers run under the log's mutex, in append order, on the appending thread. AddConsumer
  // returns the id RemoveConsumer takes. A `first` consumer runs before the others (the
  // replication stream: the AOF reads the stream offset its command reached). `target` says
  // which consumer it is (kToAof or kToReplicas), for entries meant for one kind only.
  int AddConsumer(Consumer c, Target target, bool first = false);
  // Runs `fn` with no entry half-consumed (every consumer has seen the same entries).
  void WithLock(const std::function<void()>& fn) {
    std::lock_guard<std::mutex> l(mu_);
    fn();
  }
  void RemoveConsumer(int id);
  uint64_t appended() const { return appended_.load(); }

 private:
  std::atomic<bool> active_{false};
  std::mutex mu_;
  struct Entry {
    int id;
    Consumer fn;
    Target target;
  };
  std::vector<Entry> consumers_;
  int next_id_ = 1;
  Counter appended_;
};

}  // namespace carmine
