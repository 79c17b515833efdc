// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "core/geohash.h"
#include "test_server.h"

namespace carmine::testing {
namespace {

class GeoFamilyTest : public CommandTest {};

TEST_F(GeoFamilyTest, DistanceHashAndPositions) {
  EXPECT_INT(Run({"geoadd", "Sicily", "13.361389", "38.115556", "Palermo", "15.087269",
                  "37.502669", "Catania"}),
             2);
  EXPECT_EQ(Run({"geodist", "Sicily", "Palermo", "Catania"}), "166274.1516");
  EXPECT_EQ(Run({"geodist", "Sicily", "Palermo", "Catania", "km"}), "166.2742");
  EXPECT_ARRAY(Run({"geohash", "Sicily", "Palermo", "Catania"}), {"sqc8b49rny0", "sqdtr74hyu0"});
  Reply pos = Run({"geopos", "Sicily", "Palermo"});
  ASSERT_EQ(pos.elems.size(), 1u);
  EXPECT_EQ(pos.elems[0].elems[0].str, "13.36138933897018433");
  EXPECT_EQ(pos.elems[0].elems[1].str, "38.11555639549629859");
  EXPECT_ARRAY(Run({"geosearch", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km",
                    "ASC"}),
               {"Catania", "Palermo"});
  EXPECT_ERR(Run({"geoadd", "Sicily", "200", "100", "x"}),
             "ERR invalid longitude,latitude pair 200.000000,100.000000");
}

TEST(GeohashTest, ScoreRoundTripStaysInsideTheCell) {
  for (double lon = -179.5; lon < 180; lon += 37.3) {
    for (double lat = -85; lat <= 85; lat += 17.1) {
      uint64_t score;
      ASSERT_TRUE(geo::ScoreOf(lon, lat, &score));
      double dlon, dlat;
      geo::Decode(score, &dlon, &dlat);
      EXPECT_LT(geo::Distance(lon, lat, dlon, dlat), 1.0);  // 26-bit cells are < 1 m wide
    }
  }
}

}  // namespace
}  // namespace carmine::testing
