// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// libFuzzer target for what other cluster nodes send: bus messages (a frame as the reader cuts
// it, decoded, re-encoded and decoded again to the same fields) and nodes.conf files. Nothing
// may crash, read past the input or leak.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "cluster/bus.h"
#include "cluster/state.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  int64_t len = carmine::cluster::FrameLength(in);
  if (len > 0 && static_cast<size_t>(len) <= in.size()) {
    carmine::cluster::Message m;
    std::string why;
    if (carmine::cluster::Decode(in.substr(0, static_cast<size_t>(len)), &m, &why)) {
      carmine::cluster::Message again;
      if (!carmine::cluster::Decode(carmine::cluster::Encode(m), &again, &why)) __builtin_trap();
      if (again.sender != m.sender || again.gossip.size() != m.gossip.size() ||
          again.channel != m.channel || again.payload != m.payload) {
        __builtin_trap();
      }
    }
  }
  carmine::cluster::ClusterState st;
  std::string why;
  if (st.Parse(in, 0, &why)) {
    carmine::cluster::ClusterState again;
    if (!again.Parse(st.Serialize(), 0, &why)) __builtin_trap();
  }
  return 0;
}
