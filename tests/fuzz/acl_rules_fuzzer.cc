// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// libFuzzer target for the ACL rule parser. The input is split into rules (spaces and newlines)
// and applied to a fresh user as ACL SETUSER would apply them; a refused rule stops, as it stops
// ACL SETUSER. Whatever was built must describe itself (ACL LIST's line) in a form that, applied
// to a fresh user, gives the same description back: what ACL SAVE writes and ACL LOAD reads must
// round-trip. Then a few permission checks run against the result. Nothing may crash or leak.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "acl/acl.h"
#include "acl/user.h"
#include "base/strutil.h"
#include "commands/families.h"

namespace {

struct World {
  World() {
    carmine::RegisterCoreFamilies(registry);
    acl.Register(registry);
  }
  carmine::CommandRegistry registry;
  carmine::config::Registry config;
  carmine::Acl acl{config, registry};
};

std::vector<std::string> Split(std::string_view text) {
  std::vector<std::string> out;
  for (auto line : carmine::SplitWords(text, '\n')) {
    for (auto w : carmine::SplitWords(line)) out.emplace_back(w);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World* world = new World();  // NOLINT: process-lifetime fuzzing state
  if (size > 4096) return 0;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> rules;
  if (!carmine::Acl::MergeSelectorArgs(Split(text), &rules).empty()) return 0;
  carmine::AclUser u("fuzz", size > 0 && (data[0] & 1));
  for (auto& r : rules) {
    if (!u.Apply(r, world->registry, false).empty()) break;
  }
  // The description, read back the way an ACL file line is read, describes the same user
  // (unless a pattern holds a parenthesis, which the selector syntax cannot tell apart, in
  // Redis as here).
  std::string line = u.Describe();
  size_t parens = 0;
  for (char c : line) parens += c == '(' || c == ')';
  if (parens != 2 * u.selectors().size()) return 0;
  std::vector<std::string> words = Split(line);
  std::vector<std::string> again;
  if (!carmine::Acl::MergeSelectorArgs(std::vector<std::string>(words.begin() + 1, words.end()),
                                       &again).empty()) {
    __builtin_trap();
  }
  carmine::AclUser v("fuzz", false);
  for (auto& r : again) {
    if (!v.Apply(r, world->registry, false).empty()) __builtin_trap();
  }
  if (v.Describe() != line) __builtin_trap();
  // Checks against the result must not crash either.
  std::vector<std::string_view> get{"get", "k"}, set{"set", "key:1", "v"}, pub{"publish", "ch", "m"};
  for (auto* args : {&get, &set, &pub}) {
    const carmine::CommandSpec* spec = world->registry.Find((*args)[0]);
    if (spec == nullptr) continue;
    (void)u.root().AllowsCommand(spec, carmine::ArgList(args->data(), args->size()));
  }
  (void)u.root().AllowsKey("key:1", carmine::aclcore::kPermRead);
  (void)u.root().AllowsChannel("ch", false);
  return 0;
}
