// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// MEMORY USAGE/STATS/DOCTOR/PURGE/MALLOC-STATS/HELP, and the MemoryReport behind them and INFO.
#include <string>

#include "base/memory_probe.h"
#include "base/strutil.h"
#include "db/db.h"
#include "protocol/errors.h"
#include "server/connection.h"
#include "server/memory.h"
#include "server/memory_report.h"
#include "server/server.h"

namespace carmine {

double MemoryReport::dataset_perc() const {
  size_t net = used > startup ? used - startup : 0;
  return net ? 100.0 * dataset / net : 0;
}
double MemoryReport::allocator_frag_ratio() const {
  return allocator_allocated ? static_cast<double>(allocator_active) / allocator_allocated : 0;
}
double MemoryReport::allocator_rss_ratio() const {
  return allocator_active ? static_cast<double>(allocator_resident) / allocator_active : 0;
}
double MemoryReport::rss_overhead_ratio() const {
  return allocator_resident ? static_cast<double>(rss) / allocator_resident : 0;
}

size_t UpdateMemoryPeak(Server& s, size_t used) {
  auto& peak = s.stats().peak_memory;
  size_t p = peak.load(std::memory_order_relaxed);
  while (used > p && !peak.compare_exchange_weak(p, used)) {
  }
  return std::max(p, used);
}

MemoryReport BuildMemoryReport(Server& s) {
  MemoryReport r;
  r.used = mem::UsedMemory();
  r.peak = UpdateMemoryPeak(s, r.used);
  r.startup = s.stats().startup_memory.load(std::memory_order_relaxed);
  r.rss = mem::ProcessRss();
  r.allocator_allocated = mem::Allocated();
  r.allocator_active = mem::Active();
  r.allocator_resident = mem::Resident();
  s.ForEachClient([&](Connection* c, Worker*) {
    // Replicas hold their output buffers and, beyond the backlog's own size, the part of the
    // stream they still need (shared by all of them, counted once), as Redis counts them.
    const Session& cs = c->session();
    if (cs.is_replica.load(std::memory_order_relaxed)) {
      r.clients_replicas += ClientMemory(cs);
    } else {
      r.clients_normal += ClientMemory(cs);
    }
  });
  if (s.repl_master().backlog_active() && r.clients_replicas > 0) {
    const ReplBacklog& b = s.repl_master().backlog();
    uint64_t held = b.held_bytes(), size = b.size();
    r.clients_replicas += held > size ? held - size : 0;
  }
  DbSet& dbs = s.dbs();
  size_t tables = 0;
  // While loading, the tables belong to the loader alone (it fills them without locks).
  for (int db = 0; db < dbs.num_dbs() && !dbs.loading(); db++) {
    MemoryReport::DbOverhead o{db, 0, 0};
    size_t keys = 0;
    VisitShardsLocked(dbs, db, [&](uint32_t, ShardData& d) {
      keys += d.table.size();
      // Per entry: the chain pointer, key length and lru/flags words; the TTL trailer.
      o.main += d.table.BucketBytes() + d.table.size() * 16;
      o.expires += d.volatile_keys.capacity() * sizeof(Entry*) + d.volatile_keys.size() * kEntryTrailer;
    });
    r.keys += keys;
    tables += o.main + o.expires;
    if (keys > 0) r.dbs.push_back(o);
  }
  r.overhead = r.startup + r.clients_normal + r.clients_replicas + tables;
  r.dataset = r.used > r.overhead ? r.used - r.overhead : 0;
  return r;
}

namespace {
// MEMORY USAGE key [SAMPLES count]: the entry block, the value's own allocations and the key's
// bucket slot. Collections are measured in full (SAMPLES is accepted and validated).
void CmdMemoryUsage(ArgList args, CommandContext& ctx) {
  for (size_t i = 3; i < args.size(); i++) {
    if (EqualsIgnoreCase(args[i], "samples") && i + 1 < args.size()) {
      int64_t n;
      if (!ParseInt64(args[i + 1], &n)) {
        ctx.rb.Error(err::kNotInt);
        return;
      }
      if (n < 0) {
        ctx.rb.Error(err::kSyntax);
        return;
      }
      i++;
    } else {
      ctx.rb.Error(err::kSyntax);
      return;
    }
  }
  Entry* e = ctx.db().Peek(args[2]);
  if (e == nullptr || ctx.db().IsExpired(e)) {
    ctx.rb.Null();
    return;
  }
  ctx.rb.Int(static_cast<int64_t>(EntryAllocSize(e) + e->value.HeapBytes() + sizeof(Entry*)));
}

void CmdMemoryStats(Server& s, ArgList, CommandContext& ctx) {
  MemoryReport m = BuildMemoryReport(s);
  ReplyBuilder& rb = ctx.rb;
  rb.MapLen(static_cast<int64_t>(27 + m.dbs.size()));
  auto num = [&](const char* k, int64_t v) {
    rb.Bulk(k);
    rb.Int(v);
  };
  auto dbl = [&](const char* k, double v) {
    rb.Bulk(k);
    rb.Double(v);
  };
  num("peak.allocated", static_cast<int64_t>(m.peak));
  num("total.allocated", static_cast<int64_t>(m.used));
  num("startup.allocated", static_cast<int64_t>(m.startup));
  num("replication.backlog", 0);
  num("clients.slaves", static_cast<int64_t>(m.clients_replicas));
  num("clients.normal", static_cast<int64_t>(m.clients_normal));
  num("cluster.links", 0);
  num("aof.buffer", 0);
  num("lua.caches", 0);
  num("functions.caches", 0);
  for (auto& d : m.dbs) {
    rb.Bulk("db." + std::to_string(d.db));
    rb.MapLen(3);
    num("overhead.hashtable.main", static_cast<int64_t>(d.main));
    num("overhead.hashtable.expires", static_cast<int64_t>(d.expires));
    num("overhead.hashtable.slot-to-keys", 0);
  }
  num("overhead.total", static_cast<int64_t>(m.overhead));
  num("keys.count", static_cast<int64_t>(m.keys));
  num("keys.bytes-per-key",
      m.keys ? static_cast<int64_t>((m.used > m.startup ? m.used - m.startup : 0) / m.keys) : 0);
  num("dataset.bytes", static_cast<int64_t>(m.dataset));
  dbl("dataset.percentage", m.dataset_perc());
  dbl("peak.percentage", m.peak_perc());
  num("allocator.allocated", static_cast<int64_t>(m.allocator_allocated));
  num("allocator.active", static_cast<int64_t>(m.allocator_active));
  num("allocator.resident", static_cast<int64_t>(m.allocator_resident));
  dbl("allocator-fragmentation.ratio", m.allocator_frag_ratio());
  num("allocator-fragmentation.bytes",
      static_cast<int64_t>(m.allocator_active) - static_cast<int64_t>(m.allocator_allocated));
  dbl("allocator-rss.ratio", m.allocator_rss_ratio());
  num("allocator-rss.bytes",
      static_cast<int64_t>(m.allocator_resident) - static_cast<int64_t>(m.allocator_active));
  dbl("rss-overhead.ratio", m.rss_overhead_ratio());
  num("rss-overhead.bytes", static_cast<int64_t>(m.rss) - static_cast<int64_t>(m.allocator_resident));
  dbl("fragmentation", m.frag_ratio());
  num("fragmentation.bytes", m.frag_bytes());
}

// MEMORY DOCTOR: a plain-language report on the conditions that usually explain memory trouble.
void CmdMemoryDoctor(Server& s, ArgList, CommandContext& ctx) {
  MemoryReport m = BuildMemoryReport(s);
  std::string out;
  if (m.used < 5 * 1024 * 1024) {
    out = "Memory report: this instance holds less than 5 MB, too little to diagnose anything "
          "meaningful. Load some data and ask again.\n";
    ctx.rb.Verbatim(out);
    return;
  }
  std::vector<std::string> issues;
  if (m.peak > m.used * 3 / 2) {
    issues.push_back(
        "* Peak memory: usage once reached " + std::to_string(m.peak) + " bytes, more than 150% "
        "of the current " + std::to_string(m.used) + ". RSS may stay high: the allocator keeps "
        "pages it already has. MEMORY PURGE asks it to return unused ones.");
  }
  if (m.frag_ratio() > 1.4 && m.frag_bytes() > 10 * 1024 * 1024) {
    char buf[64];
    snprintf(buf, sizeof(buf), "%.2f", m.frag_ratio());
    issues.push_back(std::string("* High fragmentation: RSS is ") + buf +
                     " times the allocated memory. Deleting many keys leaves partly used pages; "
                     "MEMORY PURGE or a restart gives them back.");
  }
  if (m.keys > 0 && m.clients_normal > m.dataset / 2 && m.clients_normal > 16 * 1024 * 1024) {
    issues.push_back("* Client buffers: " + std::to_string(m.clients_normal) +
                     " bytes are held by client query and output buffers. Look for slow readers "
                     "and large pipelines in CLIENT LIST (qbuf, omem); client-output-buffer-limit "
                     "caps them.");
  }
  int64_t max = s.opts().maxmemory.get();
  if (max > 0 && m.used > static_cast<size_t>(max)) {
    issues.push_back("* Over maxmemory: " + std::to_string(m.used) + " bytes used with maxmemory " +
                     std::to_string(max) + "; eviction (maxmemory-policy " +
                     s.opts().maxmemory_policy.Get() + ") is catching up.");
  }
  if (issues.empty()) {
    out = "Memory report: no problems found. Used memory, fragmentation and client buffers all "
          "look healthy.\n";
  } else {
    out = "Memory report: found the following:\n\n";
    for (auto& i : issues) out += i + "\n\n";
  }
  ctx.rb.Verbatim(out);
}

void CmdMemoryPurge(ArgList, CommandContext& ctx) {
  if (mem::Purge()) {
    ctx.rb.Ok();
  } else {
    ctx.rb.Error(err::kPurgeFailed);
  }
}

void CmdMemoryMallocStats(ArgList, CommandContext& ctx) { ctx.rb.Verbatim(mem::MallocStats()); }

void CmdMemoryHelp(ArgList, CommandContext& ctx) {
  ReplyHelp(ctx, {
      "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "DOCTOR",
      "    Return memory problems reports.",
      "MALLOC-STATS",
      "    Return internal statistics report from the memory allocator.",
      "PURGE",
      "    Attempt to purge dirty pages for reclamation by the allocator.",
      "STATS",
      "    Return information about the memory usage of the server.",
      "USAGE <key> [SAMPLES <count>]",
      "    Return memory in bytes used by <key> and its value. Nested values are",
      "    sampled up to <count> times (default: 5, 0 means sample all).",
      "HELP",
      "    Print this help.",
  });
}
}  // namespace

void RegisterMemoryFamily(CommandRegistry& r, Server& s) {
  r.Add({"MEMORY", -2, 0, 0, 0, 0, 0, nullptr, "server", "4.0.0",
         "A container for memory diagnostics commands.", "Depends on subcommand."});
  r.AddSub("MEMORY", {"USAGE", -3, kReadOnly, 2, 2, 1, 0, &CmdMemoryUsage, "server", "4.0.0",
                      "Estimates the memory usage of a key.",
                      "O(N) where N is the number of samples."})
      .KeyFlags("RO")
      .Args("key:key [SAMPLES=count:integer]");
  r.AddSub("MEMORY", {"STATS", 2, 0, 0, 0, 0, 0, Handler::Bind<CmdMemoryStats>(&s), "server", "4.0.0",
                      "Returns details about memory usage.", "O(1)"})
      .Lock(LockMode::kSelf)
      .tips = {"nondeterministic_output", "request_policy:all_shards",
               "response_policy:special"};
  r.AddSub("MEMORY", {"DOCTOR", 2, 0, 0, 0, 0, 0, Handler::Bind<CmdMemoryDoctor>(&s), "server", "4.0.0",
                      "Outputs a memory problems report.", "O(1)"})
      .Lock(LockMode::kSelf)
      .tips = {"nondeterministic_output", "request_policy:all_shards",
               "response_policy:special"};
  r.AddSub("MEMORY", {"PURGE", 2, 0, 0, 0, 0, 0, &CmdMemoryPurge, "server", "4.0.0",
                      "Asks the allocator to release memory.",
                      "Depends on how much memory is allocated, could be slow"})
      .Lock(LockMode::kNone)
      .tips = {"request_policy:all_shards", "response_policy:all_succeeded"};
  r.AddSub("MEMORY", {"MALLOC-STATS", 2, 0, 0, 0, 0, 0, &CmdMemoryMallocStats, "server", "4.0.0",
                      "Returns the allocator statistics.",
                      "Depends on how much memory is allocated, could be slow"})
      .Lock(LockMode::kNone)
      .tips = {"nondeterministic_output", "request_policy:all_shards",
               "response_policy:special"};
  r.AddSub("MEMORY", {"HELP", 2, kLoading | kStale, 0, 0, 0, 0, &CmdMemoryHelp, "server", "4.0.0",
                      "Returns helpful text about the different subcommands.", "O(1)"})
      .Lock(LockMode::kNone);
}

}  // namespace carmine
