// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Geohash arithmetic for the GEO commands, which store points in a sorted set scored by a 52-bit
// interleaved geohash (26 bits of latitude in the even bits, 26 of longitude in the odd ones) over
// longitude [-180, 180] and latitude [-85.05112878, 85.05112878] (the Web Mercator limits). The
// search cover (one cell plus its eight neighbours at a step chosen from the radius) and the
// haversine distance follow the published Redis algorithm so results, their order and distances
// agree digit for digit.
#pragma once

#include <cstdint>
#include <string>

namespace carmine::geo {

inline constexpr double kLonMin = -180, kLonMax = 180;
inline constexpr double kLatMin = -85.05112878, kLatMax = 85.05112878;
inline constexpr double kEarthRadiusM = 6372797.560856;

struct Bits {
  uint64_t bits = 0;
  uint8_t step = 0;
  bool zero() const { return bits == 0 && step == 0; }
};

struct Range {
  double min, max;
};

// Encodes a point at `step` bits per coordinate; false if outside the limits.
bool Encode(Range lon, Range lat, double longitude, double latitude, uint8_t step, Bits* out);
// The 52-bit score of a point (false if outside the limits).
bool ScoreOf(double longitude, double latitude, uint64_t* score);
// The center of the cell a score denotes (what GEOPOS reports).
void Decode(uint64_t score, double* longitude, double* latitude);
// The 11-character standard geohash string of a score (GEOHASH).
std::string HashString(uint64_t score);

double Distance(double lon1, double lat1, double lon2, double lat2);

// A search shape: a circle (radius) or a box (width x height), all in meters, around a center.
struct Shape {
  double lon, lat;
  bool box = false;
  double radius_m = 0;
  double width_m = 0, height_m = 0;
};

// Whether a point lies in the shape; *dist is its distance from the center in meters.
bool Within(const Shape& s, double lon, double lat, double* dist);

// The score ranges [min, max) to scan, in the order Redis visits them (duplicate adjacent cells
// skipped as Redis skips them).
struct ScoreRange {
  uint64_t min, max;
};
int SearchRanges(const Shape& s, ScoreRange out[9]);

}  // namespace carmine::geo
