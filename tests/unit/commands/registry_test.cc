// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// The command table's startup validation: every family's declarations pass it, and the
// mistakes it exists to catch (a name added twice, a protected command without a gate) fail it.
#include "commands/families.h"
#include "commands/registry.h"

#include <gtest/gtest.h>

namespace carmine {
namespace {

void Noop(ArgList, CommandContext&) {}

TEST(RegistryTest, CoreFamiliesValidate) {
  CommandRegistry r;
  RegisterCoreFamilies(r);
  EXPECT_EQ(r.Validate(), "");
  const CommandSpec* load = r.Find("module");
  ASSERT_NE(load, nullptr);
  EXPECT_EQ(load->subcommands.at("load")->gate, CommandGate::kModule);
  EXPECT_EQ(load->subcommands.at("list")->gate, CommandGate::kNone);
}

TEST(RegistryTest, RefusesADuplicateName) {
  CommandRegistry r;
  r.Add({"FOO", 1, 0, 0, 0, 0, 0, &Noop, "server", "1.0.0", "", ""});
  r.Add({"foo", 1, 0, 0, 0, 0, 0, &Noop, "server", "1.0.0", "", ""});
  EXPECT_EQ(r.Validate(), "foo: added twice");
}

TEST(RegistryTest, ProtectedNeedsAGate) {
  CommandRegistry r;
  r.Add({"FOO", 1, kProtected, 0, 0, 0, 0, &Noop, "server", "1.0.0", "", ""});
  EXPECT_EQ(r.Validate(), "foo: protected without a gate (use Gated)");
  CommandRegistry ok;
  ok.Add({"FOO", 1, 0, 0, 0, 0, 0, &Noop, "server", "1.0.0", "", ""}).Gated(CommandGate::kDebug);
  EXPECT_EQ(ok.Validate(), "");
  EXPECT_TRUE(ok.Find("foo")->flags & kProtected);
}

}  // namespace
}  // namespace carmine
