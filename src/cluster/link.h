// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// BusLink: one connection of the cluster bus, outgoing (to `node`, made by the cron) or
// incoming (accepted on the bus port; `node` once its first message named a known sender).
// Its handlers run on the bus loop and take the cluster's lock. A link is never destroyed from
// inside its own handler: it is marked closed and the cron reaps it.
#pragma once

#include <cstdint>
#include <memory>

#include "cluster/state.h"
#include "net/link.h"

namespace carmine {
class Cluster;
}

namespace carmine::cluster {

struct BusLink {
  BusLink(Cluster* c, bool inbound, Node* node, int64_t now);
  ~BusLink();

  Cluster* cluster;
  std::unique_ptr<net::Link> link;
  bool inbound;
  Node* node;
  int64_t ctime;
  int64_t last_rx = 0;  // last message received (ms)
  bool closed = false;
};

}  // namespace carmine::cluster
