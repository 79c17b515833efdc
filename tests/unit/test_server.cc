// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "test_server.h"

#include <mutex>
#include <sstream>

#include "base/clock.h"
#include "base/strutil.h"
#include "commands/families.h"
#include "protocol/reply_builder.h"

namespace carmine::testing {

namespace {
bool ReadLine(const std::string& d, size_t* pos, std::string* line) {
  size_t e = d.find("\r\n", *pos);
  if (e == std::string::npos) return false;
  *line = d.substr(*pos, e - *pos);
  *pos = e + 2;
  return true;
}
}  // namespace

bool ParseReply(const std::string& d, size_t* pos, Reply* out) {
  if (*pos >= d.size()) return false;
  char t = d[(*pos)++];
  std::string line;
  if (!ReadLine(d, pos, &line)) return false;
  auto aggregate = [&](Reply::Type type, int64_t n) {
    out->type = type;
    if (n < 0) {
      out->type = Reply::kNil;
      return true;
    }
    for (int64_t i = 0; i < n; i++) {
      Reply e;
      if (!ParseReply(d, pos, &e)) return false;
      out->elems.push_back(std::move(e));
    }
    return true;
  };
  switch (t) {
    case '+':
      out->type = Reply::kStatus;
      out->str = line;
      return true;
    case '-':
      out->type = Reply::kError;
      out->str = line;
      return true;
    case ':':
      out->type = Reply::kInt;
      out->integer = std::stoll(line);
      return true;
    case '_':
      out->type = Reply::kNil;
      return true;
    case ',':
      out->type = Reply::kDouble;
      out->str = line;
      return true;
    case '#':
      out->type = Reply::kBool;
      out->integer = line == "t";
      return true;
    case '$':
    case '=': {
      int64_t n = std::stoll(line);
      if (n < 0) {
        out->type = Reply::kNil;
        return true;
      }
      out->type = Reply::kBulk;
      out->str = d.substr(*pos, n);
      if (t == '=') out->str = out->str.substr(4);
      *pos += n + 2;
      return true;
    }
    case '*':
      return aggregate(Reply::kArray, std::stoll(line));
    case '~':
      return aggregate(Reply::kSet, std::stoll(line));
    case '>':
      return aggregate(Reply::kPush, std::stoll(line));
    case '%':
      return aggregate(Reply::kMap, std::stoll(line) * 2);
  }
  return false;
}

std::string Reply::Debug() const {
  std::ostringstream os;
  switch (type) {
    case kStatus:
      os << "status(" << str << ")";
      break;
    case kError:
      os << "error(" << str << ")";
      break;
    case kInt:
      os << "int(" << integer << ")";
      break;
    case kBulk:
      os << "bulk(" << str << ")";
      break;
    case kNil:
      os << "nil";
      break;
    case kDouble:
      os << "double(" << str << ")";
      break;
    case kBool:
      os << "bool(" << integer << ")";
      break;
    default:
      os << "[";
      for (size_t i = 0; i < elems.size(); i++) os << (i ? ", " : "") << elems[i].Debug();
      os << "]";
  }
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const Reply& r) { return os << r.Debug(); }

// Records propagated commands and expirations, as the AOF/replication consumers will see them.
struct TestServer::Capture : PropagationSink, KeyspaceObserver {
  bool active() const override { return true; }
  void Append(int db, std::vector<std::string> args) override {
    std::string s = std::to_string(db) + ":";
    for (size_t i = 0; i < args.size(); i++) s += (i ? " " : "") + args[i];
    std::lock_guard<std::mutex> l(mu);
    log.push_back(s);
  }
  void OnKeyModified(int, std::string_view) override {}
  void OnKeyExpired(int db, std::string_view key) override {
    Append(db, {"DEL", std::string(key)});
  }
  void OnDbChanged(int) override {}
  void OnEvent(int db, uint32_t, std::string_view event, std::string_view key) override {
    std::lock_guard<std::mutex> l(mu);
    events.push_back(std::to_string(db) + ":" + std::string(event) + ":" + std::string(key));
  }
  std::mutex mu;
  std::vector<std::string> log;
  std::vector<std::string> events;
};

std::vector<std::string> TestServer::TakeEvents() {
  std::vector<std::string> out;
  std::lock_guard<std::mutex> l(capture_->mu);
  out.swap(capture_->events);
  return out;
}

std::vector<std::string> TestServer::TakePropagated() {
  std::vector<std::string> out;
  std::lock_guard<std::mutex> l(capture_->mu);
  out.swap(capture_->log);
  return out;
}

TestServer::TestServer(int shards, bool locking) {
  clock::SetManualTimeMs(1700000000000);
  RegisterCoreFamilies(registry_);
  acl_.Register(registry_);
  dbs_ = std::make_unique<DbSet>(16, shards, locking);
  dispatcher_ = std::make_unique<Dispatcher>(registry_, *dbs_, opts_, acl_);
  capture_ = std::make_unique<Capture>();
  dispatcher_->set_sink(capture_.get());
  dispatcher_->hooks().acl = [this](const CommandCheck& c, std::string* refusal) {
    return acl_.Check(c, refusal);
  };
  dbs_->set_observer(capture_.get());
  session_.id = 1;
  opts_.enable_debug_command.set(static_cast<int>(EnableMode::kYes));
}

TestServer::~TestServer() { clock::UseRealTime(); }

void TestServer::AdvanceTime(int64_t ms) { clock::AdvanceTimeMs(ms); }

Reply TestServer::RunAs(Session& session, std::vector<std::string> args) {
  std::vector<std::string_view> views(args.begin(), args.end());
  std::string out;
  ReplyBuilder rb(&out);
  rb.SetProtocol(session.resp);
  dispatcher_->Dispatch(ArgList(views.data(), views.size()), session, rb, clock::NowMs());
  Reply r;
  size_t pos = 0;
  if (out.empty() && session.blocked != nullptr) {
    r.type = Reply::kBlocked;  // no reply until a key gets data
    return r;
  }
  EXPECT_TRUE(ParseReply(out, &pos, &r)) << "unparsable reply: " << out;
  EXPECT_EQ(pos, out.size()) << "trailing bytes after reply: " << out;
  if (&session == &session_) raw_ = std::move(out);
  return r;
}

::testing::AssertionResult IsInt(const Reply& r, int64_t v) {
  if (r.type == Reply::kInt && r.integer == v) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "expected int(" << v << "), got " << r;
}

::testing::AssertionResult IsNil(const Reply& r) {
  if (r.type == Reply::kNil) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "expected nil, got " << r;
}

::testing::AssertionResult IsErr(const Reply& r, const std::string& prefix) {
  if (r.type == Reply::kError && r.str.rfind(prefix, 0) == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "expected error starting with '" << prefix << "', got " << r;
}

::testing::AssertionResult IsArray(const Reply& r, const std::vector<std::string>& items) {
  if (r.type != Reply::kArray || r.elems.size() != items.size())
    return ::testing::AssertionFailure() << "expected array of " << items.size() << ", got " << r;
  for (size_t i = 0; i < items.size(); i++) {
    if (!(r.elems[i] == items[i]) && !(items[i] == "(nil)" && r.elems[i].type == Reply::kNil))
      return ::testing::AssertionFailure()
             << "element " << i << ": expected " << items[i] << ", got " << r;
  }
  return ::testing::AssertionSuccess();
}

}  // namespace carmine::testing
