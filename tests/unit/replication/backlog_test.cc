// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "replication/backlog.h"

#include <gtest/gtest.h>

#include <string>

#include "replication/master.h"

namespace carmine {
namespace {

std::string ReadAll(const ReplBacklog& b, uint64_t from) {
  std::string out;
  EXPECT_GE(b.Read(from, 1 << 30, &out), 0);
  return out;
}

TEST(ReplBacklog, OffsetsFollowRedisNumbering) {
  ReplBacklog b(1024);
  EXPECT_EQ(b.end_offset(), 0u);
  EXPECT_EQ(b.first_offset(), 1u);
  b.Append("hello");
  EXPECT_EQ(b.end_offset(), 5u);
  EXPECT_EQ(b.first_offset(), 1u);
  EXPECT_EQ(b.histlen(), 5u);
  EXPECT_EQ(ReadAll(b, 1), "hello");
  EXPECT_EQ(ReadAll(b, 3), "llo");
  std::string none;
  EXPECT_EQ(b.Read(6, 100, &none), 0);  // at the end: nothing yet
  EXPECT_TRUE(b.CanServe(6));
  EXPECT_FALSE(b.CanServe(7));  // beyond what was written
}

TEST(ReplBacklog, KeepsTheConfiguredHistoryAcrossChunks) {
  ReplBacklog b(40000);
  std::string all;
  for (int i = 0; i < 40000; i++) {  // about 230 KB
    std::string piece = std::to_string(i) + ",";
    b.Append(piece);
    all += piece;
  }
  uint64_t end = b.end_offset();
  ASSERT_EQ(end, all.size());
  // At least the configured history, at most one chunk more (whole chunks are released).
  EXPECT_GE(b.histlen(), 40000u);
  EXPECT_LT(b.histlen(), 40000u + 16 * 1024);
  uint64_t first = b.first_offset();
  EXPECT_EQ(first, end + 1 - b.histlen());
  EXPECT_TRUE(b.CanServe(first));
  EXPECT_EQ(ReadAll(b, first), all.substr(first - 1));
  // Whole chunks older than the history are released; a read there fails.
  std::string out;
  EXPECT_EQ(b.Read(1, 10, &out), -1);
  EXPECT_FALSE(b.CanServe(1));
  EXPECT_LT(b.held_bytes(), 40000u + 2 * 16 * 1024);
  // Reads are bounded by `max`.
  out.clear();
  EXPECT_EQ(b.Read(first, 7, &out), 7);
  EXPECT_EQ(out, all.substr(first - 1, 7));
}

TEST(ReplBacklog, AReaderKeepsWhatItStillNeeds) {
  ReplBacklog b(100);
  b.Append(std::string(50, 'a'));
  b.Retain(7, 51);  // a replica that has the first 50 bytes
  for (int i = 0; i < 100; i++) b.Append(std::string(1000, 'b'));
  EXPECT_TRUE(b.CanServe(51));
  std::string out;
  EXPECT_EQ(b.Read(51, 5, &out), 5);
  EXPECT_EQ(out, "bbbbb");
  EXPECT_EQ(b.histlen(), 100050u);  // what the reader needs counts, as in Redis 7
  b.Release(7);
  b.Append("x");
  EXPECT_FALSE(b.CanServe(51));
}

TEST(ReplicationMaster, StreamSelectsTheDatabaseAndContinuesOnlyKnownHistory) {
  ReplicationMaster m(1 << 20);
  EXPECT_FALSE(m.CanContinue(m.replid(), 1));  // no backlog yet
  m.ActivateBacklog();
  m.Feed(3, {"SET", "k", "v"});
  m.Feed(3, {"DEL", "k"});
  m.Feed(-1, {"PING"});
  std::string stream = ReadAll(m.backlog(), 1);
  EXPECT_EQ(stream,
            "*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"
            "*2\r\n$3\r\nDEL\r\n$1\r\nk\r\n*1\r\n$4\r\nPING\r\n");
  // A snapshot point makes the next command select its database again.
  uint64_t at = m.SnapshotPoint();
  EXPECT_EQ(at, stream.size());
  m.Feed(3, {"INCR", "n"});
  EXPECT_EQ(ReadAll(m.backlog(), at + 1).substr(0, 4), "*2\r\n");
  // PSYNC: our id within the backlog continues; an unknown id or a lost offset does not.
  EXPECT_TRUE(m.CanContinue(m.replid(), 1));
  EXPECT_TRUE(m.CanContinue(m.replid(), m.offset() + 1));
  EXPECT_FALSE(m.CanContinue(m.replid(), m.offset() + 2));
  EXPECT_FALSE(m.CanContinue(std::string(40, 'f'), 1));
  // After a new id, the old one is valid up to where it ended.
  std::string old = m.replid();
  uint64_t end = m.offset();
  m.ShiftReplid();
  EXPECT_NE(m.replid(), old);
  EXPECT_EQ(m.replid2(), old);
  EXPECT_EQ(m.second_offset(), static_cast<int64_t>(end + 1));
  EXPECT_TRUE(m.CanContinue(old, end + 1));
  m.Feed(0, {"SET", "a", "b"});
  EXPECT_FALSE(m.CanContinue(old, m.offset() + 1));
  EXPECT_TRUE(m.CanContinue(m.replid(), m.offset() + 1));
}

TEST(ReplicationMaster, OffsetCountsWritesWithoutABacklogAndAfterItIsFreed) {
  ReplicationMaster m(1 << 20);
  ReplicationMaster::TakeThreadFedOffset();
  // No backlog: each write the AOF takes moves the offset by one (what WAITAOF counts in).
  m.CountUnstreamedWrite();
  m.CountUnstreamedWrite();
  EXPECT_EQ(m.offset(), 2u);
  EXPECT_EQ(ReplicationMaster::TakeThreadFedOffset(), 2u);
  m.ActivateBacklog();
  m.CountUnstreamedWrite();  // the stream counts its own bytes now
  EXPECT_EQ(m.offset(), 2u);
  m.Feed(-1, {"PING"});
  EXPECT_EQ(m.offset(), 2u + 14u);  // "*1\r\n$4\r\nPING\r\n"
  EXPECT_TRUE(m.CanContinue(m.replid(), 3));
  std::string id = m.replid();
  m.DeactivateBacklog();
  EXPECT_FALSE(m.backlog_active());
  EXPECT_NE(m.replid(), id);
  EXPECT_EQ(m.replid2(), std::string(40, '0'));
  EXPECT_EQ(m.second_offset(), -1);
  EXPECT_FALSE(m.CanContinue(id, m.offset() + 1));
  m.CountUnstreamedWrite();
  EXPECT_EQ(m.offset(), 17u);
  EXPECT_EQ(m.backlog().histlen(), 0u);
}

TEST(ReplicationMaster, AofAcknowledgementsCountOnlineReplicas) {
  ReplicationMaster m(1 << 20);
  auto a = std::make_shared<ReplicaLink>();
  a->client_id = 1;
  a->state.store(ReplicaLink::State::kOnline);
  a->ack_offset.store(100);
  a->aof_ack_offset.store(40);
  auto b = std::make_shared<ReplicaLink>();
  b->client_id = 2;
  b->state.store(ReplicaLink::State::kWaitBgsave);
  b->aof_ack_offset.store(500);
  m.Adopt(a);
  m.Adopt(b);
  EXPECT_EQ(m.AckedAtLeast(50), 1);
  EXPECT_EQ(m.AofAckedAtLeast(50), 0);
  EXPECT_EQ(m.AofAckedAtLeast(40), 1);
}

}  // namespace
}  // namespace carmine
