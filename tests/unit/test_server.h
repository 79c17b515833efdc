// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// In-process test harness: a TestServer owns the real command registry, dispatcher and databases,
// and a fake connection (a Session plus a reply buffer). Run({"set","k","v"}) dispatches exactly
// as a socket connection would (arity, auth and locking included) and parses the RESP bytes back
// into a Reply tree for assertions. Time is manual: AdvanceTime(ms) moves the clock.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "acl/acl.h"
#include "base/config.h"
#include "commands/blocking.h"
#include "commands/dispatcher.h"
#include "commands/options.h"
#include "commands/registry.h"
#include "commands/session.h"
#include "db/db_set.h"

namespace carmine::testing {

struct Reply {
  enum Type { kStatus, kError, kInt, kBulk, kNil, kArray, kMap, kSet, kDouble, kBool, kPush,
              kBlocked };
  Type type = kNil;
  std::string str;
  int64_t integer = 0;
  std::vector<Reply> elems;

  // Compares against a string: matches status and bulk replies, and errors by full text.
  bool operator==(const std::string& s) const {
    return (type == kStatus || type == kBulk || type == kError || type == kDouble) && str == s;
  }
  bool operator==(const char* s) const { return *this == std::string(s); }
  std::string Debug() const;
};
std::ostream& operator<<(std::ostream& os, const Reply& r);

// Parses one complete RESP2/RESP3 value from `data` starting at *pos.
bool ParseReply(const std::string& data, size_t* pos, Reply* out);

class TestServer {
 public:
  explicit TestServer(int shards = 4, bool locking = true);
  ~TestServer();

  Reply Run(std::vector<std::string> args) { return RunAs(session_, std::move(args)); }
  // Runs as another client (several threads may call this, each with its own Session).
  Reply RunAs(Session& session, std::vector<std::string> args);
  // Raw RESP bytes of the last reply.
  const std::string& raw() const { return raw_; }
  Session& session() { return session_; }
  DbSet& dbs() { return *dbs_; }
  RuntimeOptions& opts() { return opts_; }
  Acl& acl() { return acl_; }
  config::Registry& config() { return config_; }
  Dispatcher& dispatcher() { return *dispatcher_; }
  // For families above commands/ (scripting): added before the first Run.
  CommandRegistry& registry() { return registry_; }
  static void AdvanceTime(int64_t ms);
  // Commands propagated since the last call (each as "db:ARG ARG ..."), then cleared.
  std::vector<std::string> TakePropagated();
  // Keyspace events reported since the last call (each as "db:event:key"), then cleared. Only
  // the classes enabled with dbs().set_notify_flags() are reported.
  std::vector<std::string> TakeEvents();

 private:
  CommandRegistry registry_;
  std::unique_ptr<DbSet> dbs_;
  config::Registry config_;  // before the options, which register themselves in it
  RuntimeOptions opts_{config_};
  Acl acl_{config_, registry_};
  std::unique_ptr<Dispatcher> dispatcher_;
  Session session_;
  std::string raw_;  // last reply of Run() (the default session)
  struct Capture;
  std::unique_ptr<Capture> capture_;
};

// Fixture for family tests.
class CommandTest : public ::testing::Test {
 protected:
  Reply Run(std::vector<std::string> args) { return server_.Run(std::move(args)); }
  void AdvanceTime(int64_t ms) { TestServer::AdvanceTime(ms); }
  TestServer server_;
};

// Matchers.
::testing::AssertionResult IsInt(const Reply& r, int64_t v);
::testing::AssertionResult IsNil(const Reply& r);
::testing::AssertionResult IsErr(const Reply& r, const std::string& prefix);
::testing::AssertionResult IsArray(const Reply& r, const std::vector<std::string>& items);
#define EXPECT_INT(reply, v) EXPECT_TRUE(::carmine::testing::IsInt((reply), (v)))
#define EXPECT_NIL(reply) EXPECT_TRUE(::carmine::testing::IsNil((reply)))
#define EXPECT_ERR(reply, prefix) EXPECT_TRUE(::carmine::testing::IsErr((reply), (prefix)))
#define EXPECT_ARRAY(reply, ...) EXPECT_TRUE(::carmine::testing::IsArray((reply), __VA_ARGS__))

}  // namespace carmine::testing
