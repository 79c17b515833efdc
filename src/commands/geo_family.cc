// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// GEO commands: points are members of a sorted set scored by their 52-bit geohash
// (core/geohash.h). GEOADD is ZADD with computed scores; searches scan the score ranges of the
// covering cells, keep the points inside the circle or box, then sort and trim as Redis does.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "base/strutil.h"
#include "commands/collection_util.h"
#include "commands/families.h"
#include "commands/zset_util.h"
#include "core/geohash.h"
#include "protocol/errors.h"

namespace carmine {
namespace {

constexpr ObjType kZSet = ObjType::kZSet;

std::string Fixed4(double d) {
  char buf[128];
  int n = snprintf(buf, sizeof(buf), "%.4f", d);
  return std::string(buf, static_cast<size_t>(n));
}

// Parses "lon lat" at args[i], args[i+1]. Replies and returns false on error.
bool ParseLonLat(CommandContext& ctx, std::string_view lon_s, std::string_view lat_s, double* lon,
                 double* lat) {
  if (!ParseDouble(lon_s, lon) || !ParseDouble(lat_s, lat)) {
    ctx.rb.Error(err::kNotFloat);
    return false;
  }
  if (*lon < geo::kLonMin || *lon > geo::kLonMax || *lat < geo::kLatMin || *lat > geo::kLatMax) {
    char pair[128];
    snprintf(pair, sizeof(pair), "%f,%f", *lon, *lat);
    ctx.rb.Error(err::Format(err::kInvalidLonLat, pair));
    return false;
  }
  return true;
}

// Meters per unit; -1 (after replying) for an unknown unit.
double ParseUnit(CommandContext& ctx, std::string_view u) {
  if (EqualsIgnoreCase(u, "m")) return 1;
  if (EqualsIgnoreCase(u, "km")) return 1000;
  if (EqualsIgnoreCase(u, "ft")) return 0.3048;
  if (EqualsIgnoreCase(u, "mi")) return 1609.34;
  ctx.rb.Error(err::kGeoUnit);
  return -1;
}

bool MemberPoint(const ZSetObject* z, std::string_view member, double* lon, double* lat) {
  double score;
  if (z == nullptr || !z->Score(member, &score)) return false;
  geo::Decode(static_cast<uint64_t>(score), lon, lat);
  return true;
}

// GEOADD key [NX|XX] [CH] longitude latitude member [...]
void CmdGeoAdd(ArgList args, CommandContext& ctx) {
  size_t i = 2;
  bool nx = false, xx = false;
  // Redis propagates GEOADD as the ZADD it becomes, command name in lower case.
  std::vector<std::string> zadd = {"zadd", std::string(args[1])};
  for (; i < args.size(); i++) {
    if (EqualsIgnoreCase(args[i], "NX")) {
      nx = true;
    } else if (EqualsIgnoreCase(args[i], "XX")) {
      xx = true;
    } else if (EqualsIgnoreCase(args[i], "CH")) {
    } else {
      break;
    }
    zadd.emplace_back(args[i]);
  }
  if ((args.size() - i) % 3 != 0 || (nx && xx)) {
    ctx.rb.Error(err::kSyntax);
    return;
  }
  for (; i < args.size(); i += 3) {
    double lon, lat;
    if (!ParseLonLat(ctx, args[i], args[i + 1], &lon, &lat)) return;
    uint64_t score;
    geo::ScoreOf(lon, lat, &score);
    zadd.push_back(std::to_string(score));
    zadd.emplace_back(args[i + 2]);
  }
  std::vector<std::string_view> views(zadd.begin(), zadd.end());
  ZAddCommand(ArgList(views.data(), views.size()), ctx);
  if (ctx.propagating()) {
    if (ctx.changes > 0) {
      ctx.Propagate(std::move(zadd));
    } else {
      ctx.PropagateNothing();
    }
  }
}

// GEOPOS key member [member ...]
void CmdGeoPos(ArgList args, CommandContext& ctx) {
  Db db = ctx.db();
  ZSetObject* z;
  if (!ReadObject(ctx, db, args[1], kZSet, &z)) return;
  ctx.rb.ArrayLen(static_cast<int64_t>(args.size() - 2));
  for (size_t i = 2; i < args.size(); i++) {
    double lon, lat;
    if (!MemberPoint(z, args[i], &lon, &lat)) {
      ctx.rb.NullArray();
      continue;
    }
    ctx.rb.ArrayLen(2);
    ctx.rb.DoubleText(LongDoubleToHuman(lon));
    ctx.rb.DoubleText(LongDoubleToHuman(lat));
  }
}

// GEODIST key member1 member2 [M|KM|FT|MI]
void CmdGeoDist(ArgList args, CommandContext& ctx) {
  double to_meters = 1;
  if (args.size() == 5) {
    to_meters = ParseUnit(ctx, args[4]);
    if (to_meters < 0) return;
  } else if (args.size() > 5) {
    ctx.rb.Error(err::kSyntax);
    return;
  }
  Db db = ctx.db();
  ZSetObject* z;
  if (!ReadObject(ctx, db, args[1], kZSet, &z)) return;
  double lon1, lat1, lon2, lat2;
  if (!MemberPoint(z, args[2], &lon1, &lat1) || !MemberPoint(z, args[3], &lon2, &lat2)) {
    ctx.rb.Null();
    return;
  }
  ctx.rb.Bulk(Fixed4(geo::Distance(lon1, lat1, lon2, lat2) / to_meters));
}

// GEOHASH key member [member ...]
void CmdGeoHash(ArgList args, CommandContext& ctx) {
  Db db = ctx.db();
  ZSetObject* z;
  if (!ReadObject(ctx, db, args[1], kZSet, &z)) return;
  ctx.rb.ArrayLen(static_cast<int64_t>(args.size() - 2));
  for (size_t i = 2; i < args.size(); i++) {
    double score;
    if (z == nullptr || !z->Score(args[i], &score)) {
      ctx.rb.Null();
    } else {
      ctx.rb.Bulk(geo::HashString(static_cast<uint64_t>(score)));
    }
  }
}

// ---- searches ----------------------------------------------------------------------------------

enum SearchFlags {
  kByCoords = 1,    // GEORADIUS: key lon lat radius unit
  kByMember = 2,    // GEORADIUSBYMEMBER: key member radius unit
  kSearch = 4,      // GEOSEARCH: FROM*/BY* options
  kSearchStore = 8, // GEOSEARCHSTORE: destination first
  kNoStore = 16,    // the _RO variants
};

struct Point {
  std::string member;
  double dist;
  uint64_t score;
  double lon, lat;
};

void SearchGeneric(ArgList args, CommandContext& ctx, int flags) {
  size_t src = (flags & kSearchStore) ? 2 : 1;
  Db db = ctx.db();
  ZSetObject* z;
  if (!ReadObject(ctx, db, args[src], kZSet, &z)) return;
  geo::Shape shape;
  double conversion = 1;
  size_t base;
  auto parse_radius = [&](std::string_view r, std::string_view unit) {
    double radius;
    if (!ParseDouble(r, &radius)) {
      ctx.rb.Error(err::kGeoRadiusNotNumber);
      return false;
    }
    if (radius < 0) {
      ctx.rb.Error(err::kGeoRadiusNegative);
      return false;
    }
    conversion = ParseUnit(ctx, unit);
    if (conversion < 0) return false;
    shape.box = false;
    shape.radius_m = radius * conversion;
    return true;
  };
  if (flags & kByCoords) {
    base = 6;
    if (!ParseLonLat(ctx, args[2], args[3], &shape.lon, &shape.lat)) return;
    if (!parse_radius(args[4], args[5])) return;
  } else if (flags & kByMember) {
    base = 5;
    if (z != nullptr) {
      if (!MemberPoint(z, args[2], &shape.lon, &shape.lat)) {
        ctx.rb.Error(err::kGeoMemberUndecodable);
        return;
      }
      if (!parse_radius(args[3], args[4])) return;
    }
  } else {
    base = (flags & kSearchStore) ? 3 : 2;
  }
  bool withdist = false, withhash = false, withcoord = false, any = false, storedist = false;
  bool frommember = false, fromloc = false, byradius = false, bybox = false;
  int sort = 0;  // 0 none, 1 asc, -1 desc
  int64_t count = 0;
  std::string_view storekey;
  if (flags & kSearchStore) storekey = args[1];
  size_t remaining = args.size() - base;
  for (size_t i = 0; i < remaining; i++) {
    std::string_view a = args[base + i];
    auto more = [&](size_t n) { return i + n < remaining; };
    if (EqualsIgnoreCase(a, "WITHDIST")) {
      withdist = true;
    } else if (EqualsIgnoreCase(a, "WITHHASH")) {
      withhash = true;
    } else if (EqualsIgnoreCase(a, "WITHCOORD")) {
      withcoord = true;
    } else if (EqualsIgnoreCase(a, "ANY")) {
      any = true;
    } else if (EqualsIgnoreCase(a, "ASC")) {
      sort = 1;
    } else if (EqualsIgnoreCase(a, "DESC")) {
      sort = -1;
    } else if (EqualsIgnoreCase(a, "COUNT") && more(1)) {
      if (!ParseInt64(args[base + i + 1], &count)) {
        ctx.rb.Error(err::kNotInt);
        return;
      }
      if (count <= 0) {
        ctx.rb.Error(err::kGeoCountNotPositive);
        return;
      }
      i++;
    } else if (!(flags & (kNoStore | kSearch)) && EqualsIgnoreCase(a, "STORE") && more(1)) {
      storekey = args[base + i + 1];
      storedist = false;
      i++;
    } else if (!(flags & (kNoStore | kSearch)) && EqualsIgnoreCase(a, "STOREDIST") && more(1)) {
      storekey = args[base + i + 1];
      storedist = true;
      i++;
    } else if ((flags & kSearchStore) && EqualsIgnoreCase(a, "STOREDIST")) {
      storedist = true;
    } else if ((flags & kSearch) && EqualsIgnoreCase(a, "FROMMEMBER") && more(1) && !fromloc) {
      if (z != nullptr && !MemberPoint(z, args[base + i + 1], &shape.lon, &shape.lat)) {
        ctx.rb.Error(err::kGeoMemberUndecodable);
        return;
      }
      frommember = true;
      i++;
    } else if ((flags & kSearch) && EqualsIgnoreCase(a, "FROMLONLAT") && more(2) &&
               !frommember) {
      if (!ParseLonLat(ctx, args[base + i + 1], args[base + i + 2], &shape.lon, &shape.lat)) {
        return;
      }
      fromloc = true;
      i += 2;
    } else if ((flags & kSearch) && EqualsIgnoreCase(a, "BYRADIUS") && more(2) && !bybox) {
      if (!parse_radius(args[base + i + 1], args[base + i + 2])) return;
      byradius = true;
      i += 2;
    } else if ((flags & kSearch) && EqualsIgnoreCase(a, "BYBOX") && more(3) && !byradius) {
      double w, h;
      if (!ParseDouble(args[base + i + 1], &w)) {
        ctx.rb.Error(err::kGeoWidthNotNumber);
        return;
      }
      if (!ParseDouble(args[base + i + 2], &h)) {
        ctx.rb.Error(err::kGeoHeightNotNumber);
        return;
      }
      if (w < 0 || h < 0) {
        ctx.rb.Error(err::kGeoBoxNegative);
        return;
      }
      conversion = ParseUnit(ctx, args[base + i + 3]);
      if (conversion < 0) return;
      shape.box = true;
      shape.width_m = w * conversion;
      shape.height_m = h * conversion;
      bybox = true;
      i += 3;
    } else {
      ctx.rb.Error(err::kSyntax);
      return;
    }
  }
  if (!storekey.empty() && (withdist || withhash || withcoord)) {
    ctx.rb.Error(err::Format(err::kGeoStoreWithOptions, (flags & kSearchStore)
                                                           ? "GEOSEARCHSTORE"
                                                           : "STORE option in GEORADIUS"));
    return;
  }
  std::string name = ToLower(args[0]);
  if ((flags & kSearch) && !(frommember || fromloc)) {
    ctx.rb.Error(err::Format(err::kGeoFromOne, args[0]));
    return;
  }
  if ((flags & kSearch) && !(byradius || bybox)) {
    ctx.rb.Error(err::Format(err::kGeoByOne, args[0]));
    return;
  }
  if (any && count == 0) {
    ctx.rb.Error(err::kGeoAnyNeedsCount);
    return;
  }
  std::string store(storekey);
  if (z == nullptr) {
    if (!store.empty()) {
      if (db.Delete(store)) db.Changed(store, kNotifyGeneric, "del");
      ctx.rb.Int(0);
    } else {
      ctx.rb.ArrayLen(0);
    }
    return;
  }
  if (count != 0 && sort == 0 && !any) sort = 1;

  std::vector<Point> found;
  geo::ScoreRange ranges[9];
  int nranges = geo::SearchRanges(shape, ranges);
  size_t limit = any ? static_cast<size_t>(count) : 0;
  for (int r = 0; r < nranges; r++) {
    if (limit != 0 && found.size() >= limit) break;
    // Scores are stored as doubles: [min, max) over the exact 52-bit integers.
    size_t first = z->LowerBoundScore(static_cast<double>(ranges[r].min), false);
    size_t end = z->LowerBoundScore(static_cast<double>(ranges[r].max), false);
    if (first >= end) continue;
    z->ForRanks(first, end - 1, false, [&](std::string_view m, double s) {
      if (limit != 0 && found.size() >= limit) return;
      Point p;
      p.score = static_cast<uint64_t>(s);
      geo::Decode(p.score, &p.lon, &p.lat);
      if (!geo::Within(shape, p.lon, p.lat, &p.dist)) return;
      p.member.assign(m);
      found.push_back(std::move(p));
    });
  }
  if (found.empty() && store.empty()) {
    ctx.rb.ArrayLen(0);
    return;
  }
  size_t returned = (count == 0 || found.size() < static_cast<size_t>(count))
                        ? found.size()
                        : static_cast<size_t>(count);
  if (sort != 0) {
    std::stable_sort(found.begin(), found.end(), [&](const Point& a, const Point& b) {
      return sort > 0 ? a.dist < b.dist : a.dist > b.dist;
    });
  }
  if (store.empty()) {
    int options = withdist + withhash + withcoord;
    ctx.rb.ArrayLen(static_cast<int64_t>(returned));
    for (size_t i = 0; i < returned; i++) {
      Point& p = found[i];
      if (options) ctx.rb.ArrayLen(options + 1);
      ctx.rb.Bulk(p.member);
      if (withdist) ctx.rb.Bulk(Fixed4(p.dist / conversion));
      if (withhash) ctx.rb.Int(static_cast<int64_t>(p.score));
      if (withcoord) {
        ctx.rb.ArrayLen(2);
        ctx.rb.DoubleText(LongDoubleToHuman(p.lon));
        ctx.rb.DoubleText(LongDoubleToHuman(p.lat));
      }
    }
    return;
  }
  if (returned == 0) {
    if (db.Delete(store)) db.Changed(store, kNotifyGeneric, "del");
    ctx.rb.Int(0);
    return;
  }
  auto result = std::make_unique<ZSetObject>();
  EncodingLimits lim = ctx.opts.limits();
  for (size_t i = 0; i < returned; i++) {
    double s = storedist ? found[i].dist / conversion : static_cast<double>(found[i].score);
    result->Set(found[i].member, s, lim);
  }
  StoreObject(db, store, std::move(result));
  db.Changed(store, kNotifyZset, (flags & kSearchStore) ? "geosearchstore" : "georadiusstore");
  ctx.rb.Int(static_cast<int64_t>(returned));
}

void CmdGeoRadius(ArgList a, CommandContext& c) { SearchGeneric(a, c, kByCoords); }
void CmdGeoRadiusRo(ArgList a, CommandContext& c) { SearchGeneric(a, c, kByCoords | kNoStore); }
void CmdGeoRadiusByMember(ArgList a, CommandContext& c) { SearchGeneric(a, c, kByMember); }
void CmdGeoRadiusByMemberRo(ArgList a, CommandContext& c) {
  SearchGeneric(a, c, kByMember | kNoStore);
}
void CmdGeoSearch(ArgList a, CommandContext& c) { SearchGeneric(a, c, kSearch | kNoStore); }
void CmdGeoSearchStore(ArgList a, CommandContext& c) {
  SearchGeneric(a, c, kSearch | kSearchStore);
}

// GEORADIUS(BYMEMBER) keys: the source, plus the STORE/STOREDIST destination.
template <size_t kBase>
std::vector<int> RadiusKeys(ArgList args) {
  std::vector<int> out;
  if (args.size() > 1) out.push_back(1);
  for (size_t i = kBase; i + 1 < args.size(); i++) {
    if (EqualsIgnoreCase(args[i], "STORE") || EqualsIgnoreCase(args[i], "STOREDIST")) {
      out.push_back(static_cast<int>(i + 1));
      i++;
    }
  }
  return out;
}

}  // namespace

void RegisterGeoFamily(CommandRegistry& r) {
  constexpr uint64_t G = acl::kGeo;
  r.Add({"GEOADD", -5, kWrite | kDenyOom, 1, 1, 1, G, &CmdGeoAdd, "geo", "3.2.0",
         "Adds one or more members to a geospatial index. The key is created if it doesn't exist.",
         "O(log(N)) for each item added, where N is the number of elements in the sorted set."})
      .Args(
          "key:key [condition(!NX|!XX)] [!CH] data{longitude:double latitude:double "
          "member:string}...")
      .KeyFlags("RW update");
  r.Add({"GEOPOS", -2, kReadOnly, 1, 1, 1, G, &CmdGeoPos, "geo", "3.2.0",
         "Returns the longitude and latitude of members from a geospatial index.",
         "O(N) where N is the number of members requested."})
      .Args("key:key [member:string...]")
      .KeyFlags("RO access");
  r.Add({"GEODIST", -4, kReadOnly, 1, 1, 1, G, &CmdGeoDist, "geo", "3.2.0",
         "Returns the distance between two members of a geospatial index.", "O(1)"})
      .Args("key:key member1:string member2:string [unit(!M|!KM|!FT|!MI)]")
      .KeyFlags("RO access");
  r.Add({"GEOHASH", -2, kReadOnly, 1, 1, 1, G, &CmdGeoHash, "geo", "3.2.0",
         "Returns members from a geospatial index as geohash strings.",
         "O(1) for each member requested."})
      .Args("key:key [member:string...]")
      .KeyFlags("RO access");
  constexpr std::string_view kRadiusCost =
      "O(N+log(M)) where N is the number of elements inside the bounding box of the circular "
      "area delimited by center and radius and M is the number of items inside the index.";
  r.Add({"GEORADIUS", -6, kWrite | kDenyOom, 1, 1, 1, G, &CmdGeoRadius, "geo", "3.2.0",
         "Queries a geospatial index for members within a distance from a coordinate, optionally "
         "stores the result.",
         kRadiusCost})
      .Args(
          "key:key longitude:double latitude:double radius:double unit(!M|!KM|!FT|!MI)"
          " [!WITHCOORD] [!WITHDIST] [!WITHHASH] [count-block{COUNT=count:integer [!ANY]}]"
          " [order(!ASC|!DESC)] [store(STORE=key:key|STOREDIST=key:key)]")
      .Keys(&RadiusKeys<6>)
      .KeyFlags("RO access|OW update");
  r.Add({"GEORADIUSBYMEMBER", -5, kWrite | kDenyOom, 1, 1, 1, G, &CmdGeoRadiusByMember, "geo",
         "3.2.0",
         "Queries a geospatial index for members within a distance from a member, optionally "
         "stores the result.",
         "O(N+log(M)) where N is the number of elements inside the bounding box of the circular "
         "area delimited by center and radius and M is the number of items inside the index."})
      .Args(
          "key:key member:string radius:double unit(!M|!KM|!FT|!MI) [!WITHCOORD] [!WITHDIST]"
          " [!WITHHASH] [count-block{COUNT=count:integer [!ANY]}] [order(!ASC|!DESC)]"
          " [store(STORE=key:key|STOREDIST=key:key)]")
      .Keys(&RadiusKeys<5>)
      .KeyFlags("RO access|OW update");
  r.Add({"GEORADIUS_RO", -6, kReadOnly, 1, 1, 1, G, &CmdGeoRadiusRo, "geo", "3.2.10",
         "Returns members from a geospatial index that are within a distance from a coordinate.",
         kRadiusCost})
      .Args(
          "key:key longitude:double latitude:double radius:double unit(!M|!KM|!FT|!MI)"
          " [!WITHCOORD] [!WITHDIST] [!WITHHASH] [count-block{COUNT=count:integer [!ANY]}]"
          " [order(!ASC|!DESC)]")
      .KeyFlags("RO access");
  r.Add({"GEORADIUSBYMEMBER_RO", -5, kReadOnly, 1, 1, 1, G, &CmdGeoRadiusByMemberRo, "geo",
         "3.2.10",
         "Returns members from a geospatial index that are within a distance from a member.",
         "O(N+log(M)) where N is the number of elements inside the bounding box of the circular "
         "area delimited by center and radius and M is the number of items inside the index."})
      .Args(
          "key:key member:string radius:double unit(!M|!KM|!FT|!MI) [!WITHCOORD] [!WITHDIST]"
          " [!WITHHASH] [count-block{COUNT=count:integer [!ANY]}] [order(!ASC|!DESC)]")
      .KeyFlags("RO access");
  r.Add({"GEOSEARCH", -7, kReadOnly, 1, 1, 1, G, &CmdGeoSearch, "geo", "6.2.0",
         "Queries a geospatial index for members inside an area of a box or a circle.",
         "O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area "
         "around the shape provided as the filter and M is the number of items inside the shape"})
      .Args(
          "key:key from(FROMMEMBER=member:string|FROMLONLAT=fromlonlat{longitude:double "
          "latitude:double}) by(circle{BYRADIUS=radius:double unit(!M|!KM|!FT|!MI)}"
          "|box{BYBOX=width:double height:double unit(!M|!KM|!FT|!MI)}) [order(!ASC|!DESC)]"
          " [count-block{COUNT=count:integer [!ANY]}] [!WITHCOORD] [!WITHDIST] [!WITHHASH]")
      .KeyFlags("RO access");
  r.Add({"GEOSEARCHSTORE", -8, kWrite | kDenyOom, 1, 2, 1, G, &CmdGeoSearchStore, "geo", "6.2.0",
         "Queries a geospatial index for members inside an area of a box or a circle, optionally "
         "stores the result.",
         "O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area "
         "around the shape provided as the filter and M is the number of items inside the shape"})
      .Args(
          "destination:key source:key from(FROMMEMBER=member:string|FROMLONLAT=fromlonlat{"
          "longitude:double latitude:double}) by(circle{BYRADIUS=radius:double "
          "unit(!M|!KM|!FT|!MI)}|box{BYBOX=width:double height:double unit(!M|!KM|!FT|!MI)})"
          " [order(!ASC|!DESC)] [count-block{COUNT=count:integer [!ANY]}] [!STOREDIST]")
      .KeyFlags("OW update|RO access");
}

}  // namespace carmine
