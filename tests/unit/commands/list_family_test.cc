// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include <deque>
#include <random>

#include "core/list_object.h"
#include "test_server.h"

namespace carmine::testing {
namespace {

class ListFamilyTest : public CommandTest {};

TEST_F(ListFamilyTest, EncodingFollowsNodeLimit) {
  server_.opts().list_max_listpack_size.set(4);
  Run({"rpush", "l", "a", "b", "c", "d"});
  EXPECT_EQ(Run({"object", "encoding", "l"}), "listpack");
  Run({"rpush", "l", "e"});
  EXPECT_EQ(Run({"object", "encoding", "l"}), "quicklist");
  Run({"rpop", "l", "4"});
  EXPECT_EQ(Run({"object", "encoding", "l"}), "listpack");  // shrank to half the limit
  EXPECT_ARRAY(Run({"lrange", "l", "0", "-1"}), {"a"});
}

// Random list operations on both encodings against a std::deque model.
TEST(ListObjectTest, RandomOperationsMatchModel) {
  for (int64_t fill : {-2, -1, 3, 1}) {
    std::mt19937_64 rng(static_cast<uint64_t>(fill + 100));
    EncodingLimits lim;
    lim.list_max_listpack_size = fill;
    ListObject l;
    std::deque<std::string> model;
    auto value = [&] {
      return rng() % 3 ? std::to_string(rng() % 20) : std::string(rng() % 300, 'x');
    };
    for (int i = 0; i < 6000; i++) {
      int op = static_cast<int>(rng() % 8);
      if (op <= 1 || model.empty()) {
        std::string v = value();
        if (op == 0) {
          l.PushFront(v, lim);
          model.push_front(v);
        } else {
          l.PushBack(v, lim);
          model.push_back(v);
        }
      } else if (op == 2) {
        EXPECT_EQ(l.PopFront(lim), model.front());
        model.pop_front();
      } else if (op == 3) {
        EXPECT_EQ(l.PopBack(lim), model.back());
        model.pop_back();
      } else if (op == 4) {
        std::string v = std::to_string(rng() % 20);
        int64_t count = static_cast<int64_t>(rng() % 5) - 2;
        size_t removed = 0;
        if (count >= 0) {
          size_t limit = count == 0 ? SIZE_MAX : static_cast<size_t>(count);
          for (auto it = model.begin(); it != model.end() && removed < limit;) {
            if (*it == v) {
              it = model.erase(it);
              removed++;
            } else {
              ++it;
            }
          }
        } else {
          size_t limit = static_cast<size_t>(-count);
          for (size_t j = model.size(); j-- > 0 && removed < limit;) {
            if (model[j] == v) {
              model.erase(model.begin() + static_cast<long>(j));
              removed++;
            }
          }
        }
        EXPECT_EQ(l.Remove(v, count, lim), removed);
      } else if (op == 5) {
        size_t idx = rng() % model.size();
        std::string v = value();
        EXPECT_TRUE(l.Set(static_cast<int64_t>(idx), v, lim));
        model[idx] = v;
      } else if (op == 6) {
        std::string pivot = model[rng() % model.size()];
        std::string v = value();
        bool after = rng() % 2;
        auto it = std::find(model.begin(), model.end(), pivot);
        model.insert(after ? it + 1 : it, v);
        EXPECT_TRUE(l.InsertAt(pivot, v, after, lim));
      } else if (rng() % 10 == 0) {
        size_t a = rng() % model.size(), b = rng() % model.size();
        if (a > b) std::swap(a, b);
        l.Trim(a, b, lim);
        model = std::deque<std::string>(model.begin() + static_cast<long>(a),
                                        model.begin() + static_cast<long>(b) + 1);
      }
      ASSERT_EQ(l.size(), model.size());
      if (i % 500 == 0 && !model.empty()) {
        size_t k = 0;
        l.ForRange(0, model.size() - 1, false, [&](std::string_view v) {
          EXPECT_EQ(v, model[k++]);
          return true;
        });
        std::string got;
        size_t idx = rng() % model.size();
        EXPECT_TRUE(l.Index(-static_cast<int64_t>(model.size() - idx), &got));
        EXPECT_EQ(got, model[idx]);
      }
    }
  }
}

// Nodes of one element: a long list pushed at the head and consumed from either end, and a
// queue sliding through it, stay in order (the node vector's front gap, core/gap_vector.h).
TEST(ListObjectTest, HeadPushesAndPopsOverManyNodes) {
  EncodingLimits lim;
  lim.list_max_listpack_size = 1;
  ListObject l;
  for (int i = 0; i < 50000; i++) l.PushFront(std::to_string(i), lim);
  std::string got;
  EXPECT_TRUE(l.Index(0, &got));
  EXPECT_EQ(got, "49999");
  EXPECT_TRUE(l.Index(-1, &got));
  EXPECT_EQ(got, "0");
  for (int i = 0; i < 50000; i++) {
    l.PushBack("q" + std::to_string(i), lim);
    EXPECT_EQ(l.PopFront(lim), std::to_string(49999 - i));
  }
  EXPECT_EQ(l.size(), 50000u);
  EXPECT_EQ(l.PopBack(lim), "q49999");
  l.Trim(10, 20, lim);
  EXPECT_TRUE(l.Index(0, &got));
  EXPECT_EQ(got, "q10");
  EXPECT_EQ(l.size(), 11u);
}

// A long list keeps its interior nodes compressed and stays correct through reads and writes
// that touch them, and as pops turn interior nodes into end nodes.
TEST(ListObjectTest, InteriorNodesAreCompressed) {
  EncodingLimits lim;
  ListObject l;
  std::deque<std::string> model;
  for (int i = 0; i < 20000; i++) {
    std::string v = "value:" + std::to_string(i);
    l.PushBack(v, lim);
    model.push_back(v);
  }
  EXPECT_GT(l.CompressedNodes(), 10u);
  std::string got;
  ASSERT_TRUE(l.Index(10000, &got));
  EXPECT_EQ(got, model[10000]);
  ASSERT_TRUE(l.Set(12345, "changed", lim));
  model[12345] = "changed";
  ASSERT_TRUE(l.InsertAt("value:15000", "inserted", false, lim));
  model.insert(model.begin() + 15000, "inserted");
  EXPECT_EQ(l.Remove("value:7", 0, lim), 1u);
  model.erase(model.begin() + 7);
  size_t k = 9000;
  l.ForRange(9000, 9100, false, [&](std::string_view v) {
    EXPECT_EQ(v, model[k++]);
    return true;
  });
  while (!model.empty()) {
    ASSERT_EQ(l.PopFront(lim), model.front());
    model.pop_front();
    if (model.empty()) break;
    ASSERT_EQ(l.PopBack(lim), model.back());
    model.pop_back();
  }
  EXPECT_EQ(l.size(), 0u);
}

// Blocking pops through the dispatcher: the waiter is served by a later push, FIFO per key.
class BlockingTest : public CommandTest {
 protected:
  struct Client {
    Session session;
    std::vector<std::string> replies;
  };
  std::unique_ptr<Client> NewClient(uint64_t id) {
    auto c = std::make_unique<Client>();
    c->session.id = id;
    Client* raw = c.get();
    c->session.deliver = [raw](std::string r) { raw->replies.push_back(std::move(r)); };
    return c;
  }
};

TEST_F(BlockingTest, PushServesWaitersInOrder) {
  auto a = NewClient(10), b = NewClient(11);
  // No data: the command blocks and writes no reply.
  EXPECT_EQ(server_.RunAs(a->session, {"blpop", "q", "0"}).type, Reply::kBlocked);
  server_.RunAs(b->session, {"blpop", "other", "q", "0"});
  EXPECT_NE(b->session.blocked, nullptr);
  server_.TakePropagated();
  EXPECT_INT(Run({"rpush", "q", "x", "y", "z"}), 3);
  ASSERT_EQ(a->replies.size(), 1u);
  EXPECT_EQ(a->replies[0], "*2\r\n$1\r\nq\r\n$1\r\nx\r\n");
  ASSERT_EQ(b->replies.size(), 1u);
  EXPECT_EQ(b->replies[0], "*2\r\n$1\r\nq\r\n$1\r\ny\r\n");
  EXPECT_ARRAY(Run({"lrange", "q", "0", "-1"}), {"z"});
  // The pops are propagated as LPOP after the push.
  EXPECT_EQ(server_.TakePropagated(),
            (std::vector<std::string>{"0:rpush q x y z", "0:LPOP q", "0:LPOP q"}));
}

TEST_F(BlockingTest, MoveChainsAndWrongTypeKeepsWaiting) {
  auto a = NewClient(20), b = NewClient(21);
  server_.RunAs(a->session, {"blmove", "src", "mid", "LEFT", "RIGHT", "0"});
  server_.RunAs(b->session, {"brpop", "mid", "0"});
  Run({"lpush", "src", "v"});
  ASSERT_EQ(a->replies.size(), 1u);
  EXPECT_EQ(a->replies[0], "$1\r\nv\r\n");
  ASSERT_EQ(b->replies.size(), 1u);  // served by the key the move filled
  EXPECT_EQ(b->replies[0], "*2\r\n$3\r\nmid\r\n$1\r\nv\r\n");
  auto c = NewClient(22);
  server_.RunAs(c->session, {"bzpopmin", "z", "0"});
  Run({"set", "z", "string"});  // a key of another type does not serve the waiter
  EXPECT_TRUE(c->replies.empty());
  Run({"del", "z"});
  Run({"zadd", "z", "2", "m"});
  ASSERT_EQ(c->replies.size(), 1u);
  EXPECT_EQ(c->replies[0], "*3\r\n$1\r\nz\r\n$1\r\nm\r\n$1\r\n2\r\n");
  EXPECT_EQ(server_.dispatcher().blocking().size(), 0u);
}

TEST_F(BlockingTest, MoveIntoWrongTypeAnswersTheWaiterWithAnError) {
  auto a = NewClient(40);
  server_.RunAs(a->session, {"blmove", "src", "dst", "LEFT", "LEFT", "0"});
  Run({"set", "dst", "string"});
  Run({"rpush", "src", "v"});
  ASSERT_EQ(a->replies.size(), 1u);
  EXPECT_EQ(a->replies[0], "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  EXPECT_ARRAY(Run({"lrange", "src", "0", "-1"}), {"v"});
}

TEST_F(BlockingTest, SwapDbServesWaitersOnKeysThatNowExist) {
  auto a = NewClient(30);
  server_.RunAs(a->session, {"blpop", "k", "0"});
  Run({"select", "1"});
  Run({"rpush", "k", "from-db1"});
  Run({"swapdb", "0", "1"});
  ASSERT_EQ(a->replies.size(), 1u);
  EXPECT_EQ(a->replies[0], "*2\r\n$1\r\nk\r\n$8\r\nfrom-db1\r\n");
}

}  // namespace
}  // namespace carmine::testing
