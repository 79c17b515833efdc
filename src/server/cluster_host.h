// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// ServerClusterHost: the server's side of ClusterHost (cluster/cluster.h).
#pragma once

#include <atomic>

#include "cluster/cluster.h"

namespace carmine {

class Server;

class ServerClusterHost : public ClusterHost {
 public:
  explicit ServerClusterHost(Server& s) : s_(s) {}
  // The dataset is loaded: role changes act on replication at once from now on (set before the
  // replication state is restored, so a change the bus makes meanwhile is not lost).
  void set_started() { started_.store(true); }

  EventLoop& BusLoop() override;
  int ClientPort() override;
  int TlsPort() override;
  std::shared_ptr<net::TlsContext> BusTls() override;
  bool TlsReplication() override;
  std::vector<std::string> BindAddresses() override;
  void ReplicateFrom(const std::string& ip, int port) override;
  void BecomeMaster() override;
  int64_t ReplOffset() override;
  int64_t MasterLinkDownMs() override;
  size_t CountKeysInSlot(int slot) override;
  std::vector<std::string> KeysInSlot(int slot, size_t count) override;
  void DeleteKeysInSlot(int slot) override;
  bool KeyExists(std::string_view key) override;
  size_t DbSize() override;
  void FlushAll() override;
  void PublishLocal(const std::string& channel, const std::string& message, bool shard) override;
  void PauseWrites(int64_t until_ms) override;
  void UnblockKeyWaiters(
      const std::function<std::string(const BlockedClient&, bool write)>& verdict) override;

 private:
  Server& s_;
  std::atomic<bool> started_{false};
};

}  // namespace carmine
