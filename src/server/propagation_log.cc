// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "server/propagation_log.h"

namespace carmine {

void PropagationLog::Append(int db, std::vector<std::string> args) {
  std::lock_guard<std::mutex> l(mu_);
  appended_.Add();
  for (auto& c : consumers_) c.second(db, args);
}

void PropagationLog::AppendBatch(std::vector<std::pair<int, std::vector<std::string>>> entries) {
  std::lock_guard<std::mutex> l(mu_);
  for (auto& [db, args] : entries) {
    appended_.Add();
    for (auto& c : consumers_) c.second(db, args);
  }
}

int PropagationLog::AddConsumer(Consumer c, bool first) {
  std::lock_guard<std::mutex> l(mu_);
  int id = next_id_++;
  if (first) {
    consumers_.emplace(consumers_.begin(), id, std::move(c));
  } else {
    consumers_.emplace_back(id, std::move(c));
  }
  active_.store(true);
  return id;
}

void PropagationLog::RemoveConsumer(int id) {
  std::lock_guard<std::mutex> l(mu_);
  std::erase_if(consumers_, [id](const auto& c) { return c.first == id; });
  active_.store(!consumers_.empty());
}

}  // namespace carmine
