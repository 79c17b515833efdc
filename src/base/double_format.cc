// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "base/double_format.h"

#include <cmath>
#include <cstdint>
#include <cstring>

namespace carmine {
namespace {

// A floating-point value f * 2^e with a 64-bit significand.
struct DiyFp {
  uint64_t f;
  int e;
};

// 10^k for k = -348, -340, ..., 340, each as the 64-bit significand nearest to it (top bit set)
// and its binary exponent. Computed with exact rational arithmetic.
constexpr DiyFp kPow10[] = {
    {0xfa8fd5a0081c0288ULL, -1220},  // 1e-348
    {0xbaaee17fa23ebf76ULL, -1193},  // 1e-340
    {0x8b16fb203055ac76ULL, -1166},  // 1e-332
    {0xcf42894a5dce35eaULL, -1140},  // 1e-324
    {0x9a6bb0aa55653b2dULL, -1113},  // 1e-316
    {0xe61acf033d1a45dfULL, -1087},  // 1e-308
    {0xab70fe17c79ac6caULL, -1060},  // 1e-300
    {0xff77b1fcbebcdc4fULL, -1034},  // 1e-292
    {0xbe5691ef416bd60cULL, -1007},  // 1e-284
    {0x8dd01fad907ffc3cULL, -980},  // 1e-276
    {0xd3515c2831559a83ULL, -954},  // 1e-268
    {0x9d71ac8fada6c9b5ULL, -927},  // 1e-260
    {0xea9c227723ee8bcbULL, -901},  // 1e-252
    {0xaecc49914078536dULL, -874},  // 1e-244
    {0x823c12795db6ce57ULL, -847},  // 1e-236
    {0xc21094364dfb5637ULL, -821},  // 1e-228
    {0x9096ea6f3848984fULL, -794},  // 1e-220
    {0xd77485cb25823ac7ULL, -768},  // 1e-212
    {0xa086cfcd97bf97f4ULL, -741},  // 1e-204
    {0xef340a98172aace5ULL, -715},  // 1e-196
    {0xb23867fb2a35b28eULL, -688},  // 1e-188
    {0x84c8d4dfd2c63f3bULL, -661},  // 1e-180
    {0xc5dd44271ad3cdbaULL, -635},  // 1e-172
    {0x936b9fcebb25c996ULL, -608},  // 1e-164
    {0xdbac6c247d62a584ULL, -582},  // 1e-156
    {0xa3ab66580d5fdaf6ULL, -555},  // 1e-148
    {0xf3e2f893dec3f126ULL, -529},  // 1e-140
    {0xb5b5ada8aaff80b8ULL, -502},  // 1e-132
    {0x87625f056c7c4a8bULL, -475},  // 1e-124
    {0xc9bcff6034c13053ULL, -449},  // 1e-116
    {0x964e858c91ba2655ULL, -422},  // 1e-108
    {0xdff9772470297ebdULL, -396},  // 1e-100
    {0xa6dfbd9fb8e5b88fULL, -369},  // 1e-92
    {0xf8a95fcf88747d94ULL, -343},  // 1e-84
    {0xb94470938fa89bcfULL, -316},  // 1e-76
    {0x8a08f0f8bf0f156bULL, -289},  // 1e-68
    {0xcdb02555653131b6ULL, -263},  // 1e-60
    {0x993fe2c6d07b7facULL, -236},  // 1e-52
    {0xe45c10c42a2b3b06ULL, -210},  // 1e-44
    {0xaa242499697392d3ULL, -183},  // 1e-36
    {0xfd87b5f28300ca0eULL, -157},  // 1e-28
    {0xbce5086492111aebULL, -130},  // 1e-20
    {0x8cbccc096f5088ccULL, -103},  // 1e-12
    {0xd1b71758e219652cULL, -77},  // 1e-4
    {0x9c40000000000000ULL, -50},  // 1e4
    {0xe8d4a51000000000ULL, -24},  // 1e12
    {0xad78ebc5ac620000ULL, 3},  // 1e20
    {0x813f3978f8940984ULL, 30},  // 1e28
    {0xc097ce7bc90715b3ULL, 56},  // 1e36
    {0x8f7e32ce7bea5c70ULL, 83},  // 1e44
    {0xd5d238a4abe98068ULL, 109},  // 1e52
    {0x9f4f2726179a2245ULL, 136},  // 1e60
    {0xed63a231d4c4fb27ULL, 162},  // 1e68
    {0xb0de65388cc8ada8ULL, 189},  // 1e76
    {0x83c7088e1aab65dbULL, 216},  // 1e84
    {0xc45d1df942711d9aULL, 242},  // 1e92
    {0x924d692ca61be758ULL, 269},  // 1e100
    {0xda01ee641a708deaULL, 295},  // 1e108
    {0xa26da3999aef774aULL, 322},  // 1e116
    {0xf209787bb47d6b85ULL, 348},  // 1e124
    {0xb454e4a179dd1877ULL, 375},  // 1e132
    {0x865b86925b9bc5c2ULL, 402},  // 1e140
    {0xc83553c5c8965d3dULL, 428},  // 1e148
    {0x952ab45cfa97a0b3ULL, 455},  // 1e156
    {0xde469fbd99a05fe3ULL, 481},  // 1e164
    {0xa59bc234db398c25ULL, 508},  // 1e172
    {0xf6c69a72a3989f5cULL, 534},  // 1e180
    {0xb7dcbf5354e9beceULL, 561},  // 1e188
    {0x88fcf317f22241e2ULL, 588},  // 1e196
    {0xcc20ce9bd35c78a5ULL, 614},  // 1e204
    {0x98165af37b2153dfULL, 641},  // 1e212
    {0xe2a0b5dc971f303aULL, 667},  // 1e220
    {0xa8d9d1535ce3b396ULL, 694},  // 1e228
    {0xfb9b7cd9a4a7443cULL, 720},  // 1e236
    {0xbb764c4ca7a44410ULL, 747},  // 1e244
    {0x8bab8eefb6409c1aULL, 774},  // 1e252
    {0xd01fef10a657842cULL, 800},  // 1e260
    {0x9b10a4e5e9913129ULL, 827},  // 1e268
    {0xe7109bfba19c0c9dULL, 853},  // 1e276
    {0xac2820d9623bf429ULL, 880},  // 1e284
    {0x80444b5e7aa7cf85ULL, 907},  // 1e292
    {0xbf21e44003acdd2dULL, 933},  // 1e300
    {0x8e679c2f5e44ff8fULL, 960},  // 1e308
    {0xd433179d9c8cb841ULL, 986},  // 1e316
    {0x9e19db92b4e31ba9ULL, 1013},  // 1e324
    {0xeb96bf6ebadf77d9ULL, 1039},  // 1e332
    {0xaf87023b9bf0ee6bULL, 1066},  // 1e340
};
constexpr int kFirstPow10 = -348;
constexpr int kPow10Step = 8;
constexpr int kNumPow10 = static_cast<int>(sizeof(kPow10) / sizeof(kPow10[0]));
// The scaled values' binary exponent stays in this window, so their integral part fits 32 bits.
constexpr int kMinScaledExp = -60;
constexpr int kMaxScaledExp = -32;

// The product rounded to 64 bits (half up), exponent adjusted.
DiyFp Multiply(DiyFp a, DiyFp b) {
  unsigned __int128 p = static_cast<unsigned __int128>(a.f) * b.f;
  uint64_t hi = static_cast<uint64_t>((p + (static_cast<unsigned __int128>(1) << 63)) >> 64);
  return {hi, a.e + b.e + 64};
}

DiyFp Normalized(DiyFp x) {
  while ((x.f & (1ULL << 63)) == 0) {
    x.f <<= 1;
    x.e--;
  }
  return x;
}

// The cached power c with kMinScaledExp <= e + c.e + 64 <= kMaxScaledExp, searched from an
// estimate of the index; *k is its decimal exponent.
DiyFp CachedPower(int e, int* k) {
  int estimate = static_cast<int>(-(e + kNumPow10) * 0.30102999566398114);
  int idx = (estimate - kFirstPow10) / kPow10Step;
  while (true) {
    int scaled = e + kPow10[idx].e + 64;
    if (scaled < kMinScaledExp) {
      idx++;
    } else if (scaled > kMaxScaledExp) {
      idx--;
    } else {
      *k = kFirstPow10 + idx * kPow10Step;
      return kPow10[idx];
    }
  }
}

// Moves the last digit down while that brings the digits closer to the value and keeps them
// inside the rounding interval. `rest`: what the digits lack to reach the upper boundary;
// `to_value`: the distance from the upper boundary to the value; `unit`: one in the last digit.
void Weed(char* digits, int n, uint64_t delta, uint64_t rest, uint64_t unit, uint64_t to_value) {
  while (rest < to_value && delta - rest >= unit &&
         (rest + unit < to_value || to_value - rest > rest + unit - to_value)) {
    digits[n - 1]--;
    rest += unit;
  }
}

constexpr uint64_t kTens[] = {1ULL,
                              10ULL,
                              100ULL,
                              1000ULL,
                              10000ULL,
                              100000ULL,
                              1000000ULL,
                              10000000ULL,
                              100000000ULL,
                              1000000000ULL,
                              10000000000ULL,
                              100000000000ULL,
                              1000000000000ULL,
                              10000000000000ULL,
                              100000000000000ULL,
                              1000000000000000ULL,
                              10000000000000000ULL,
                              100000000000000000ULL,
                              1000000000000000000ULL,
                              10000000000000000000ULL};

// Grisu2: digits of a finite positive v into `digits`; value ~= digits * 10^(*K). Returns the
// number of digits (at most 18).
int Grisu2(double v, char* digits, int* K) {
  uint64_t bits;
  memcpy(&bits, &v, sizeof(bits));
  uint64_t frac = bits & ((1ULL << 52) - 1);
  int biased = static_cast<int>((bits >> 52) & 0x7ff);
  DiyFp w = biased != 0 ? DiyFp{frac + (1ULL << 52), biased - 1075} : DiyFp{frac, -1074};
  // The rounding interval's ends, half an ulp around w (closer below at a power of two).
  DiyFp upper = Normalized({(w.f << 1) + 1, w.e - 1});
  int lower_shift = w.f == (1ULL << 52) ? 2 : 1;
  DiyFp lower{(w.f << lower_shift) - 1, w.e - lower_shift};
  lower.f <<= lower.e - upper.e;
  lower.e = upper.e;
  w = Normalized(w);
  int k;
  DiyFp c = CachedPower(upper.e, &k);
  w = Multiply(w, c);
  upper = Multiply(upper, c);
  lower = Multiply(lower, c);
  lower.f++;  // stay inside the interval despite the products' rounding
  upper.f--;
  *K = -k;

  uint64_t to_value = upper.f - w.f;
  uint64_t delta = upper.f - lower.f;
  int shift = -upper.e;
  uint64_t one = 1ULL << shift;
  uint64_t integral = upper.f >> shift;
  uint64_t fraction = upper.f & (one - 1);
  int n = 0;
  // Integral part: at most 10 digits (it is below 2^32).
  for (int kappa = 10; kappa > 0;) {
    uint64_t div = kTens[kappa - 1];
    uint64_t digit = integral / div;
    if (digit != 0 || n != 0) digits[n++] = static_cast<char>('0' + digit);
    integral -= digit * div;
    kappa--;
    uint64_t rest = (integral << shift) + fraction;
    if (rest <= delta) {
      *K += kappa;
      Weed(digits, n, delta, rest, div << shift, to_value);
      return n;
    }
  }
  // Fractional part, one digit at a time.
  for (int kappa = 0, scale = 1;; scale++) {
    fraction *= 10;
    delta *= 10;
    kappa--;
    uint64_t digit = fraction >> shift;
    if (digit != 0 || n != 0) digits[n++] = static_cast<char>('0' + digit);
    fraction &= one - 1;
    if (fraction < delta) {
      *K += kappa;
      Weed(digits, n, delta, fraction, one, to_value * kTens[scale]);
      return n;
    }
  }
}

// Lays out digits * 10^K as Redis does.
size_t Emit(const char* digits, int n, int K, bool negative, char* out) {
  int exp10 = K + n - 1;  // the exponent in d.ddd form
  int mag = exp10 < 0 ? -exp10 : exp10;
  if (K >= 0 && mag < n + 7) {  // an integer: the digits, then zeros
    memcpy(out, digits, n);
    memset(out + n, '0', K);
    return static_cast<size_t>(n + K);
  }
  if (K < 0 && (K > -7 || mag < 4)) {  // a plain decimal fraction
    int before_point = n + K;
    if (before_point <= 0) {
      out[0] = '0';
      out[1] = '.';
      memset(out + 2, '0', -before_point);
      memcpy(out + 2 - before_point, digits, n);
      return static_cast<size_t>(2 - before_point + n);
    }
    memcpy(out, digits, before_point);
    out[before_point] = '.';
    memcpy(out + before_point + 1, digits + before_point, n - before_point);
    return static_cast<size_t>(n + 1);
  }
  // Scientific: d[.ddd]e[+-]x with no leading zeros in the exponent.
  if (n > 18 - (negative ? 1 : 0)) n = 18 - (negative ? 1 : 0);
  size_t len = 0;
  out[len++] = digits[0];
  if (n > 1) {
    out[len++] = '.';
    memcpy(out + len, digits + 1, n - 1);
    len += n - 1;
  }
  out[len++] = 'e';
  out[len++] = exp10 < 0 ? '-' : '+';
  if (mag >= 100) out[len++] = static_cast<char>('0' + mag / 100);
  if (mag >= 10) out[len++] = static_cast<char>('0' + (mag / 10) % 10);
  out[len++] = static_cast<char>('0' + mag % 10);
  return len;
}

}  // namespace

size_t FormatDouble(double v, char* buf) {
  if (std::isnan(v)) {
    memcpy(buf, "nan", 3);
    return 3;
  }
  if (std::isinf(v)) {
    if (v < 0) {
      memcpy(buf, "-inf", 4);
      return 4;
    }
    memcpy(buf, "inf", 3);
    return 3;
  }
  if (v == 0) {
    if (std::signbit(v)) {
      memcpy(buf, "-0", 2);
      return 2;
    }
    buf[0] = '0';
    return 1;
  }
  // Whole numbers of moderate size print as integers.
  constexpr double kIntLimit = static_cast<double>(INT64_MAX / 2);
  if (v >= -kIntLimit && v <= kIntLimit) {
    auto i = static_cast<int64_t>(v);
    if (static_cast<double>(i) == v) {
      std::string s = std::to_string(i);
      memcpy(buf, s.data(), s.size());
      return s.size();
    }
  }
  return FormatDoubleDigits(v, buf);
}

size_t FormatDoubleDigits(double v, char* buf) {
  if (std::isnan(v) || std::isinf(v) || v == 0) return FormatDouble(v, buf);
  size_t len = 0;
  bool negative = std::signbit(v);
  if (negative) {
    buf[len++] = '-';
    v = -v;
  }
  char digits[20];
  int K = 0;
  int n = Grisu2(v, digits, &K);
  return len + Emit(digits, n, K, negative, buf + len);
}

std::string FormatDouble(double v) {
  char buf[32];
  return std::string(buf, FormatDouble(v, buf));
}

}  // namespace carmine
