// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "server/server_options.h"

#include <locale.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include "base/strutil.h"

namespace carmine {
namespace {

// proc-title-template: text with {variables} among the ones Redis knows, not empty.
std::string CheckTitleTemplate(const std::string& t) {
  static constexpr std::string_view kBad = "template format is invalid or contains unknown variables";
  static constexpr std::string_view kVars[] = {"{title}",      "{listen-addr}", "{server-mode}",
                                               "{port}",       "{tls-port}",    "{unixsocket}",
                                               "{config-file}"};
  if (t.empty()) return std::string(kBad);
  size_t i = 0;
  while (i < t.size()) {
    if (t[i] == '}') return std::string(kBad);
    if (t[i] != '{') {
      i++;
      continue;
    }
    size_t end = t.find('}', i);
    if (end == std::string::npos) return std::string(kBad);
    std::string_view var(t.data() + i, end - i + 1);
    if (std::find(std::begin(kVars), std::end(kVars), var) == std::end(kVars)) {
      return std::string(kBad);
    }
    i = end + 1;
  }
  return "";
}

std::string CheckLocale(const std::string& name) {
  locale_t l = newlocale(LC_COLLATE_MASK, name.c_str(), static_cast<locale_t>(nullptr));
  if (l == static_cast<locale_t>(nullptr)) return "Invalid locale name";
  freelocale(l);
  return "";
}

constexpr std::pair<std::string_view, int> kShutdownNames[] = {
    {"save", kShutdownSave}, {"nosave", kShutdownNoSave}, {"now", kShutdownNow},
    {"force", kShutdownForce}};

// shutdown-on-sigterm/-sigint: a combination of save|nosave, now and force, or "default".
config::Custom ShutdownOption(config::Registry& r, std::string_view name, std::atomic<int>* v) {
  return config::Custom(
      r, name, config::kMultiArg,
      [v](config::Words w, config::Source) -> std::string {
        if (w.empty()) {
          return "argument(s) must be one of the following: default, save, nosave, now, force";
        }
        int flags = 0;
        for (auto& word : w) {
          if (EqualsIgnoreCase(word, "default")) continue;
          auto it = std::find_if(std::begin(kShutdownNames), std::end(kShutdownNames),
                                 [&](auto& p) { return EqualsIgnoreCase(p.first, word); });
          if (it == std::end(kShutdownNames)) {
            return "argument(s) must be one of the following: default, save, nosave, now, force";
          }
          flags |= it->second;
        }
        if ((flags & kShutdownSave) && (flags & kShutdownNoSave)) {
          return "shutdown options SAVE and NOSAVE can't be used simultaneously";
        }
        v->store(flags);
        return "";
      },
      [v] {
        std::string s;
        for (auto& [n, f] : kShutdownNames) {
          if (v->load() & f) s += (s.empty() ? "" : " ") + std::string(n);
        }
        return s.empty() ? std::string("default") : s;
      });
}

}  // namespace

ServerOptions::ServerOptions(config::Registry& r)
    : registry(r),
      bind(
          r, "bind", config::kMultiArg,
          [this](config::Words w, config::Source) -> std::string {
            if (w.size() > 16) return "Too many bind addresses specified.";
            std::vector<std::string> addrs;
            for (auto& a : w) {
              if (!a.empty()) addrs.push_back(a);
            }
            std::lock_guard<std::mutex> l(mu_);
            bind_ = std::move(addrs);
            bind_explicit_.store(true);
            return "";
          },
          [this] {
            std::lock_guard<std::mutex> l(mu_);
            std::string s;
            for (auto& b : bind_) s += (s.empty() ? "" : " ") + b;
            return s;
          }),
      unixsocketperm_option(
          r, "unixsocketperm", config::kImmutable,
          [this](config::Words w, config::Source) -> std::string {
            const std::string& s = w[0];
            char* end;
            errno = 0;
            long v = strtol(s.c_str(), &end, 8);
            if (s.empty() || *end != '\0' || errno != 0) {
              return "argument couldn't be parsed as an octal number";
            }
            if (v < 0 || v > 0777) return "argument must be between 0 and 777 inclusive";
            unixsocketperm_.store(static_cast<int>(v));
            return "";
          },
          [this] {
            char buf[16];
            snprintf(buf, sizeof(buf), "%o", unixsocketperm_.load());
            return std::string(buf);
          }),
      dir(
          r, "dir", config::kProtected | config::kDenyLoading,
          [](config::Words w, config::Source) -> std::string {
            if (chdir(w[0].c_str()) != 0) return strerror(errno);
            return "";
          },
          [] {
            char buf[PATH_MAX];
            return std::string(getcwd(buf, sizeof(buf)) ? buf : "");
          },
          {},
          [this]() -> std::vector<std::string> {
            std::string q;
            AppendQuoted(&q, dir.Get());
            return {q};
          }),
      hz_option(
          r, "hz", 0,
          // Any value is taken and then clamped to what the cron can do (1..500), as Redis does.
          [this](config::Words w, config::Source) -> std::string {
            int64_t v;
            if (!ParseInt64(w[0], &v)) return "argument couldn't be parsed into an integer";
            if (v < 0 || v > INT_MAX) {
              return "argument must be between 0 and " + std::to_string(INT_MAX) + " inclusive";
            }
            hz_.store(static_cast<int>(std::clamp<int64_t>(v, 1, 500)));
            return "";
          },
          [this] { return std::to_string(hz_.load()); }),
      proc_title_template(r, "proc-title-template", "{title} {listen-addr} {server-mode}", 0, {},
                          CheckTitleTemplate),
      locale_collate(r, "locale-collate", "", 0, {}, CheckLocale),
      oom_score_adj_values(
          r, "oom-score-adj-values", config::kMultiArg,
          [this](config::Words w, config::Source) -> std::string {
            if (w.size() != 3) return "wrong number of arguments";
            std::vector<int> vals;
            for (auto& s : w) {
              int64_t v;
              if (!ParseInt64(s, &v) || v < -2000 || v > 2000) {
                return "Invalid oom-score-adj-values, elements must be between -2000 and 2000.";
              }
              vals.push_back(static_cast<int>(v));
            }
            std::lock_guard<std::mutex> l(mu_);
            oom_values_ = std::move(vals);
            return "";
          },
          [this] {
            std::lock_guard<std::mutex> l(mu_);
            return std::to_string(oom_values_[0]) + " " + std::to_string(oom_values_[1]) + " " +
                   std::to_string(oom_values_[2]);
          }),
      shutdown_on_sigint(ShutdownOption(r, "shutdown-on-sigint", &sigint_)),
      shutdown_on_sigterm(ShutdownOption(r, "shutdown-on-sigterm", &sigterm_)) {}

}  // namespace carmine
