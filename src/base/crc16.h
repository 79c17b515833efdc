// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// CRC16 (XMODEM polynomial 0x1021) and the Redis Cluster hash slot of a key: the CRC of the key,
// or of the first non-empty "{...}" section, modulo 16384. Shards and cluster routing both use it.
#pragma once

#include <cstdint>
#include <string_view>

namespace carmine {

uint16_t Crc16(std::string_view data);
inline constexpr uint32_t kNumSlots = 16384;
uint32_t KeySlot(std::string_view key);

}  // namespace carmine
