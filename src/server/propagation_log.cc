// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "server/propagation_log.h"

namespace carmine {

void PropagationLog::Append(int db, std::vector<std::string> args) {
  std::lock_guard<std::mutex> l(mu_);
  appended_.Add();
  for (auto& c : consumers_) c(db, args);
}

void PropagationLog::AppendBatch(std::vector<std::pair<int, std::vector<std::string>>> entries) {
  std::lock_guard<std::mutex> l(mu_);
  for (auto& [db, args] : entries) {
    appended_.Add();
    for (auto& c : consumers_) c(db, args);
  }
}

void PropagationLog::AddConsumer(Consumer c) {
  std::lock_guard<std::mutex> l(mu_);
  consumers_.push_back(std::move(c));
  active_.store(true);
}

}  // namespace carmine
