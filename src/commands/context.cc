// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "commands/context.h"

namespace carmine {

bool CommandContext::Block(ArgList args, const std::vector<std::string_view>& keys,
                           int64_t deadline_ms) {
  if (serving_blocked) {
    would_block = true;
    return true;
  }
  if (no_block || blocking == nullptr || !session.deliver) return false;
  auto c = std::make_shared<BlockedClient>();
  c->client_id = session.id;
  c->db = session.db.load(std::memory_order_relaxed);
  c->resp = session.resp.load(std::memory_order_relaxed);
  c->args.assign(args.begin(), args.end());
  c->keys.assign(keys.begin(), keys.end());
  c->addr = session.addr;
  c->acl_user = session.acl_user;
  {
    std::lock_guard<std::mutex> l(session.info_mu);
    c->name = session.name;
  }
  c->deadline_ms = deadline_ms;
  c->cluster_readonly = session.cluster_readonly;
  c->tls = session.tls;
  c->on_nokey = spec != nullptr && spec->name == "XREADGROUP";
  c->deliver = session.deliver;
  blocking->Add(c);
  session.blocked = std::move(c);
  session.is_blocked.store(true, std::memory_order_relaxed);
  return true;
}

}  // namespace carmine
