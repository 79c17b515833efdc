// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "persist/options.h"

#include "base/strutil.h"

namespace carmine {
namespace {
std::string NoPath(std::string_view what, const std::string& v, std::string_view kind) {
  if (v.find('/') == std::string::npos) return "";
  return std::string(what) + " can't be a path, just a " + std::string(kind);
}
}  // namespace

PersistOptions::PersistOptions(config::Registry& r)
    : registry(r),
      save(
          r, "save", config::kMultiArg,
          [this](config::Words w, config::Source src) -> std::string {
            if (w.size() % 2 != 0) return "Invalid save parameters";
            SaveRules rules;
            for (size_t i = 0; i + 1 < w.size(); i += 2) {
              int64_t secs, changes;
              if (!ParseInt64(w[i], &secs) || !ParseInt64(w[i + 1], &changes) || secs < 0 ||
                  changes < 0) {
                return "Invalid save parameters";
              }
              rules.emplace_back(secs, changes);
            }
            std::lock_guard<std::mutex> l(mu_);
            // In a file, `save` lines add up (the first replaces the built-in rules, `save ""`
            // clears); CONFIG SET replaces the whole list.
            if (src == config::Source::kFile && save_from_file_ && !rules.empty()) {
              save_rules_.insert(save_rules_.end(), rules.begin(), rules.end());
            } else {
              save_rules_ = std::move(rules);
            }
            if (src == config::Source::kFile) save_from_file_ = true;
            return "";
          },
          [this] {
            std::lock_guard<std::mutex> l(mu_);
            std::string s;
            for (auto& [secs, n] : save_rules_) {
              if (!s.empty()) s += ' ';
              s += std::to_string(secs) + " " + std::to_string(n);
            }
            return s;
          },
          {},
          [this]() -> std::vector<std::string> {
            std::string v = save.Get();
            return {v.empty() ? std::string("\"\"") : v};
          }),
      dbfilename(r, "dbfilename", "dump.rdb", config::kProtected, {},
                 [](const std::string& v) { return NoPath("dbfilename", v, "filename"); }),
      appendfilename(r, "appendfilename", "appendonly.aof", config::kImmutable, {},
                     [](const std::string& v) { return NoPath("appendfilename", v, "filename"); }),
      appenddirname(r, "appenddirname", "appendonlydir", config::kImmutable, {},
                    [](const std::string& v) { return NoPath("appenddirname", v, "dirname"); }) {}

}  // namespace carmine
