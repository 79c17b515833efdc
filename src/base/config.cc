// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "base/config.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <deque>
#include <map>
#include <set>
#include <sstream>

#include "base/strutil.h"
#include "base/version.h"

namespace carmine::config {

Option::Option(Registry& reg, std::string_view name, uint32_t flags,
               std::initializer_list<std::string_view> aliases)
    : name_(name), aliases_(aliases), flags_(flags) {
  reg.Add(this);
}

// ---- typed options ------------------------------------------------------------------------------

Bool::Bool(Registry& reg, std::string_view name, bool dflt, uint32_t flags,
           std::initializer_list<std::string_view> aliases, Check<bool> check)
    : Option(reg, name, flags, aliases), v_(dflt), dflt_(dflt), check_(std::move(check)) {}

std::string Bool::Set(Words words, Source) {
  bool v;
  if (EqualsIgnoreCase(words[0], "yes")) {
    v = true;
  } else if (EqualsIgnoreCase(words[0], "no")) {
    v = false;
  } else {
    return "argument must be 'yes' or 'no'";
  }
  if (check_) {
    if (std::string e = check_(v); !e.empty()) return e;
  }
  v_.store(v, std::memory_order_relaxed);
  return "";
}

bool ParseMemoryValue(std::string_view s, uint64_t* out) {
  size_t digits = 0;
  while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') digits++;
  std::string_view unit = s.substr(digits);
  uint64_t mul;
  if (unit.empty() || EqualsIgnoreCase(unit, "b")) {
    mul = 1;
  } else if (EqualsIgnoreCase(unit, "k")) {
    mul = 1000;
  } else if (EqualsIgnoreCase(unit, "kb")) {
    mul = 1024;
  } else if (EqualsIgnoreCase(unit, "m")) {
    mul = 1000 * 1000;
  } else if (EqualsIgnoreCase(unit, "mb")) {
    mul = 1024 * 1024;
  } else if (EqualsIgnoreCase(unit, "g")) {
    mul = 1000ULL * 1000 * 1000;
  } else if (EqualsIgnoreCase(unit, "gb")) {
    mul = 1024ULL * 1024 * 1024;
  } else {
    return false;
  }
  uint64_t v = 0;
  for (size_t i = 0; i < digits; i++) {
    uint64_t d = static_cast<uint64_t>(s[i] - '0');
    if (v > (UINT64_MAX - d) / 10) {
      v = UINT64_MAX;
      break;
    }
    v = v * 10 + d;
  }
  *out = v > UINT64_MAX / mul ? UINT64_MAX : v * mul;
  return true;
}

template <typename T>
std::string Int<T>::Set(Words words, Source) {
  const std::string& s = words[0];
  int64_t v;
  if (has(kMemory)) {
    uint64_t m;
    if (!ParseMemoryValue(s, &m)) return "argument must be a memory value";
    v = m > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(m);
    if (m > static_cast<uint64_t>(max_)) {
      return "argument must be between " + std::to_string(min_) + " and " + std::to_string(max_) +
             " inclusive";
    }
  } else if (!ParseInt64(s, &v)) {
    return "argument couldn't be parsed into an integer";
  }
  if (v < min_ || v > max_) {
    return "argument must be between " + std::to_string(min_) + " and " + std::to_string(max_) +
           " inclusive";
  }
  if (check_) {
    if (std::string e = check_(v); !e.empty()) return e;
  }
  v_.store(static_cast<T>(v), std::memory_order_relaxed);
  return "";
}

template <typename T>
std::vector<std::string> Int<T>::FileValues() const {
  return {has(kMemory) ? FormatMemory(get()) : std::to_string(get())};
}

template class Int<int>;
template class Int<int64_t>;

Enum::Enum(Registry& reg, std::string_view name, int dflt, Names names, uint32_t flags,
           std::initializer_list<std::string_view> aliases, Check<int> check)
    : Option(reg, name, flags, aliases),
      v_(dflt),
      dflt_(dflt),
      names_(std::move(names)),
      check_(std::move(check)) {}

std::string Enum::NameOf(int v) const {
  for (auto& [n, x] : names_) {
    if (x == v) return std::string(n);
  }
  return "";
}

std::string Enum::Set(Words words, Source) {
  for (auto& [n, x] : names_) {
    if (!EqualsIgnoreCase(n, words[0])) continue;
    if (check_) {
      if (std::string e = check_(x); !e.empty()) return e;
    }
    v_.store(x, std::memory_order_relaxed);
    return "";
  }
  std::string list;
  for (auto& [n, x] : names_) {
    if (!list.empty()) list += ", ";
    list += n;
  }
  return "argument(s) must be one of the following: " + list;
}

String::String(Registry& reg, std::string_view name, std::string dflt, uint32_t flags,
               std::initializer_list<std::string_view> aliases, Check<std::string> check)
    : Option(reg, name, flags, aliases), v_(dflt), dflt_(std::move(dflt)), check_(std::move(check)) {}

std::string String::Set(Words words, Source) {
  if (check_) {
    if (std::string e = check_(words[0]); !e.empty()) return e;
  }
  std::lock_guard<std::mutex> l(mu_);
  v_ = words[0];
  return "";
}

std::vector<std::string> String::FileValues() const {
  std::string q;
  AppendQuoted(&q, get());
  return {q};
}

Custom::Custom(Registry& reg, std::string_view name, uint32_t flags, SetFn set, GetFn get,
               std::initializer_list<std::string_view> aliases, FileFn file)
    : Option(reg, name, flags, aliases),
      set_(std::move(set)),
      get_(std::move(get)),
      file_(std::move(file)) {}

// ---- registry -----------------------------------------------------------------------------------

void Registry::Add(Option* o) { options_.push_back(o); }

void Registry::AddDirective(std::string_view name, DirectiveFn fn) {
  directives_.emplace_back(ToLower(name), std::move(fn));
}

Option* Registry::Find(std::string_view name) const {
  for (Option* o : options_) {
    if (EqualsIgnoreCase(o->name(), name)) return o;
    for (auto a : o->aliases()) {
      if (EqualsIgnoreCase(a, name)) return o;
    }
  }
  return nullptr;
}

std::string Registry::Validate() const {
  std::set<std::string> seen;
  for (Option* o : options_) {
    if (!seen.insert(ToLower(o->name())).second) return "duplicate config " + std::string(o->name());
    for (auto a : o->aliases()) {
      if (!seen.insert(ToLower(a)).second) return "duplicate config alias " + std::string(a);
    }
  }
  for (auto& [n, fn] : directives_) {
    if (seen.count(n)) return "directive " + n + " is also a config";
  }
  return "";
}

void Registry::SealDefaults() {
  for (Option* o : options_) {
    if (auto* c = dynamic_cast<Custom*>(o)) c->dflt_ = c->Get();
  }
}

std::string FatalConfigError(int line, std::string_view text, std::string_view reason) {
  std::string s = "\n*** FATAL CONFIG FILE ERROR (Redis ";
  s.append(version::kRedis).append(") ***\nReading the configuration file, at line ");
  s.append(std::to_string(line)).append("\n>>> '").append(text).append("'\n").append(reason);
  return s;
}

Status Registry::Load(std::string_view text, const std::string& origin) {
  return LoadLines(text, origin, 0, 0);
}

Status Registry::LoadLines(std::string_view text, const std::string& origin, int depth,
                           int line_offset) {
  int lineno = line_offset;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view raw = text.substr(pos, eol - pos);
    pos = eol + 1;
    lineno++;
    // Leading and trailing blanks are not part of the line, as in Redis.
    size_t b = raw.find_first_not_of(" \t\r\n");
    if (b == std::string_view::npos) continue;
    size_t e = raw.find_last_not_of(" \t\r\n");
    std::string_view line = raw.substr(b, e - b + 1);
    if (line[0] == '#') continue;
    std::vector<std::string> argv;
    if (!SplitArgs(line, &argv)) {
      return Status::Error(FatalConfigError(lineno, line, "Unbalanced quotes in configuration line"));
    }
    if (argv.empty()) continue;
    std::string name = ToLower(argv[0]);
    Words args(argv.data() + 1, argv.size() - 1);
    auto fail = [&](std::string_view why) {
      return Status::Error(FatalConfigError(lineno, line, why));
    };
    if (name == "include" && args.size() == 1) {
      if (depth >= 10) return fail("Too deep include nesting");
      std::ifstream f(args[0]);
      if (!f) {
        return Status::Error("Fatal error, can't open config file '" + args[0] +
                             "': " + strerror(errno));
      }
      std::stringstream ss;
      ss << f.rdbuf();
      Status s = LoadLines(ss.str(), args[0], depth + 1, 0);
      if (!s.ok()) return s;
      continue;
    }
    auto dir = std::find_if(directives_.begin(), directives_.end(),
                            [&](auto& d) { return d.first == name; });
    if (dir != directives_.end()) {
      std::string why = dir->second(args);
      if (!why.empty()) return fail(why);
      continue;
    }
    Option* o = Find(name);
    if (o == nullptr) return fail("Bad directive or wrong number of arguments");
    if (!o->has(kMultiArg) && args.size() != 1) return fail("wrong number of arguments");
    std::string why;
    if (o->has(kMultiArg) && args.size() == 1) {
      // One quoted value ("3600 1") holds the words, as CONFIG SET passes them; an empty one
      // (or none at all) is an empty list.
      std::vector<std::string> words;
      if (!SplitArgs(args[0], &words)) return fail("Unbalanced quotes in configuration line");
      why = o->Set(words, Source::kFile);
    } else {
      why = o->Set(args, Source::kFile);
    }
    if (!why.empty()) return fail(why);
  }
  return Status::Ok();
}

SetError Registry::SetFromCommand(const std::vector<std::pair<std::string, std::string>>& pairs,
                                     bool allow_protected, bool loading) {
  std::lock_guard<std::mutex> l(mu_);
  struct Change {
    Option* opt;
    std::string old_value;
  };
  std::vector<Change> changes;
  auto failed = [](std::string_view name, std::string_view why) {
    return SetError{SetError::Kind::kFailed, std::string(name), std::string(why)};
  };
  // Every parameter is checked before anything changes: unknown names, duplicates, immutable
  // and protected ones fail the whole command up front, as in Redis.
  std::vector<Option*> opts;
  for (auto& [name, value] : pairs) {
    Option* o = Find(name);
    if (o == nullptr) return SetError{SetError::Kind::kUnknownOption, name, ""};
    if (std::find(opts.begin(), opts.end(), o) != opts.end()) return failed(name, "duplicate parameter");
    if (o->has(kImmutable)) return failed(name, "can't set immutable config");
    if (o->has(kProtected) && !allow_protected) return failed(name, "can't set protected config");
    if (o->has(kDenyLoading) && loading) return SetError{SetError::Kind::kLoading, name, ""};
    opts.push_back(o);
  }
  auto restore = [&] {
    for (auto it = changes.rbegin(); it != changes.rend(); ++it) {
      std::vector<std::string> words;
      if (it->opt->has(kMultiArg)) {
        SplitArgs(it->old_value, &words);
      } else {
        words.push_back(it->old_value);
      }
      it->opt->Set(words, Source::kConfigSet);
    }
  };
  for (size_t i = 0; i < pairs.size(); i++) {
    Option* o = opts[i];
    std::vector<std::string> words;
    if (o->has(kMultiArg)) {
      if (!SplitArgs(pairs[i].second, &words)) {
        restore();
        return failed(pairs[i].first, "Invalid argument");
      }
    } else {
      words.push_back(pairs[i].second);
    }
    std::string old = o->Get();
    std::string why = o->Set(words, Source::kConfigSet);
    if (!why.empty()) {
      restore();
      return failed(pairs[i].first, why);
    }
    changes.push_back({o, std::move(old)});
  }
  // Each distinct hook once, in the order the parameters were given.
  auto run_hooks = [&]() -> std::pair<size_t, std::string> {
    std::vector<const void*> ran;
    for (size_t i = 0; i < opts.size(); i++) {
      const Option::ApplyHook& hook = opts[i]->apply();
      if (!hook || std::find(ran.begin(), ran.end(), hook.get()) != ran.end()) continue;
      ran.push_back(hook.get());
      std::string why = (*hook)();
      if (!why.empty()) return {i, why};
    }
    return {0, ""};
  };
  auto [at, why] = run_hooks();
  if (!why.empty()) {
    restore();
    run_hooks();
    return failed(pairs[at].first, why);
  }
  return {};
}

std::vector<std::pair<std::string, std::string>> Registry::Match(
    std::span<const std::string_view> patterns) const {
  std::vector<std::pair<std::string, std::string>> out;
  std::set<std::string_view> added;
  for (std::string_view pat : patterns) {
    bool glob = pat.find_first_of("*?[") != std::string_view::npos;
    for (Option* o : options_) {
      auto consider = [&](std::string_view name) {
        bool match = glob ? (!o->has(kHidden) && GlobMatch(pat, name, true))
                          : EqualsIgnoreCase(pat, name);
        if (!match || !added.insert(name).second) return;
        out.emplace_back(std::string(name), o->Get());
      };
      consider(o->name());
      for (auto a : o->aliases()) consider(a);
    }
  }
  return out;
}

void Registry::SetRewriter(std::string_view directive,
                           std::function<std::vector<std::string>()> lines) {
  rewriters_.emplace_back(std::string(directive), std::move(lines));
}

Status Registry::Rewrite(const std::string& path, bool force_all) const {
  std::ifstream in(path);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  std::set<const Option*> written;
  std::vector<std::string> out;
  auto add_lines = [&out](const Option* o) {
    for (auto& v : o->FileValues()) out.push_back(std::string(o->name()) + " " + v);
  };
  static constexpr std::string_view kMarker = "# Generated by CONFIG REWRITE";
  // Regenerated directives: their new lines by key ("sentinel monitor"), consumed in order.
  auto key_of = [](const std::vector<std::string>& argv) {
    std::string k = ToLower(argv[0]);
    if (argv.size() > 1) {
      std::string sub = ToLower(argv[1]);
      if (sub == "known-slave") sub = "known-replica";  // the old name is rewritten as the new
      k += " " + sub;
    }
    return k;
  };
  std::map<std::string, std::deque<std::string>> fresh;
  std::vector<std::string> fresh_order;
  for (auto& [name, gen] : rewriters_) {
    for (auto& nl : gen()) {
      std::vector<std::string> argv;
      if (!SplitArgs(nl, &argv) || argv.empty()) continue;
      fresh[key_of(argv)].push_back(nl);
      fresh_order.push_back(nl);
    }
  }
  auto regenerated = [&](const std::string& name) {
    for (auto& [n, gen] : rewriters_) {
      if (EqualsIgnoreCase(n, name)) return true;
    }
    return false;
  };
  std::set<std::string> placed;
  for (auto& l : lines) {
    if (l.rfind(kMarker, 0) == 0) continue;
    std::vector<std::string> argv;
    size_t start = l.find_first_not_of(" \t");
    if (start == std::string::npos || l[start] == '#' || !SplitArgs(l, &argv) || argv.empty()) {
      out.push_back(l);
      continue;
    }
    if (regenerated(argv[0])) {
      auto it = fresh.find(key_of(argv));
      if (it != fresh.end() && !it->second.empty()) {
        out.push_back(it->second.front());
        placed.insert(it->second.front());
        it->second.pop_front();
      }
      continue;
    }
    const Option* o = Find(argv[0]);
    if (o == nullptr) {
      out.push_back(l);  // include, rename-command and other lines stay as they are
      continue;
    }
    // The first line of a directive is replaced by its current lines; repeats are dropped.
    if (written.insert(o).second) add_lines(o);
  }
  bool header = false;
  for (const Option* o : options_) {
    if (written.count(o)) continue;
    if (force_all ? o->has(kHidden) : o->Get() == o->DefaultText()) continue;
    if (!header) {
      out.emplace_back(kMarker);
      header = true;
    }
    add_lines(o);
  }
  for (auto& nl : fresh_order) {
    if (placed.count(nl)) continue;
    if (!header) {
      out.emplace_back(kMarker);
      header = true;
    }
    out.push_back(nl);
  }
  std::string tmp = path + ".tmp-rewrite";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::Error(strerror(errno));
  std::string body;
  for (auto& l : out) body.append(l).push_back('\n');
  size_t off = 0;
  while (off < body.size()) {
    ssize_t n = write(fd, body.data() + off, body.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = errno;
      close(fd);
      unlink(tmp.c_str());
      return Status::Error(strerror(e));
    }
    off += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0 || close(fd) != 0) {
    unlink(tmp.c_str());
    return Status::Error(strerror(errno));
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    unlink(tmp.c_str());
    return Status::Error(strerror(e));
  }
  return Status::Ok();
}

}  // namespace carmine::config
