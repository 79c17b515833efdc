// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Node buffer layout: the master field names, then per entry a flag byte (bit 0 deleted, bit 1
// same fields as the master), the ms difference from the node's master ID (a varint: never
// negative) and the seq difference (a zigzag varint: it can be), and either the values alone
// (same fields) or a varint field count followed by field/value pairs. Elements are encoded by
// PutElement below.
#include "core/stream_object.h"

#include <malloc.h>

#include <algorithm>

#include "base/strutil.h"

namespace carmine {
namespace {

constexpr uint8_t kFlagDeleted = 1;
constexpr uint8_t kFlagSameFields = 2;
constexpr uint64_t kLpMaxSize = 1ull << 30;

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

uint64_t GetVarint(const std::string& b, size_t* off) {
  uint64_t v = 0;
  int shift = 0;
  while (true) {
    uint8_t c = static_cast<uint8_t>(b[(*off)++]);
    v |= static_cast<uint64_t>(c & 0x7F) << shift;
    if ((c & 0x80) == 0) return v;
    shift += 7;
  }
}

uint64_t ZigZag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

// An element (field or value): a varint header, then the bytes. Header bit 0 set: a canonical
// integer (what Redis's listpack stores as an integer too), the rest of the header its zigzag
// value, no bytes follow; clear: a string of header >> 1 bytes. "1700000000123" costs 7 bytes
// instead of 14.
bool CanonicalInt(std::string_view s, int64_t* v) {
  return !s.empty() && s.size() <= 20 && ParseInt64(s, v) && std::to_string(*v) == s;
}

void PutElement(std::string* out, std::string_view s) {
  int64_t v;
  if (CanonicalInt(s, &v) && ZigZag(v) < (1ull << 63)) {
    PutVarint(out, (ZigZag(v) << 1) | 1);
    return;
  }
  PutVarint(out, static_cast<uint64_t>(s.size()) << 1);
  out->append(s);
}

void SkipElement(const std::string& b, size_t* off) {
  uint64_t h = GetVarint(b, off);
  if ((h & 1) == 0) *off += h >> 1;
}

// Appends the element to e->fv; an integer is rendered into e->owned, whose capacity the caller
// reserved so the views stay valid.
void GetElement(const std::string& b, size_t* off, StreamEntry* e) {
  uint64_t h = GetVarint(b, off);
  if (h & 1) {
    e->owned.push_back(std::to_string(UnZigZag(h >> 1)));
    e->fv.push_back(e->owned.back());
    return;
  }
  e->fv.emplace_back(b.data() + *off, h >> 1);
  *off += h >> 1;
}

bool ElementEquals(const std::string& b, size_t* off, std::string_view s) {
  uint64_t h = GetVarint(b, off);
  if (h & 1) {
    int64_t v;
    return CanonicalInt(s, &v) && UnZigZag(h >> 1) == v;
  }
  std::string_view x(b.data() + *off, h >> 1);
  *off += h >> 1;
  return x == s;
}

size_t BacklenSize(uint64_t l) {
  return l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
}

}  // namespace

bool StreamID::Incr() {
  if (seq == UINT64_MAX) {
    if (ms == UINT64_MAX) return false;
    ms++;
    seq = 0;
  } else {
    seq++;
  }
  return true;
}

bool StreamID::Decr() {
  if (seq == 0) {
    if (ms == 0) return false;
    ms--;
    seq = UINT64_MAX;
  } else {
    seq--;
  }
  return true;
}

size_t LpIntegerSize(int64_t v) {
  size_t enc = v >= 0 && v <= 127                 ? 1
               : v >= -4096 && v <= 4095           ? 2
               : v >= -32768 && v <= 32767         ? 3
               : v >= -8388608 && v <= 8388607     ? 4
               : v >= INT32_MIN && v <= INT32_MAX ? 5
                                                   : 9;
  return enc + BacklenSize(enc);
}

size_t LpStringSize(std::string_view s) {
  int64_t v;
  if (!s.empty() && s.size() <= 20 && ParseInt64(s, &v) && std::to_string(v) == s) {
    return LpIntegerSize(v);
  }
  size_t enc = s.size() < 64 ? 1 + s.size() : s.size() < 4096 ? 2 + s.size() : 5 + s.size();
  return enc + BacklenSize(enc);
}

uint64_t StreamObject::Node::LpBytes() const {
  return lp_body + LpIntegerSize(live) + LpIntegerSize(deleted);
}

// ---- groups ------------------------------------------------------------------------------------

StreamConsumer* StreamGroup::FindConsumer(std::string_view name) const {
  auto it = consumers.find(name);
  return it == consumers.end() ? nullptr : it->second.get();
}

StreamConsumer* StreamGroup::GetConsumer(std::string_view name, int64_t now_ms, bool* created) {
  auto it = consumers.find(name);
  *created = it == consumers.end();
  if (!*created) return it->second.get();
  auto c = std::make_unique<StreamConsumer>();
  c->name = std::string(name);
  c->seen_time = now_ms;
  StreamConsumer* p = c.get();
  consumers.emplace(c->name, std::move(c));
  return p;
}

size_t StreamGroup::DeleteConsumer(std::string_view name) {
  auto it = consumers.find(name);
  if (it == consumers.end()) return 0;
  size_t n = it->second->pel.size();
  for (auto& [id, p] : it->second->pel) pel.erase(id);
  consumers.erase(it);
  return n;
}

bool StreamGroup::Ack(StreamID id) {
  auto it = pel.find(id);
  if (it == pel.end()) return false;
  Unassign(it->second);
  pel.erase(it);
  return true;
}

void StreamGroup::Assign(StreamID id, StreamPending& p, StreamConsumer* c) {
  if (p.consumer == c) return;
  Unassign(p);
  p.in_consumer = c->pel.emplace(id, &p).first;
  p.consumer = c;
}

void StreamGroup::Unassign(StreamPending& p) {
  if (p.consumer == nullptr) return;
  p.consumer->pel.erase(p.in_consumer);
  p.consumer = nullptr;
}

// ---- entries -----------------------------------------------------------------------------------

void StreamObject::Append(StreamID id, std::span<const std::string_view> fv,
                          const EncodingLimits& lim) {
  const size_t nf = fv.size() / 2;
  Node* n = nullptr;
  StreamID master;
  if (!nodes_.empty()) {
    auto last = std::prev(nodes_.end());
    uint64_t max_bytes = static_cast<uint64_t>(lim.stream_node_max_bytes);
    if (max_bytes == 0 || max_bytes > kLpMaxSize) max_bytes = kLpMaxSize;
    uint64_t total = 0;
    for (auto s : fv) total += s.size();
    bool full = last->second.LpBytes() + total >= max_bytes ||
                (lim.stream_node_max_entries > 0 &&
                 last->second.live + last->second.deleted >=
                     static_cast<uint64_t>(lim.stream_node_max_entries));
    if (full) {
      last->second.buf.shrink_to_fit();
    } else {
      n = &last->second;
      master = last->first;
    }
  }
  if (n == nullptr) {
    n = &nodes_[id];
    master = id;
    n->nmaster = static_cast<uint32_t>(nf);
    n->lp_body = 6 + 1 + LpIntegerSize(static_cast<int64_t>(nf)) + LpIntegerSize(0);
    for (size_t i = 0; i < nf; i++) {
      PutElement(&n->buf, fv[2 * i]);
      n->lp_body += LpStringSize(fv[2 * i]);
    }
    n->master_end = static_cast<uint32_t>(n->buf.size());
  }
  bool same = nf == n->nmaster;
  if (same) {
    size_t off = 0;
    for (size_t i = 0; i < nf && same; i++) same = ElementEquals(n->buf, &off, fv[2 * i]);
  }
  int64_t ms_diff = static_cast<int64_t>(id.ms - master.ms);
  int64_t seq_diff = static_cast<int64_t>(id.seq - master.seq);
  n->buf.push_back(static_cast<char>(same ? kFlagSameFields : 0));
  PutVarint(&n->buf, static_cast<uint64_t>(ms_diff));  // never negative within a node
  PutVarint(&n->buf, ZigZag(seq_diff));
  uint64_t lp = LpIntegerSize(same ? kFlagSameFields : 0) + LpIntegerSize(ms_diff) +
                LpIntegerSize(seq_diff);
  int64_t lp_count = static_cast<int64_t>(nf) + 3;
  if (same) {
    for (size_t i = 0; i < nf; i++) {
      PutElement(&n->buf, fv[2 * i + 1]);
      lp += LpStringSize(fv[2 * i + 1]);
    }
  } else {
    PutVarint(&n->buf, nf);
    lp += LpIntegerSize(static_cast<int64_t>(nf));
    for (auto s : fv) {
      PutElement(&n->buf, s);
      lp += LpStringSize(s);
    }
    lp_count += static_cast<int64_t>(nf) + 1;
  }
  n->lp_body += lp + LpIntegerSize(lp_count);
  n->live++;
  length_++;
  entries_added++;
  last_id = id;
  if (length_ == 1) first_id = id;
}

size_t StreamObject::Decode(const Node& n, StreamID master, size_t off, StreamEntry* out) {
  const std::string& b = n.buf;
  uint8_t flags = static_cast<uint8_t>(b[off++]);
  out->deleted = flags & kFlagDeleted;
  out->same_fields = flags & kFlagSameFields;
  out->id.ms = master.ms + GetVarint(b, &off);
  out->id.seq = master.seq + static_cast<uint64_t>(UnZigZag(GetVarint(b, &off)));
  out->fv.clear();
  out->owned.clear();
  if (out->same_fields) {
    out->owned.reserve(2 * n.nmaster);
    size_t moff = 0;
    for (uint32_t i = 0; i < n.nmaster; i++) {
      GetElement(b, &moff, out);
      GetElement(b, &off, out);
    }
  } else {
    uint64_t nf = GetVarint(b, &off);
    out->owned.reserve(2 * nf);
    for (uint64_t i = 0; i < 2 * nf; i++) GetElement(b, &off, out);
  }
  return off;
}

StreamID StreamObject::PeekId(const Node& n, StreamID master, size_t off) {
  off++;  // flags
  StreamID id;
  id.ms = master.ms + GetVarint(n.buf, &off);
  id.seq = master.seq + static_cast<uint64_t>(UnZigZag(GetVarint(n.buf, &off)));
  return id;
}

size_t StreamObject::Skip(const Node& n, size_t off) {
  const std::string& b = n.buf;
  uint8_t flags = static_cast<uint8_t>(b[off++]);
  GetVarint(b, &off);
  GetVarint(b, &off);
  uint64_t count = (flags & kFlagSameFields) ? n.nmaster : 2 * GetVarint(b, &off);
  for (uint64_t i = 0; i < count; i++) SkipElement(b, &off);
  return off;
}

std::vector<uint32_t> StreamObject::Offsets(const Node& n) {
  std::vector<uint32_t> out;
  out.reserve(n.live + n.deleted);
  for (size_t off = n.master_end; off < n.buf.size();) {
    out.push_back(static_cast<uint32_t>(off));
    off = Skip(n, off);
  }
  return out;
}

std::vector<std::string> StreamObject::MasterFields(const Node& n) {
  StreamEntry e;
  e.owned.reserve(n.nmaster);
  size_t off = 0;
  for (uint32_t i = 0; i < n.nmaster; i++) GetElement(n.buf, &off, &e);
  return {e.fv.begin(), e.fv.end()};
}

void StreamObject::MarkDeleted(Node& n, size_t off) {
  n.buf[off] = static_cast<char>(n.buf[off] | kFlagDeleted);
  n.live--;
  n.deleted++;
}

bool StreamObject::Find(StreamID id, StreamEntry* out) const {
  StreamIterator it(*this, id, id, false);
  return it.Next(out);
}

bool StreamObject::Delete(StreamID id) {
  auto it = nodes_.upper_bound(id);
  if (it == nodes_.begin()) return false;
  --it;
  Node& n = it->second;
  StreamEntry e;
  for (size_t off = n.master_end; off < n.buf.size();) {
    size_t next = Decode(n, it->first, off, &e);
    if (e.id == id) {
      if (e.deleted) return false;
      MarkDeleted(n, off);
      if (n.live == 0) nodes_.erase(it);
      length_--;
      if (id > max_deleted_id) max_deleted_id = id;
      if (id == first_id) RefreshFirstId();
      return true;
    }
    if (e.id > id) return false;
    off = next;
  }
  return false;
}

void StreamObject::RefreshFirstId() {
  StreamIterator it(*this, StreamID{}, StreamID::Max(), false);
  StreamEntry e;
  first_id = it.Next(&e) ? e.id : StreamID{};
}

int64_t StreamObject::TrimMaxLen(uint64_t maxlen, bool approx, int64_t limit) {
  int64_t removed = 0;
  while (length_ > maxlen && !nodes_.empty()) {
    if (limit > 0 && removed >= limit) break;
    auto it = nodes_.begin();
    Node& n = it->second;
    uint64_t excess = length_ - maxlen;
    if (n.live <= excess) {
      if (limit > 0 && removed + n.live > limit) break;
      removed += n.live;
      length_ -= n.live;
      nodes_.erase(it);
      continue;
    }
    if (approx) break;
    // Within the first node: mark entries deleted until the length fits.
    StreamEntry e;
    for (size_t off = n.master_end; off < n.buf.size() && length_ > maxlen;) {
      if (limit > 0 && removed >= limit) break;
      size_t next = Decode(n, it->first, off, &e);
      if (!e.deleted) {
        MarkDeleted(n, off);
        length_--;
        removed++;
      }
      off = next;
    }
    break;
  }
  if (removed > 0) RefreshFirstId();
  return removed;
}

int64_t StreamObject::TrimMinId(StreamID minid, bool approx, int64_t limit) {
  int64_t removed = 0;
  while (!nodes_.empty()) {
    if (limit > 0 && removed >= limit) break;
    auto it = nodes_.begin();
    Node& n = it->second;
    // The node goes whole when its last entry is below minid.
    std::vector<uint32_t> offs = Offsets(n);
    StreamEntry last;
    Decode(n, it->first, offs.back(), &last);
    if (last.id < minid) {
      if (limit > 0 && removed + n.live > limit) break;
      removed += n.live;
      length_ -= n.live;
      nodes_.erase(it);
      continue;
    }
    if (approx) break;
    StreamEntry e;
    for (uint32_t off : offs) {
      if (limit > 0 && removed >= limit) break;
      Decode(n, it->first, off, &e);
      if (e.id >= minid) break;
      if (!e.deleted) {
        MarkDeleted(n, off);
        length_--;
        removed++;
      }
    }
    break;
  }
  if (removed > 0) RefreshFirstId();
  return removed;
}

bool StreamObject::LoadNode(StreamID master, const std::vector<std::string_view>& master_fields,
                            const std::vector<StreamEntry>& entries) {
  if (entries.empty() || (!nodes_.empty() && std::prev(nodes_.end())->first >= master)) {
    return false;
  }
  Node& n = nodes_[master];
  n.nmaster = static_cast<uint32_t>(master_fields.size());
  n.lp_body = 6 + 1 + LpIntegerSize(static_cast<int64_t>(n.nmaster)) + LpIntegerSize(0);
  for (auto f : master_fields) {
    PutElement(&n.buf, f);
    n.lp_body += LpStringSize(f);
  }
  n.master_end = static_cast<uint32_t>(n.buf.size());
  StreamID prev;
  for (size_t i = 0; i < entries.size(); i++) {
    const StreamEntry& e = entries[i];
    if (e.id < master || (i > 0 && e.id <= prev)) return false;
    prev = e.id;
    size_t nf = e.fv.size() / 2;
    if (e.same_fields && nf != n.nmaster) return false;
    uint8_t flags = (e.deleted ? kFlagDeleted : 0) | (e.same_fields ? kFlagSameFields : 0);
    int64_t ms_diff = static_cast<int64_t>(e.id.ms - master.ms);
    int64_t seq_diff = static_cast<int64_t>(e.id.seq - master.seq);
    n.buf.push_back(static_cast<char>(flags));
    PutVarint(&n.buf, static_cast<uint64_t>(ms_diff));
    PutVarint(&n.buf, ZigZag(seq_diff));
    uint64_t lp = LpIntegerSize(flags) + LpIntegerSize(ms_diff) + LpIntegerSize(seq_diff);
    int64_t lp_count = static_cast<int64_t>(nf) + 3;
    if (e.same_fields) {
      for (size_t k = 0; k < nf; k++) {
        PutElement(&n.buf, e.fv[2 * k + 1]);
        lp += LpStringSize(e.fv[2 * k + 1]);
      }
    } else {
      PutVarint(&n.buf, nf);
      lp += LpIntegerSize(static_cast<int64_t>(nf));
      for (auto s : e.fv) {
        PutElement(&n.buf, s);
        lp += LpStringSize(s);
      }
      lp_count += static_cast<int64_t>(nf) + 1;
    }
    n.lp_body += lp + LpIntegerSize(lp_count);
    e.deleted ? n.deleted++ : n.live++;
  }
  n.buf.shrink_to_fit();
  if (n.live == 0) {
    nodes_.erase(master);
    return false;
  }
  length_ += n.live;
  return true;
}

int64_t StreamObject::EstimateDistanceFromFirstEver(StreamID id) const {
  if (entries_added == 0) return 0;
  if (length_ == 0 && id <= last_id) return static_cast<int64_t>(entries_added);
  if (id == last_id) return static_cast<int64_t>(entries_added);
  if (id > last_id) return StreamGroup::kInvalidEntriesRead;
  if (max_deleted_id.IsZero() || max_deleted_id < first_id) {
    if (id < first_id) return static_cast<int64_t>(entries_added - length_);
    if (id == first_id) return static_cast<int64_t>(entries_added - length_ + 1);
  }
  return StreamGroup::kInvalidEntriesRead;
}

bool StreamObject::RangeHasTombstones(StreamID start, StreamID end) const {
  if (length_ == 0 || max_deleted_id.IsZero()) return false;
  if (first_id > max_deleted_id) return false;
  return start <= max_deleted_id && max_deleted_id <= end;
}

std::unique_ptr<DataObject> StreamObject::Clone() const {
  auto c = std::make_unique<StreamObject>();
  c->nodes_ = nodes_;
  c->length_ = length_;
  c->last_id = last_id;
  c->first_id = first_id;
  c->max_deleted_id = max_deleted_id;
  c->entries_added = entries_added;
  for (auto& [name, g] : groups) {
    auto ng = std::make_unique<StreamGroup>();
    ng->last_id = g->last_id;
    ng->entries_read = g->entries_read;
    for (auto& [cname, cons] : g->consumers) {
      bool created;
      StreamConsumer* nc = ng->GetConsumer(cname, cons->seen_time, &created);
      nc->active_time = cons->active_time;
    }
    for (auto& [id, p] : g->pel) {
      auto ins = ng->pel.emplace(id, StreamPending{p.delivery_time, p.delivery_count}).first;
      StreamGroup::Assign(id, ins->second, ng->FindConsumer(p.consumer->name));
    }
    c->groups.emplace(name, std::move(ng));
  }
  return c;
}

size_t StreamObject::MemoryUsage() const {
  // std::map nodes: the node itself plus its buffer.
  size_t n = sizeof(*this);
  for (auto& [id, node] : nodes_) {
    n += 64 + node.buf.capacity();
  }
  for (auto& [name, g] : groups) {
    n += 64 + name.size() + sizeof(StreamGroup) + g->pel.size() * 80;
    for (auto& [cname, c] : g->consumers) n += 64 + cname.size() + sizeof(StreamConsumer) + c->pel.size() * 48;
  }
  return n;
}

// ---- iteration ---------------------------------------------------------------------------------

StreamIterator::StreamIterator(const StreamObject& s, StreamID start, StreamID end, bool reverse,
                               bool with_tombstones)
    : s_(s), start_(start), end_(end), reverse_(reverse), tombstones_(with_tombstones) {
  if (start > end || s.nodes_.empty()) {
    done_ = true;
    return;
  }
  // The node that may hold the first ID to visit: the last one whose master is <= it.
  StreamID from = reverse ? end : start;
  node_ = s.nodes_.upper_bound(from);
  if (node_ == s.nodes_.begin()) {
    if (reverse) {
      done_ = true;
      return;
    }
  } else {
    --node_;
  }
  LoadNode();
}

void StreamIterator::LoadNode() {
  // Forward walks decode in place (pos_ is a byte offset); only a reverse walk needs the
  // entries' offsets first.
  if (reverse_) {
    offs_ = StreamObject::Offsets(node_->second);
    pos_ = offs_.size();
  } else {
    pos_ = node_->second.master_end;
  }
}

bool StreamIterator::Next(StreamEntry* out) {
  while (!done_) {
    const StreamObject::Node& n = node_->second;
    if (reverse_ ? pos_ == 0 : pos_ >= n.buf.size()) {
      if (reverse_) {
        if (node_ == s_.nodes_.begin()) break;
        --node_;
      } else {
        ++node_;
        if (node_ == s_.nodes_.end() || node_->first > end_) break;
      }
      LoadNode();
      continue;
    }
    if (reverse_) {
      StreamObject::Decode(n, node_->first, offs_[--pos_], out);
      if (out->id > end_) continue;
      if (out->id < start_) break;
    } else {
      StreamID id = StreamObject::PeekId(n, node_->first, pos_);
      if (id < start_) {
        pos_ = StreamObject::Skip(n, pos_);
        continue;
      }
      if (id > end_) break;
      pos_ = StreamObject::Decode(n, node_->first, pos_, out);
    }
    if (out->deleted && !tombstones_) continue;
    return true;
  }
  done_ = true;
  return false;
}

}  // namespace carmine
