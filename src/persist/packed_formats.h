// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// The compact blobs Redis embeds in RDB values, as their formats are specified: listpack (written
// and read), intset (written and read), and the older ziplist and zipmap (read only, for files
// from long-lived Redis installs). Readers validate every length against the blob and return
// false on anything malformed: a corrupt file or RESTORE payload must never crash the server.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace carmine::rdb {

// Builds a listpack: elements that are canonical integers take the integer forms.
class ListpackWriter {
 public:
  ListpackWriter() { buf_.assign(6, '\0'); }
  void Add(std::string_view s);
  size_t bytes() const { return buf_.size() + 1; }
  size_t count() const { return count_; }
  // The finished blob (header filled in, end byte appended).
  std::string Finish();

 private:
  std::string buf_;
  size_t count_ = 0;
};

// Calls fn(element) for each element of a listpack / ziplist / zipmap (zipmap: key, value, key,
// value, ...). False if the blob is malformed.
bool ReadListpack(std::string_view blob, const std::function<void(std::string_view)>& fn);
bool ReadZiplist(std::string_view blob, const std::function<void(std::string_view)>& fn);
bool ReadZipmap(std::string_view blob, const std::function<void(std::string_view)>& fn);

// intset: 2/4/8-byte little-endian integers, sorted ascending.
std::string WriteIntset(std::vector<int64_t> values);
bool ReadIntset(std::string_view blob, std::vector<int64_t>* out);

}  // namespace carmine::rdb
