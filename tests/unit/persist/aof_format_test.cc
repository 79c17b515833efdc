// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// AOF formats: the manifest (Redis 7's lines, quoting, the errors for malformed ones), the
// command reader (every prefix of a file is either whole commands or a truncation, never a
// crash; garbage is corruption), and the command-form base: writing a dataset as commands and
// replaying them through the dispatcher rebuilds the same values, TTLs and databases.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>

#include "base/clock.h"
#include "persist/aof_format.h"
#include "test_server.h"

namespace carmine::testing {
namespace {

using aof::CommandReader;
using Result = aof::CommandReader::Result;

TEST(AofManifest, ParsesAndWritesRedisLines) {
  aof::Manifest m;
  ASSERT_TRUE(aof::ParseManifest("file appendonly.aof.1.base.rdb seq 1 type b\n"
                                 "# a comment\n"
                                 "file appendonly.aof.1.incr.aof seq 1 type i\n"
                                 "file appendonly.aof.2.incr.aof seq 2 type i\n",
                                 &m)
                  .ok());
  ASSERT_TRUE(m.base.has_value());
  EXPECT_EQ(m.base->name, "appendonly.aof.1.base.rdb");
  EXPECT_EQ(m.incrs.size(), 2u);
  EXPECT_EQ(m.incr_seq, 2);
  EXPECT_EQ(m.base_seq, 1);
  EXPECT_EQ(m.Serialize(),
            "file appendonly.aof.1.base.rdb seq 1 type b\n"
            "file appendonly.aof.1.incr.aof seq 1 type i\n"
            "file appendonly.aof.2.incr.aof seq 2 type i\n");
  // Keys in any order; a name with a space is quoted and read back.
  ASSERT_TRUE(aof::ParseManifest("type b seq 3 file \"my aof.3.base.rdb\"\n", &m).ok());
  EXPECT_EQ(m.base->name, "my aof.3.base.rdb");
  EXPECT_EQ(m.Serialize(), "file \"my aof.3.base.rdb\" seq 3 type b\n");
  aof::Manifest back;
  ASSERT_TRUE(aof::ParseManifest(m.Serialize(), &back).ok());
  EXPECT_EQ(back.base->name, m.base->name);
}

TEST(AofManifest, RefusesMalformedManifestsWithRedisReasons) {
  using K = aof::ManifestError::Kind;
  auto reason = [](std::string_view text) {
    aof::Manifest m;
    return aof::ParseManifest(text, &m).reason;
  };
  EXPECT_EQ(reason("file a seq 1\n"), "Invalid AOF manifest file format");
  EXPECT_EQ(reason("file a seq x type i\n"), "Invalid AOF manifest file format");
  EXPECT_EQ(reason("file a seq 0 type h\n"), "Invalid AOF manifest file format");
  EXPECT_EQ(reason("file a seq 1 type i odd\n"), "Invalid AOF manifest file format");
  EXPECT_EQ(reason("file a seq 1 type z\n"), "Unknown AOF file type");
  EXPECT_EQ(reason("file dir/a seq 1 type i\n"), "File can't be a path, just a filename");
  EXPECT_EQ(reason("file \"unbalanced seq 1 type i\n"), "Invalid AOF manifest file format");
  EXPECT_EQ(reason("file a seq 1 type b\nfile b seq 2 type b\n"),
            "Found duplicate base file information");
  EXPECT_EQ(reason("file a seq 2 type i\nfile b seq 1 type i\n"),
            "Found a non-monotonic sequence number");
  EXPECT_EQ(reason(""), "Found an empty AOF manifest");
  EXPECT_EQ(reason("# only a comment\n"), "Found an empty AOF manifest");
  // Every line needs its newline, within 1024 bytes.
  EXPECT_EQ(reason("file a seq 1 type b"), "The AOF manifest file contains too long line");
  EXPECT_EQ(reason("file a seq 1 type b" + std::string(1010, ' ') + "\n"),
            "The AOF manifest file contains too long line");
  EXPECT_EQ(reason("file a seq 1 type b" + std::string(1000, ' ') + "\n"), "");
  // The failing line is reported by number (comments count) and trimmed.
  aof::Manifest m;
  aof::ManifestError e = aof::ParseManifest("# c\nfile a seq 1 type i\n  \n", &m);
  EXPECT_EQ(e.kind, K::kLine);
  EXPECT_EQ(e.line_no, 3);
  EXPECT_EQ(e.line, "");
  // What Redis accepts: a negative seq, a longer type word, unknown keys, keys in any order.
  EXPECT_TRUE(aof::ParseManifest("seq -1 type bb file a extra 3\n", &m).ok());
  EXPECT_EQ(m.base->seq, -1);
}

TEST(AofManifest, HistoryKeepsTheNewestFirst) {
  aof::Manifest m;
  ASSERT_TRUE(aof::ParseManifest("file b5 seq 5 type b\nfile i1 seq 1 type i\n"
                                 "file i2 seq 2 type i\n", &m).ok());
  m.MarkHistory(false);  // a rewrite done while the AOF is on keeps the newest incr
  m.base = aof::ManifestFile{"b6", 6, 'b'};
  m.MarkHistory(false);
  m.base = aof::ManifestFile{"b7", 7, 'b'};
  EXPECT_EQ(m.Serialize(),
            "file b7 seq 7 type b\n"
            "file b6 seq 6 type h\n"
            "file i1 seq 1 type h\n"
            "file b5 seq 5 type h\n"
            "file i2 seq 2 type i\n");
  m.MarkHistory(true);  // with the AOF off every incr file goes
  EXPECT_TRUE(m.incrs.empty());
  EXPECT_EQ(m.history.front().name, "i2");
  // Names that would not read back as one word are quoted with Redis's escapes.
  aof::Manifest q;
  q.base = aof::ManifestFile{" file seq \n\n.aof .2.base.rdb", 2, 'b'};
  EXPECT_EQ(q.Serialize(), "file \" file seq \\n\\n.aof .2.base.rdb\" seq 2 type b\n");
  aof::Manifest back;
  ASSERT_TRUE(aof::ParseManifest(q.Serialize(), &back).ok());
  EXPECT_EQ(back.base->name, q.base->name);
}

std::string Commands() {
  std::string s;
  aof::AppendCommand(&s, std::vector<std::string>{"SELECT", "0"});
  aof::AppendCommand(&s, std::vector<std::string>{"SET", "k", std::string("a\r\nb\0c", 6)});
  s += "#TS:1700000000\r\n";
  aof::AppendCommand(&s, std::vector<std::string>{"RPUSH", "l", "", "x"});
  return s;
}

TEST(AofCommandReader, ReadsCommandsAndSkipsAnnotations) {
  std::string data = Commands();
  CommandReader r(data);
  std::vector<std::string_view> args;
  ASSERT_EQ(r.Next(&args), Result::kCommand);
  EXPECT_EQ(args, (std::vector<std::string_view>{"SELECT", "0"}));
  ASSERT_EQ(r.Next(&args), Result::kCommand);
  EXPECT_EQ(args[2], std::string_view("a\r\nb\0c", 6));
  ASSERT_EQ(r.Next(&args), Result::kCommand);
  EXPECT_EQ(args, (std::vector<std::string_view>{"RPUSH", "l", "", "x"}));
  EXPECT_EQ(r.Next(&args), Result::kEnd);
  EXPECT_EQ(r.valid_offset(), data.size());
}

TEST(AofCommandReader, EveryPrefixIsWholeCommandsOrATruncation) {
  std::string data = Commands();
  for (size_t n = 0; n < data.size(); n++) {
    std::string cut = data.substr(0, n);
    CommandReader r(cut);
    std::vector<std::string_view> args;
    Result res;
    while ((res = r.Next(&args)) == Result::kCommand) {
    }
    EXPECT_TRUE(res == Result::kEnd || res == Result::kTruncated) << n;
    EXPECT_LE(r.valid_offset(), n);
    if (res == Result::kEnd) EXPECT_EQ(r.valid_offset(), n);
  }
}

TEST(AofCommandReader, GarbageIsCorruption) {
  for (std::string bad : {"SET k v\r\n", "*2\r\n$3\r\nGET\r\n:1\r\n", "*1\r\n$3\r\nGETXX\r\n",
                          "*-1\r\n", "*1\r\n$-5\r\n", "*x\r\n"}) {
    CommandReader r(bad);
    std::vector<std::string_view> args;
    EXPECT_EQ(r.Next(&args), Result::kCorrupt) << bad;
  }
}

class AofBaseTest : public CommandTest {};

// A key's type and contents, order-independent where the type is.
std::string Content(TestServer& t, const std::string& k) {
  std::string type = t.Run({"type", k}).str;
  std::vector<std::string> items;
  Reply r;
  if (type == "string") return type + ":" + t.Run({"get", k}).str;
  if (type == "list") r = t.Run({"lrange", k, "0", "-1"});
  if (type == "set") r = t.Run({"smembers", k});
  if (type == "hash") r = t.Run({"hgetall", k});
  if (type == "zset") r = t.Run({"zrange", k, "0", "-1", "withscores"});
  for (auto& e : r.elems) items.push_back(e.str);
  if (type == "set") std::sort(items.begin(), items.end());
  if (type == "hash") {
    std::vector<std::string> pairs;
    for (size_t i = 0; i + 1 < items.size(); i += 2) pairs.push_back(items[i] + "=" + items[i + 1]);
    std::sort(pairs.begin(), pairs.end());
    items = pairs;
  }
  std::string out = type + ":";
  for (auto& i : items) out += i + ",";
  return out + t.Run({"object", "encoding", k}).str;
}

TEST_F(AofBaseTest, CommandFormBaseRebuildsTheDataset) {
  Run({"set", "s", "hello"});
  Run({"set", "n", "12345"});
  Run({"set", "t", "v", "PX", "500000"});
  std::vector<std::string> push = {"rpush", "l"};
  for (int i = 0; i < 200; i++) push.push_back("e" + std::to_string(i));
  Run(push);
  Run({"sadd", "si", "1", "2", "3"});
  Run({"sadd", "ss", "a", "b", "c"});
  std::vector<std::string> hset = {"hset", "h"};
  for (int i = 0; i < 150; i++) {
    hset.push_back("f" + std::to_string(i));
    hset.push_back("v" + std::to_string(i));
  }
  Run(hset);
  Run({"zadd", "z", "1.5", "a", "-inf", "b", "3e100", "c"});
  Run({"pfadd", "hll", "a", "b"});
  Run({"select", "5"});
  Run({"set", "other", "db"});
  Run({"select", "0"});

  char tmpl[] = "/tmp/carmine-aof-test-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string path = std::string(tmpl) + "/base.aof";
  ASSERT_EQ(aof::WriteCommandsFile(server_.dbs(), path, carmine::clock::NowMs()), "");
  std::ifstream in(path, std::ios::binary);
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  unlink(path.c_str());
  rmdir(tmpl);

  TestServer replay;
  CommandReader r(data);
  std::vector<std::string_view> args;
  int commands = 0;
  while (r.Next(&args) == Result::kCommand) {
    replay.Run(std::vector<std::string>(args.begin(), args.end()));
    commands++;
  }
  // 200 list elements and 150 hash fields take several commands of at most 64 elements each.
  EXPECT_GE(commands, 4 + 12);
  ASSERT_EQ(replay.Run({"select", "0"}), "OK");
  for (std::string k : {"s", "n", "t", "l", "si", "ss", "h", "z", "hll"}) {
    EXPECT_EQ(Content(replay, k), Content(server_, k)) << k;
  }
  EXPECT_EQ(replay.Run({"object", "encoding", "si"}), "intset");
  int64_t ttl = replay.Run({"pttl", "t"}).integer;
  EXPECT_GT(ttl, 400000);
  EXPECT_EQ(replay.Run({"select", "5"}), "OK");
  EXPECT_EQ(replay.Run({"get", "other"}), "db");
}

}  // namespace
}  // namespace carmine::testing
