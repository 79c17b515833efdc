// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "persist/rdb_stream.h"

#include <set>
#include <vector>

#include "base/strutil.h"
#include "core/stream_object.h"
#include "persist/packed_formats.h"

namespace carmine::rdb {
namespace {

constexpr uint8_t kFlagDeleted = 1;
constexpr uint8_t kFlagSameFields = 2;

std::string EncodeId(StreamID id) {
  std::string k(16, '\0');
  for (int i = 0; i < 8; i++) {
    k[i] = static_cast<char>(id.ms >> (56 - 8 * i));
    k[8 + i] = static_cast<char>(id.seq >> (56 - 8 * i));
  }
  return k;
}

StreamID DecodeId(std::string_view k) {
  StreamID id;
  for (int i = 0; i < 8; i++) {
    id.ms = (id.ms << 8) | static_cast<uint8_t>(k[i]);
    id.seq = (id.seq << 8) | static_cast<uint8_t>(k[8 + i]);
  }
  return id;
}

void PutMillis(std::string* out, int64_t ms) {
  uint64_t u = static_cast<uint64_t>(ms);
  for (int i = 0; i < 8; i++) out->push_back(static_cast<char>(u >> (8 * i)));
}

bool GetMillis(RdbReader& in, int64_t* ms) {
  std::string_view b;
  if (!in.ReadBytes(8, &b)) return false;
  uint64_t u = 0;
  for (int i = 7; i >= 0; i--) u = (u << 8) | static_cast<uint8_t>(b[i]);
  *ms = static_cast<int64_t>(u);
  return true;
}

std::string NodeListpack(const StreamObject::Node& n, StreamID master) {
  ListpackWriter lp;
  lp.Add(std::to_string(n.live));
  lp.Add(std::to_string(n.deleted));
  auto fields = StreamObject::MasterFields(n);
  lp.Add(std::to_string(fields.size()));
  for (auto f : fields) lp.Add(f);
  lp.Add("0");
  StreamObject::ForEachInNode(n, master, [&](const StreamEntry& e) {
    int flags = (e.deleted ? kFlagDeleted : 0) | (e.same_fields ? kFlagSameFields : 0);
    lp.Add(std::to_string(flags));
    lp.Add(std::to_string(static_cast<int64_t>(e.id.ms - master.ms)));
    lp.Add(std::to_string(static_cast<int64_t>(e.id.seq - master.seq)));
    size_t nf = e.fv.size() / 2;
    if (e.same_fields) {
      for (size_t i = 0; i < nf; i++) lp.Add(e.fv[2 * i + 1]);
    } else {
      lp.Add(std::to_string(nf));
      for (auto s : e.fv) lp.Add(s);
    }
    lp.Add(std::to_string(nf + 3 + (e.same_fields ? 0 : nf + 1)));
  });
  return lp.Finish();
}

bool ToInt(const std::string& s, int64_t* v) { return ParseInt64(s, v); }

// Decodes one node's listpack into entries. False if malformed.
bool ParseNode(const std::string& blob, StreamID master, std::vector<std::string>* elems,
               std::vector<std::string_view>* master_fields, std::vector<StreamEntry>* entries) {
  elems->clear();
  if (!ReadListpack(blob, [&](std::string_view e) { elems->emplace_back(e); })) return false;
  const auto& el = *elems;
  size_t i = 0;
  int64_t live, deleted, nmaster;
  if (el.size() < 4 || !ToInt(el[0], &live) || !ToInt(el[1], &deleted) ||
      !ToInt(el[2], &nmaster) || nmaster < 0 || live < 0 || deleted < 0) {
    return false;
  }
  i = 3;
  if (el.size() < i + static_cast<size_t>(nmaster) + 1) return false;
  master_fields->clear();
  for (int64_t k = 0; k < nmaster; k++) master_fields->push_back(el[i++]);
  if (el[i++] != "0") return false;
  entries->clear();
  int64_t seen_live = 0, seen_deleted = 0;
  while (i < el.size()) {
    int64_t flags, ms_diff, seq_diff, nf;
    if (i + 3 > el.size() || !ToInt(el[i], &flags) || !ToInt(el[i + 1], &ms_diff) ||
        !ToInt(el[i + 2], &seq_diff) || flags < 0 || flags > 3) {
      return false;
    }
    i += 3;
    StreamEntry e;
    e.deleted = flags & kFlagDeleted;
    e.same_fields = flags & kFlagSameFields;
    e.id.ms = master.ms + static_cast<uint64_t>(ms_diff);
    e.id.seq = master.seq + static_cast<uint64_t>(seq_diff);
    if (e.same_fields) {
      nf = nmaster;
      if (i + static_cast<size_t>(nf) > el.size()) return false;
      for (int64_t k = 0; k < nf; k++) {
        e.fv.push_back((*master_fields)[static_cast<size_t>(k)]);
        e.fv.push_back(el[i++]);
      }
    } else {
      if (i >= el.size() || !ToInt(el[i], &nf) || nf < 0) return false;
      i++;
      if (static_cast<size_t>(nf) > (el.size() - i) / 2) return false;
      for (int64_t k = 0; k < 2 * nf; k++) e.fv.push_back(el[i++]);
    }
    int64_t lp_count;
    if (i >= el.size() || !ToInt(el[i], &lp_count)) return false;
    if (lp_count != nf + 3 + (e.same_fields ? 0 : nf + 1)) return false;
    i++;
    e.deleted ? seen_deleted++ : seen_live++;
    entries->push_back(std::move(e));
  }
  return seen_live == live && seen_deleted == deleted && !entries->empty();
}

}  // namespace

void WriteStream(const CompactValue& v, bool compress, uint16_t version, std::string* out) {
  const auto& s = *static_cast<const StreamObject*>(v.object());
  // RDB 10 files take type 19 (Redis 7.0 loads them) unless a consumer's active time differs
  // from its seen time, which only type 21 keeps.
  bool v3 = version >= 11;
  for (auto it = s.groups.begin(); !v3 && it != s.groups.end(); ++it) {
    for (auto& [name, c] : it->second->consumers) v3 = v3 || c->active_time != c->seen_time;
  }
  out->push_back(static_cast<char>(v3 ? 21 : 19));
  WriteLength(out, s.nodes().size());
  for (auto& [master, node] : s.nodes()) {
    WriteString(out, EncodeId(master), compress);
    WriteString(out, NodeListpack(node, master), compress);
  }
  WriteLength(out, s.size());
  WriteLength(out, s.last_id.ms);
  WriteLength(out, s.last_id.seq);
  WriteLength(out, s.first_id.ms);
  WriteLength(out, s.first_id.seq);
  WriteLength(out, s.max_deleted_id.ms);
  WriteLength(out, s.max_deleted_id.seq);
  WriteLength(out, s.entries_added);
  WriteLength(out, s.groups.size());
  for (auto& [name, g] : s.groups) {
    WriteString(out, name, compress);
    WriteLength(out, g->last_id.ms);
    WriteLength(out, g->last_id.seq);
    WriteLength(out, static_cast<uint64_t>(g->entries_read));
    WriteLength(out, g->pel.size());
    for (auto& [id, p] : g->pel) {
      out->append(EncodeId(id));
      PutMillis(out, p.delivery_time);
      WriteLength(out, p.delivery_count);
    }
    WriteLength(out, g->consumers.size());
    for (auto& [cname, c] : g->consumers) {
      WriteString(out, cname, compress);
      PutMillis(out, c->seen_time);
      if (v3) PutMillis(out, c->active_time);
      WriteLength(out, c->pel.size());
      for (auto& [id, p] : c->pel) out->append(EncodeId(id));
    }
  }
}

bool ReadStream(uint8_t type, RdbReader& in, CompactValue* out) {
  auto s = std::make_unique<StreamObject>();
  uint64_t nnodes;
  if (!in.ReadLength(&nnodes)) return false;
  std::vector<std::string> elems;
  std::vector<std::string_view> master_fields;
  std::vector<StreamEntry> entries;
  for (uint64_t i = 0; i < nnodes; i++) {
    std::string key, blob;
    if (!in.ReadString(&key) || key.size() != 16 || !in.ReadString(&blob)) return false;
    StreamID master = DecodeId(key);
    if (!ParseNode(blob, master, &elems, &master_fields, &entries)) {
      return in.Fail("Stream listpack integrity check failed.");
    }
    // The node's key is its first entry's ID (deleted or not: entries are only flagged).
    if (entries.front().id != master) return false;
    if (!s->LoadNode(master, master_fields, entries)) return false;
  }
  uint64_t length, a, b;
  if (!in.ReadLength(&length) || !in.ReadLength(&a) || !in.ReadLength(&b)) return false;
  if (length != s->size()) return false;
  s->last_id = {a, b};
  if (type >= 19) {
    uint64_t fm, fs, dm, ds, added;
    if (!in.ReadLength(&fm) || !in.ReadLength(&fs) || !in.ReadLength(&dm) ||
        !in.ReadLength(&ds) || !in.ReadLength(&added)) {
      return false;
    }
    s->first_id = {fm, fs};
    s->max_deleted_id = {dm, ds};
    s->entries_added = added;
  } else {
    s->RefreshFirstId();
    s->entries_added = s->size();
  }
  // The last ID can't be behind an entry.
  if (s->size() > 0) {
    StreamIterator it(*s, StreamID{}, StreamID::Max(), true);
    StreamEntry top;
    if (it.Next(&top) && top.id > s->last_id) return false;
  }
  uint64_t ngroups;
  if (!in.ReadLength(&ngroups)) return false;
  for (uint64_t gi = 0; gi < ngroups; gi++) {
    std::string name;
    uint64_t ms, seq;
    if (!in.ReadString(&name) || !in.ReadLength(&ms) || !in.ReadLength(&seq)) return false;
    auto g = std::make_unique<StreamGroup>();
    g->last_id = {ms, seq};
    if (type >= 19) {
      uint64_t er;
      if (!in.ReadLength(&er)) return false;
      g->entries_read = static_cast<int64_t>(er);
    } else {
      g->entries_read = s->EstimateDistanceFromFirstEver(g->last_id);
    }
    uint64_t npel;
    if (!in.ReadLength(&npel)) return false;
    for (uint64_t k = 0; k < npel; k++) {
      std::string_view raw;
      int64_t t;
      uint64_t count;
      if (!in.ReadBytes(16, &raw)) return false;
      StreamID id = DecodeId(raw);
      if (!GetMillis(in, &t) || !in.ReadLength(&count)) return false;
      if (!g->pel.emplace(id, StreamPending{t, count, nullptr}).second) return false;
    }
    uint64_t nconsumers;
    if (!in.ReadLength(&nconsumers)) return false;
    for (uint64_t k = 0; k < nconsumers; k++) {
      std::string cname;
      int64_t seen, active;
      if (!in.ReadString(&cname) || !GetMillis(in, &seen)) return false;
      if (type >= 21) {
        if (!GetMillis(in, &active)) return false;
      } else {
        active = seen;
      }
      bool created;
      StreamConsumer* c = g->GetConsumer(cname, seen, &created);
      if (!created) return in.Fail("Duplicate stream consumer detected.");
      c->active_time = active;
      uint64_t cpel;
      if (!in.ReadLength(&cpel)) return false;
      for (uint64_t j = 0; j < cpel; j++) {
        std::string_view raw;
        if (!in.ReadBytes(16, &raw)) return false;
        auto it = g->pel.find(DecodeId(raw));
        // Every consumer entry must be in the group's PEL, owned by nobody else.
        if (it == g->pel.end() || it->second.consumer != nullptr) return false;
        StreamGroup::Assign(it->first, it->second, c);
      }
    }
    for (auto& [id, p] : g->pel) {
      if (p.consumer == nullptr) return false;  // a pending entry without an owner
    }
    if (!s->groups.emplace(std::move(name), std::move(g)).second) return false;
  }
  out->SetObject(std::move(s));
  return true;
}

}  // namespace carmine::rdb
