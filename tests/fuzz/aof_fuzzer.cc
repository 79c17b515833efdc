// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// libFuzzer target for what the AOF loader parses: the manifest (as text) and the command stream
// of an incr file. A manifest that parses must serialize to text that parses to the same files;
// the command reader must end in a command, the end, a truncation or corruption, never reading
// past the input, and its valid offset must never move backwards or beyond the data.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "persist/aof_format.h"

// A file name of odd bytes is written escaped, which can make its line longer than a manifest
// line may be (Redis has the same limit; the names it writes are its own, and short).
static bool FitsLines(const std::string& text) {
  size_t start = 0;
  for (size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
    if (nl - start >= carmine::aof::kManifestMaxLine) return false;
  }
  return true;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  carmine::aof::Manifest m;
  if (carmine::aof::ParseManifest(in, &m).ok() && FitsLines(m.Serialize())) {
    carmine::aof::Manifest back;
    if (!carmine::aof::ParseManifest(m.Serialize(), &back).ok()) __builtin_trap();
    if (back.incrs.size() != m.incrs.size() || back.base.has_value() != m.base.has_value()) {
      __builtin_trap();
    }
    if (m.base && back.base->name != m.base->name) __builtin_trap();
  }
  carmine::aof::CommandReader reader(in);
  std::vector<std::string_view> args;
  size_t last = 0;
  for (;;) {
    auto r = reader.Next(&args);
    if (reader.valid_offset() < last || reader.valid_offset() > size) __builtin_trap();
    last = reader.valid_offset();
    if (r != carmine::aof::CommandReader::Result::kCommand) break;
    for (auto a : args) {
      if (a.data() < in.data() || a.data() + a.size() > in.data() + in.size()) __builtin_trap();
    }
  }
  return 0;
}
