// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Sentinel mode: the command table, defaults and startup of a server run as Redis Sentinel.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <future>

#include "base/logging.h"
#include "sentinel/commands.h"
#include "server/server.h"

namespace carmine {

void Server::EnableSentinelMode() {
  sentinel::Sentinel::Hooks h;
  h.publish = [this](std::string_view channel, std::string_view msg) {
    if (dispatcher_ != nullptr) dispatcher_->pubsub().Publish(channel, msg);
  };
  h.rewrite_config = [this] {
    std::lock_guard<std::mutex> l(config_.mu());
    return config_.Rewrite(config_file_);
  };
  h.port = [this] { return static_cast<int>(server_opts_.port.get()); };
  sentinel_ = std::make_unique<sentinel::Sentinel>(std::move(h));
  // Only what Sentinel answers stays in the command table.
  static const char* kKeep[] = {"acl",  "auth",    "client",   "command", "hello",
                                "info", "ping",    "psubscribe", "punsubscribe", "shutdown",
                                "subscribe", "unsubscribe"};
  std::vector<std::string> drop;
  for (auto& [name, spec] : registry_.all()) {
    bool keep = false;
    for (const char* k : kKeep) keep = keep || name == k;
    if (!keep) drop.push_back(name);
  }
  for (auto& name : drop) registry_.Rename(name, "");
  sentinel::RegisterSentinelCommands(registry_, *sentinel_);
  config_.SetRewriter("sentinel", [this] { return sentinel_->ConfigLines(); });
  server_opts_.port.Set(std::vector<std::string>{"26379"}, config::Source::kFile);
}

Status Server::StartSentinel() {
  // Sentinel keeps its state in its config file: it must have one it can write.
  if (config_file_.empty()) {
    LOG_WARNING("Sentinel needs config file on disk to save state. Exiting...");
    return Status::Error("");
  }
  if (access(config_file_.c_str(), W_OK) != 0) {
    LOG_WARNING("Sentinel config file %s is not writable: %s. Exiting...", config_file_.c_str(),
                strerror(errno));
    return Status::Error("");
  }
  std::promise<void> started;
  workers_[0]->loop().Post([this, &started] {
    sentinel_->Start(workers_[0]->loop());
    started.set_value();
  });
  started.get_future().wait();
  return Status::Ok();
}

}  // namespace carmine
