// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "core/geohash.h"

#include <cmath>

namespace carmine::geo {
namespace {

constexpr double kMercatorMax = 20037726.37;
constexpr double kDegToRad = M_PI / 180.0;

double DegRad(double d) { return d * kDegToRad; }
double RadDeg(double r) { return r / kDegToRad; }

// Spreads the 32 bits of v to the even bit positions of a 64-bit word.
uint64_t Spread(uint32_t v) {
  uint64_t x = v;
  x = (x | (x << 16)) & 0x0000FFFF0000FFFFULL;
  x = (x | (x << 8)) & 0x00FF00FF00FF00FFULL;
  x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0FULL;
  x = (x | (x << 2)) & 0x3333333333333333ULL;
  x = (x | (x << 1)) & 0x5555555555555555ULL;
  return x;
}

// Gathers the even bits of x into 32 bits.
uint32_t Squash(uint64_t x) {
  x &= 0x5555555555555555ULL;
  x = (x | (x >> 1)) & 0x3333333333333333ULL;
  x = (x | (x >> 2)) & 0x0F0F0F0F0F0F0F0FULL;
  x = (x | (x >> 4)) & 0x00FF00FF00FF00FFULL;
  x = (x | (x >> 8)) & 0x0000FFFF0000FFFFULL;
  x = (x | (x >> 16)) & 0x00000000FFFFFFFFULL;
  return static_cast<uint32_t>(x);
}

struct Area {
  Range lon, lat;
};

Area DecodeArea(Range lon, Range lat, Bits h) {
  uint32_t ilat = Squash(h.bits);
  uint32_t ilon = Squash(h.bits >> 1);
  double cells = static_cast<double>(1ULL << h.step);
  Area a;
  a.lat.min = lat.min + (ilat * 1.0 / cells) * (lat.max - lat.min);
  a.lat.max = lat.min + ((ilat + 1) * 1.0 / cells) * (lat.max - lat.min);
  a.lon.min = lon.min + (ilon * 1.0 / cells) * (lon.max - lon.min);
  a.lon.max = lon.min + ((ilon + 1) * 1.0 / cells) * (lon.max - lon.min);
  return a;
}

// Moves a cell one step east/west (dx) or north/south (dy).
void Move(Bits* h, int dx, int dy) {
  int shift = 64 - h->step * 2;
  if (dx != 0) {
    uint64_t x = h->bits & 0xaaaaaaaaaaaaaaaaULL;
    uint64_t y = h->bits & 0x5555555555555555ULL;
    uint64_t zz = 0x5555555555555555ULL >> shift;
    if (dx > 0) {
      x = x + (zz + 1);
    } else {
      x = x | zz;
      x = x - (zz + 1);
    }
    x &= (0xaaaaaaaaaaaaaaaaULL >> shift);
    h->bits = x | y;
  }
  if (dy != 0) {
    uint64_t x = h->bits & 0xaaaaaaaaaaaaaaaaULL;
    uint64_t y = h->bits & 0x5555555555555555ULL;
    uint64_t zz = 0xaaaaaaaaaaaaaaaaULL >> shift;
    if (dy > 0) {
      y = y + (zz + 1);
    } else {
      y = y | zz;
      y = y - (zz + 1);
    }
    y &= (0x5555555555555555ULL >> shift);
    h->bits = x | y;
  }
}

uint8_t StepsForRadius(double range_m, double lat) {
  if (range_m == 0) return 26;
  int step = 1;
  while (range_m < kMercatorMax) {
    range_m *= 2;
    step++;
  }
  step -= 2;  // so the range is covered in most cases
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  if (step < 1) step = 1;
  if (step > 26) step = 26;
  return static_cast<uint8_t>(step);
}

double LatDistance(double lat1, double lat2) {
  return kEarthRadiusM * std::fabs(DegRad(lat2) - DegRad(lat1));
}

constexpr Range kLon{kLonMin, kLonMax};
constexpr Range kLat{kLatMin, kLatMax};

}  // namespace

bool Encode(Range lon, Range lat, double longitude, double latitude, uint8_t step, Bits* out) {
  if (longitude > kLonMax || longitude < kLonMin || latitude > kLatMax || latitude < kLatMin) {
    return false;
  }
  if (latitude < lat.min || latitude > lat.max || longitude < lon.min || longitude > lon.max) {
    return false;
  }
  double lat_off = (latitude - lat.min) / (lat.max - lat.min) * static_cast<double>(1ULL << step);
  double lon_off = (longitude - lon.min) / (lon.max - lon.min) * static_cast<double>(1ULL << step);
  out->step = step;
  out->bits = Spread(static_cast<uint32_t>(lat_off)) | (Spread(static_cast<uint32_t>(lon_off)) << 1);
  return true;
}

bool ScoreOf(double longitude, double latitude, uint64_t* score) {
  Bits b;
  if (!Encode(kLon, kLat, longitude, latitude, 26, &b)) return false;
  *score = b.bits;
  return true;
}

void Decode(uint64_t score, double* longitude, double* latitude) {
  Area a = DecodeArea(kLon, kLat, Bits{score, 26});
  double x = (a.lon.min + a.lon.max) / 2;
  double y = (a.lat.min + a.lat.max) / 2;
  *longitude = x > kLonMax ? kLonMax : (x < kLonMin ? kLonMin : x);
  *latitude = y > kLatMax ? kLatMax : (y < kLatMin ? kLatMin : y);
}

std::string HashString(uint64_t score) {
  static const char kAlphabet[] = "0123456789bcdefghjkmnpqrstuvwxyz";
  double lon, lat;
  Decode(score, &lon, &lat);
  Bits b;
  // The standard geohash uses latitude [-90, 90].
  if (!Encode(Range{-180, 180}, Range{-90, 90}, lon, lat, 26, &b)) b.bits = 0;
  std::string out(11, '0');
  for (int i = 0; i < 11; i++) {
    // 52 bits give ten full characters; the eleventh is taken as zero bits.
    int idx = i == 10 ? 0 : static_cast<int>((b.bits >> (52 - (i + 1) * 5)) & 0x1f);
    out[i] = kAlphabet[idx];
  }
  return out;
}

double Distance(double lon1, double lat1, double lon2, double lat2) {
  double v = std::sin((DegRad(lon2) - DegRad(lon1)) / 2);
  // Same longitude: only the latitude difference counts (and costs no trigonometry).
  if (v == 0.0) return LatDistance(lat1, lat2);
  double lat1r = DegRad(lat1), lat2r = DegRad(lat2);
  double u = std::sin((lat2r - lat1r) / 2);
  double a = u * u + std::cos(lat1r) * std::cos(lat2r) * v * v;
  return 2.0 * kEarthRadiusM * std::asin(std::sqrt(a));
}

bool Within(const Shape& s, double lon, double lat, double* dist) {
  if (!s.box) {
    *dist = Distance(s.lon, s.lat, lon, lat);
    return *dist <= s.radius_m;
  }
  // Latitude distance is the cheap test; do it first.
  if (LatDistance(lat, s.lat) > s.height_m / 2) return false;
  if (Distance(lon, lat, s.lon, lat) > s.width_m / 2) return false;
  *dist = Distance(s.lon, s.lat, lon, lat);
  return true;
}

int SearchRanges(const Shape& s, ScoreRange out[9]) {
  double height = s.box ? s.height_m / 2 : s.radius_m;
  double width = s.box ? s.width_m / 2 : s.radius_m;
  double lat_delta = RadDeg(height / kEarthRadiusM);
  double lon_delta_top = RadDeg(width / kEarthRadiusM / std::cos(DegRad(s.lat + lat_delta)));
  double lon_delta_bottom = RadDeg(width / kEarthRadiusM / std::cos(DegRad(s.lat - lat_delta)));
  bool south = s.lat < 0;
  double min_lon = south ? s.lon - lon_delta_bottom : s.lon - lon_delta_top;
  double max_lon = south ? s.lon + lon_delta_bottom : s.lon + lon_delta_top;
  double min_lat = s.lat - lat_delta;
  double max_lat = s.lat + lat_delta;

  double radius = s.box ? std::sqrt((s.width_m / 2) * (s.width_m / 2) +
                                    (s.height_m / 2) * (s.height_m / 2))
                        : s.radius_m;
  uint8_t steps = StepsForRadius(radius, s.lat);
  Bits hash;
  Encode(kLon, kLat, s.lon, s.lat, steps, &hash);
  // center, north, south, east, west, north-east, north-west, south-east, south-west
  static constexpr int kDirs[9][2] = {{0, 0},  {0, 1},  {0, -1}, {1, 0},  {-1, 0},
                                      {1, 1},  {-1, 1}, {1, -1}, {-1, -1}};
  Bits cells[9];
  auto neighbours = [&] {
    for (int i = 0; i < 9; i++) {
      cells[i] = hash;
      Move(&cells[i], kDirs[i][0], kDirs[i][1]);
    }
  };
  neighbours();
  // A too coarse step can leave part of the shape outside the nine cells: refine once.
  Area north = DecodeArea(kLon, kLat, cells[1]), southa = DecodeArea(kLon, kLat, cells[2]);
  Area east = DecodeArea(kLon, kLat, cells[3]), west = DecodeArea(kLon, kLat, cells[4]);
  bool decrease = north.lat.max < max_lat || southa.lat.min > min_lat ||
                  east.lon.max < max_lon || west.lon.min > min_lon;
  if (steps > 1 && decrease) {
    steps--;
    Encode(kLon, kLat, s.lon, s.lat, steps, &hash);
    neighbours();
  }
  Area area = DecodeArea(kLon, kLat, hash);
  if (steps >= 2) {
    // Drop the neighbours the shape cannot reach.
    auto drop = [&](int i) { cells[i] = Bits{}; };
    if (area.lat.min < min_lat) {
      drop(2);
      drop(8);
      drop(7);
    }
    if (area.lat.max > max_lat) {
      drop(1);
      drop(5);
      drop(6);
    }
    if (area.lon.min < min_lon) {
      drop(4);
      drop(8);
      drop(6);
    }
    if (area.lon.max > max_lon) {
      drop(3);
      drop(7);
      drop(5);
    }
  }
  int n = 0;
  int last = 0;
  for (int i = 0; i < 9; i++) {
    if (cells[i].zero()) continue;
    // Huge radii make adjacent cells coincide; skip a repeat of the previous one (Redis
    // compares with the last visited cell only once one other than the center was visited).
    if (last != 0 && cells[i].bits == cells[last].bits && cells[i].step == cells[last].step) {
      continue;
    }
    int shift = 52 - cells[i].step * 2;
    out[n].min = cells[i].bits << shift;
    out[n].max = (cells[i].bits + 1) << shift;
    n++;
    last = i;
  }
  return n;
}

}  // namespace carmine::geo
