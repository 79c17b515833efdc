// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// StreamObject: the value of a stream key. Entries live in nodes ordered by their first ("master")
// ID; a node holds up to stream-node-max-entries entries in one byte buffer of varints,
// length-prefixed strings and varint integers (a canonical integer value is stored as one). An
// entry whose field names equal the node's first entry's stores only its values, so the usual
// stream of same-shaped events costs its values and about three bytes.
//
// Node boundaries follow Redis's rule exactly (a node closes when Redis's listpack for it would
// reach stream-node-max-bytes or it holds stream-node-max-entries entries), so an RDB file or a
// DUMP payload written from these nodes is the one Redis writes. Deleted entries stay in their
// node as tombstones until the whole node goes, as in Redis.
//
// Consumer groups hang off the stream: per group the last delivered ID, the entries-read counter
// of Redis 7, the pending entries list (PEL) and the consumers, each with its own view of the PEL.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/compact_value.h"
#include "core/encoding_limits.h"

namespace carmine {

struct StreamID {
  uint64_t ms = 0;
  uint64_t seq = 0;
  auto operator<=>(const StreamID&) const = default;
  bool IsZero() const { return ms == 0 && seq == 0; }
  static constexpr StreamID Max() { return {UINT64_MAX, UINT64_MAX}; }
  std::string ToString() const { return std::to_string(ms) + "-" + std::to_string(seq); }
  // The next / previous ID; false at the ends of the ID space.
  bool Incr();
  bool Decr();
};

// One entry as read from a node: field, value, field, value, ... (views into the node's buffer,
// valid until the stream changes).
struct StreamEntry {
  StreamID id;
  bool deleted = false;
  bool same_fields = false;  // its field names are the node master's (Redis's SAMEFIELDS flag)
  std::vector<std::string_view> fv;
  // Integer elements rendered as text (fv points into these; a copy of the entry must not
  // outlive the original).
  std::vector<std::string> owned;
};

struct StreamConsumer;
struct StreamPending;
using ConsumerPel = std::map<StreamID, StreamPending*>;

struct StreamPending {
  int64_t delivery_time = 0;
  uint64_t delivery_count = 1;
  StreamConsumer* consumer = nullptr;
  ConsumerPel::iterator in_consumer;  // this entry in its consumer's PEL (valid with consumer)
};

struct StreamConsumer {
  std::string name;
  int64_t seen_time = 0;
  int64_t active_time = -1;  // -1: never read or claimed anything
  ConsumerPel pel;           // points into the group's PEL
  // False for a consumer an XREADGROUP created whose existence nothing propagated yet (a
  // replica learns of it from the first claim or NOACK read that concerns it).
  bool announced = true;
};

struct StreamGroup {
  static constexpr int64_t kInvalidEntriesRead = -1;
  StreamID last_id;
  int64_t entries_read = kInvalidEntriesRead;
  std::map<StreamID, StreamPending> pel;
  std::map<std::string, std::unique_ptr<StreamConsumer>, std::less<>> consumers;

  StreamConsumer* FindConsumer(std::string_view name) const;
  // Returns the consumer, creating it (seen now) when absent; *created tells which.
  StreamConsumer* GetConsumer(std::string_view name, int64_t now_ms, bool* created);
  // Removes the consumer with its pending entries; returns how many were pending.
  size_t DeleteConsumer(std::string_view name);
  // Acknowledges one ID; false if it was not pending.
  bool Ack(StreamID id);
  // Makes `c` the owner of the pending entry `id` (p is its PEL value), leaving its old owner.
  static void Assign(StreamID id, StreamPending& p, StreamConsumer* c);
  // Takes the pending entry out of its owner's PEL (the group's stays).
  static void Unassign(StreamPending& p);
};

class StreamObject : public DataObject {
 public:
  // A node: `buf` holds the master field names then the entries (see stream_object.cc).
  struct Node {
    std::string buf;
    uint32_t live = 0;
    uint32_t deleted = 0;
    uint32_t master_end = 0;  // offset of the first entry
    uint32_t nmaster = 0;     // number of master field names
    // Bytes of Redis's listpack for this node, without its live/deleted counters.
    uint64_t lp_body = 0;
    uint64_t LpBytes() const;
  };
  using NodeMap = std::map<StreamID, Node>;

  StreamObject() = default;
  ObjType type() const override { return ObjType::kStream; }
  const char* encoding_name() const override { return "stream"; }
  std::unique_ptr<DataObject> Clone() const override;
  size_t MemoryUsage() const override;
  size_t FreeEffort() const override { return nodes_.size() + groups.size(); }

  size_t size() const { return length_; }
  const NodeMap& nodes() const { return nodes_; }

  // Appends an entry; `id` must be greater than last_id. `fv` alternates fields and values.
  void Append(StreamID id, std::span<const std::string_view> fv, const EncodingLimits& lim);
  // Marks one entry deleted; false if there is no such live entry.
  bool Delete(StreamID id);
  bool Find(StreamID id, StreamEntry* out) const;
  // Trimming, as XADD/XTRIM do: by length or by minimum ID. `approx` removes whole nodes only;
  // `limit` caps the entries removed (0: no cap). Returns the number removed.
  int64_t TrimMaxLen(uint64_t maxlen, bool approx, int64_t limit);
  int64_t TrimMinId(StreamID minid, bool approx, int64_t limit);

  // A node's master field names and its entries in order, tombstones included (RDB writing).
  static std::vector<std::string> MasterFields(const Node& n);
  template <typename Fn>
  static void ForEachInNode(const Node& n, StreamID master, Fn&& fn) {
    StreamEntry e;
    for (size_t off = n.master_end; off < n.buf.size();) {
      off = Decode(n, master, off, &e);
      fn(e);
    }
  }

  // RDB loading: appends a node as Redis stored it (entries with their flags, tombstones
  // included). False if the node is out of order or malformed.
  bool LoadNode(StreamID master, const std::vector<std::string_view>& master_fields,
                const std::vector<StreamEntry>& entries);
  void SetLength(uint64_t n) { length_ = n; }

  // The first live entry's ID, or {0,0} when the stream is empty (recomputed after deletes).
  void RefreshFirstId();
  // Redis 7's logical read counters (the lag of XINFO GROUPS).
  int64_t EstimateDistanceFromFirstEver(StreamID id) const;
  bool RangeHasTombstones(StreamID start, StreamID end) const;

  // Metadata, as Redis keeps it.
  StreamID last_id;
  StreamID first_id;
  StreamID max_deleted_id;
  uint64_t entries_added = 0;
  std::map<std::string, std::unique_ptr<StreamGroup>, std::less<>> groups;

  StreamGroup* FindGroup(std::string_view name) const {
    auto it = groups.find(name);
    return it == groups.end() ? nullptr : it->second.get();
  }

 private:
  friend class StreamIterator;
  // Decodes the entry at `off` of node `n` (master `master`); returns the offset after it.
  static size_t Decode(const Node& n, StreamID master, size_t off, StreamEntry* out);
  // The offset after the entry at `off`, without decoding it; the entry's ID alone.
  static size_t Skip(const Node& n, size_t off);
  static StreamID PeekId(const Node& n, StreamID master, size_t off);
  static void MarkDeleted(Node& n, size_t off);
  // Offsets of every entry in the node.
  static std::vector<uint32_t> Offsets(const Node& n);

  NodeMap nodes_;
  uint64_t length_ = 0;
};

// Walks entries between two IDs (inclusive) in either direction, skipping tombstones unless
// asked. The stream must not change while it is in use.
class StreamIterator {
 public:
  StreamIterator(const StreamObject& s, StreamID start, StreamID end, bool reverse,
                 bool with_tombstones = false);
  bool Next(StreamEntry* out);

 private:
  void LoadNode();

  const StreamObject& s_;
  StreamID start_, end_;
  bool reverse_, tombstones_;
  StreamObject::NodeMap::const_iterator node_;
  bool done_ = false;
  std::vector<uint32_t> offs_;  // reverse walks: the node's entry offsets
  size_t pos_ = 0;              // reverse: index into offs_; forward: byte offset in the node
};

// Redis's listpack element sizes (encoding plus back-length), for the node-closing rule.
size_t LpIntegerSize(int64_t v);
size_t LpStringSize(std::string_view s);

}  // namespace carmine
