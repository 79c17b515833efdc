// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "commands/options.h"

#include <algorithm>
#include <cstdio>

#include "base/strutil.h"
#include "db/evict.h"
#include "db/notify.h"
#include "protocol/errors.h"

namespace carmine {
namespace {

config::Enum::Names PolicyNames() {
  config::Enum::Names out;
  const auto& names = EvictPolicyNames();
  for (size_t i = 0; i < names.size(); i++) out.emplace_back(names[i], static_cast<int>(i));
  return out;
}

std::string FormatPercentile(double d) {
  char buf[32];
  snprintf(buf, sizeof(buf), "%g", d);
  return buf;
}

}  // namespace

RuntimeOptions::RuntimeOptions(config::Registry& r)
    : registry(r),
      latency_tracking_info_percentiles(
          r, "latency-tracking-info-percentiles", config::kMultiArg,
          [this](config::Words w, config::Source) -> std::string {
            std::vector<double> out;
            for (auto& p : w) {
              double d;
              if (!ParseDouble(p, &d)) return "Invalid latency-tracking-info-percentiles parameters";
              if (d < 0 || d > 100) {
                return "latency-tracking-info-percentiles parameters should sit between "
                       "[0.0,100.0]";
              }
              out.push_back(d);
            }
            std::lock_guard<std::mutex> l(mu_);
            percentiles_ = std::move(out);
            return "";
          },
          [this] {
            std::lock_guard<std::mutex> l(mu_);
            std::string s;
            for (double d : percentiles_) s += (s.empty() ? "" : " ") + FormatPercentile(d);
            return s;
          }),
      notify_keyspace_events(
          r, "notify-keyspace-events", 0,
          [this](config::Words w, config::Source) -> std::string {
            uint32_t f;
            if (!ParseNotifyFlags(w[0], &f)) {
              return "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";
            }
            notify_flags.store(f, std::memory_order_relaxed);
            return "";
          },
          [this] { return NotifyFlagsToString(notify_flags.load(std::memory_order_relaxed)); }),
      client_output_buffer_limit(
          r, "client-output-buffer-limit", config::kMultiArg,
          [this](config::Words w, config::Source) -> std::string {
            // Groups of "class hard soft seconds"; none at all changes nothing.
            if (w.size() % 4 != 0) {
              return "Wrong number of arguments in buffer limit configuration.";
            }
            int64_t next[3][3];
            for (int i = 0; i < 3; i++) {
              for (int j = 0; j < 3; j++) next[i][j] = obuf_limits[i][j].load();
            }
            for (size_t i = 0; i < w.size(); i += 4) {
              std::string cls = ToLower(w[i]);
              int idx = cls == "normal"                        ? 0
                        : (cls == "slave" || cls == "replica") ? 1
                        : cls == "pubsub"                      ? 2
                                                               : -1;
              if (idx < 0) return "Invalid client class specified in buffer limit configuration.";
              int64_t hard, soft, secs;
              if (!ParseMemory(w[i + 1], &hard) || !ParseMemory(w[i + 2], &soft) ||
                  !ParseInt64(w[i + 3], &secs) || hard < 0 || soft < 0 || secs < 0) {
                return "Error in hard, soft or soft_seconds setting in buffer limit "
                       "configuration.";
              }
              next[idx][0] = hard;
              next[idx][1] = soft;
              next[idx][2] = secs;
            }
            for (int i = 0; i < 3; i++) {
              for (int j = 0; j < 3; j++) obuf_limits[i][j].store(next[i][j]);
            }
            return "";
          },
          [this] {
            static constexpr const char* kNames[] = {"normal", "slave", "pubsub"};
            std::string s;
            for (int i = 0; i < 3; i++) {
              if (i > 0) s += ' ';
              s += kNames[i];
              for (int j = 0; j < 3; j++) s += ' ' + std::to_string(obuf_limits[i][j].load());
            }
            return s;
          },
          {},
          // One line per class, with memory units, as Redis rewrites it.
          [this]() -> std::vector<std::string> {
            static constexpr const char* kNames[] = {"normal", "replica", "pubsub"};
            std::vector<std::string> lines;
            for (int i = 0; i < 3; i++) {
              lines.push_back(std::string(kNames[i]) + " " + FormatMemory(obuf_limits[i][0]) + " " +
                              FormatMemory(obuf_limits[i][1]) + " " +
                              std::to_string(obuf_limits[i][2].load()));
            }
            return lines;
          }),
      maxmemory_policy(r, "maxmemory-policy", static_cast<int>(EvictPolicy::kNoEviction),
                       PolicyNames()),
      maxmemory_clients_option(
          r, "maxmemory-clients", 0,
          // A memory value, or a percentage of maxmemory ("10%", kept negative).
          [this](config::Words w, config::Source) -> std::string {
            const std::string& v = w[0];
            if (!v.empty() && v.back() == '%') {
              int64_t pct;
              if (!ParseInt64(std::string_view(v).substr(0, v.size() - 1), &pct) || pct < 0) {
                return "argument must be a memory or percent value";
              }
              if (pct > 100) return "percentage argument must be less or equal to 100";
              maxmemory_clients.store(-pct);
              return "";
            }
            uint64_t bytes;
            if (!config::ParseMemoryValue(v, &bytes)) {
              return "argument must be a memory or percent value";
            }
            maxmemory_clients.store(bytes > INT64_MAX ? INT64_MAX : static_cast<int64_t>(bytes));
            return "";
          },
          [this] {
            int64_t v = maxmemory_clients.load();
            return v < 0 ? std::to_string(-v) + "%" : std::to_string(v);
          }) {}

std::string RuntimeOptions::SetForTest(std::string_view name, const std::string& value) {
  return err::ConfigSetReply(registry.SetFromCommand({{std::string(name), value}}, true, false));
}

}  // namespace carmine
