// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "server/propagation_log.h"

namespace carmine {

void PropagationLog::Append(int db, std::vector<std::string> args) {
  std::lock_guard<std::mutex> l(mu_);
  appended_.Add();
  for (auto& c : consumers_) c.fn(db, args);
}

void PropagationLog::AppendBatch(std::vector<std::pair<int, std::vector<std::string>>> entries) {
  std::lock_guard<std::mutex> l(mu_);
  for (auto& [db, args] : entries) {
    appended_.Add();
    for (auto& c : consumers_) c.fn(db, args);
  }
}

void PropagationLog::AppendTargeted(std::vector<TargetedEntry> entries) {
  std::lock_guard<std::mutex> l(mu_);
  for (auto& e : entries) {
    appended_.Add();
    for (auto& c : consumers_) {
      if (e.targets & c.target) c.fn(e.db, e.args);
    }
  }
}

int PropagationLog::AddConsumer(Consumer c, Target target, bool first) {
  std::lock_guard<std::mutex> l(mu_);
  int id = next_id_++;
  if (first) {
    consumers_.insert(consumers_.begin(), Entry{id, std::move(c), target});
  } else {
    consumers_.push_back(Entry{id, std::move(c), target});
  }
  active_.store(true);
  return id;
}

void PropagationLog::RemoveConsumer(int id) {
  std::lock_guard<std::mutex> l(mu_);
  std::erase_if(consumers_, [id](const Entry& c) { return c.id == id; });
  active_.store(!consumers_.empty());
}

}  // namespace carmine
