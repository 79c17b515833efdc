// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "core/hyperloglog.h"

#include <cmath>
#include <cstring>
#include <vector>

namespace carmine::hll {
namespace {

constexpr int kP = 14;
constexpr int kQ = 64 - kP;
constexpr int kRegisterMax = 63;
constexpr uint8_t kDense = 0, kSparse = 1;
constexpr int kValMaxValue = 32, kValMaxLen = 4, kZeroMaxLen = 64;

// Sparse opcode helpers.
bool IsZero(const uint8_t* p) { return (*p & 0xc0) == 0; }
bool IsXZero(const uint8_t* p) { return (*p & 0xc0) == 0x40; }
bool IsVal(const uint8_t* p) { return (*p & 0x80) != 0; }
int ZeroLen(const uint8_t* p) { return (*p & 0x3f) + 1; }
int XZeroLen(const uint8_t* p) { return (((*p & 0x3f) << 8) | p[1]) + 1; }
int ValValue(const uint8_t* p) { return ((*p >> 2) & 0x1f) + 1; }
int ValLen(const uint8_t* p) { return (*p & 0x3) + 1; }
uint8_t ValByte(int value, int len) {
  return static_cast<uint8_t>((((value - 1) << 2) | (len - 1)) | 0x80);
}
// Writes a zero run (ZERO or XZERO as its length needs); returns the bytes written.
int PutZeros(uint8_t* p, int len) {
  if (len > kZeroMaxLen) {
    int l = len - 1;
    p[0] = static_cast<uint8_t>((l >> 8) | 0x40);
    p[1] = static_cast<uint8_t>(l & 0xff);
    return 2;
  }
  p[0] = static_cast<uint8_t>(len - 1);
  return 1;
}

int DenseGet(const uint8_t* regs, int i) {
  size_t byte = static_cast<size_t>(i) * 6 / 8;
  unsigned fb = (static_cast<unsigned>(i) * 6) & 7;
  unsigned b0 = regs[byte];
  unsigned b1 = regs[byte + 1];
  return static_cast<int>(((b0 >> fb) | (b1 << (8 - fb))) & kRegisterMax);
}

void DenseSetRaw(uint8_t* regs, int i, int val) {
  size_t byte = static_cast<size_t>(i) * 6 / 8;
  unsigned fb = (static_cast<unsigned>(i) * 6) & 7;
  unsigned fb8 = 8 - fb;
  unsigned v = static_cast<unsigned>(val);
  regs[byte] = static_cast<uint8_t>(regs[byte] & ~(kRegisterMax << fb));
  regs[byte] = static_cast<uint8_t>(regs[byte] | (v << fb));
  regs[byte + 1] = static_cast<uint8_t>(regs[byte + 1] & ~(kRegisterMax >> fb8));
  regs[byte + 1] = static_cast<uint8_t>(regs[byte + 1] | (v >> fb8));
}

int DenseSet(uint8_t* regs, int i, int count) {
  if (count <= DenseGet(regs, i)) return 0;
  DenseSetRaw(regs, i, count);
  return 1;
}

uint8_t* Regs(std::string* s) { return reinterpret_cast<uint8_t*>(s->data()) + kHeaderSize; }
const uint8_t* Regs(std::string_view s) {
  return reinterpret_cast<const uint8_t*>(s.data()) + kHeaderSize;
}

// Walks the runs of sparse data, calling fn(value, first_register, length) for each; false if an
// opcode is cut short or the runs do not cover exactly 16384 registers.
template <typename Fn>
bool ForEachRun(const uint8_t* p, const uint8_t* end, Fn&& fn) {
  int idx = 0;
  while (p < end) {
    int len, val = 0;
    if (IsZero(p)) {
      len = ZeroLen(p);
      p++;
    } else if (IsXZero(p)) {
      if (p + 1 >= end) return false;
      len = XZeroLen(p);
      p += 2;
    } else {
      len = ValLen(p);
      val = ValValue(p);
      p++;
    }
    if (idx + len > kRegisters) return false;
    fn(val, idx, len);
    idx += len;
  }
  return idx == kRegisters;
}

bool SparseHisto(const uint8_t* p, const uint8_t* end, int* histo) {
  return ForEachRun(p, end, [&](int val, int, int len) { histo[val] += len; });
}

double Tau(double x) {
  if (x == 0. || x == 1.) return 0.;
  double z_prev;
  double y = 1.0;
  double z = 1 - x;
  do {
    x = std::sqrt(x);
    z_prev = z;
    y *= 0.5;
    z -= std::pow(1 - x, 2) * y;
  } while (z_prev != z);
  return z / 3;
}

double Sigma(double x) {
  if (x == 1.) return INFINITY;
  double z_prev;
  double y = 1;
  double z = x;
  do {
    x *= x;
    z_prev = z;
    z += x * y;
    y += y;
  } while (z_prev != z);
  return z;
}

uint64_t CountHisto(const int* histo) {
  double m = kRegisters;
  double z = m * Tau((m - histo[kQ + 1]) / m);
  for (int j = kQ; j >= 1; --j) {
    z += histo[j];
    z *= 0.5;
  }
  z += m * Sigma(histo[0] / m);
  constexpr double kAlphaInf = 0.721347520444481703680;  // 1 / (2 ln 2)
  return static_cast<uint64_t>(std::llroundl(kAlphaInf * m * m / z));
}

// The register an element lands in and its value (run of zeros + 1).
int PatternLength(std::string_view ele, int* reg) {
  uint64_t hash = MurmurHash64A(ele.data(), ele.size(), 0xadc83b19ULL);
  *reg = static_cast<int>(hash & (kRegisters - 1));
  hash >>= kP;
  hash |= uint64_t{1} << kQ;  // the loop ends, and the value is at most Q + 1
  int count = 1;
  for (uint64_t bit = 1; (hash & bit) == 0; bit <<= 1) count++;
  return count;
}

// Sets a register of a sparse HLL the way Redis edits the run list, so the bytes match.
int SparseSet(std::string* s, int index, int count, size_t sparse_max_bytes) {
  if (count > kValMaxValue) {
    if (!ToDense(s)) return -1;
    return DenseSet(Regs(s), index, count);
  }
  uint8_t* sparse = Regs(s);
  uint8_t* p = sparse;
  uint8_t* end = reinterpret_cast<uint8_t*>(s->data()) + s->size();
  int first = 0, span = 0;
  uint8_t* prev = nullptr;
  while (p < end) {
    int oplen = 1;
    if (IsZero(p)) {
      span = ZeroLen(p);
    } else if (IsVal(p)) {
      span = ValLen(p);
    } else {
      if (p + 1 >= end) return -1;
      span = XZeroLen(p);
      oplen = 2;
    }
    if (index <= first + span - 1) break;
    prev = p;
    p += oplen;
    first += span;
  }
  if (span == 0 || p >= end) return -1;
  bool is_zero = IsZero(p), is_xzero = IsXZero(p), is_val = IsVal(p);
  int runlen = is_zero ? ZeroLen(p) : is_xzero ? XZeroLen(p) : ValLen(p);

  bool updated_in_place = false;
  if (is_val) {
    if (ValValue(p) >= count) return 0;
    if (runlen == 1) {
      *p = ValByte(count, 1);
      updated_in_place = true;
    }
  }
  if (!updated_in_place && is_zero && runlen == 1) {
    *p = ValByte(count, 1);
    updated_in_place = true;
  }
  if (!updated_in_place) {
    // Split the run into up to three opcodes: before, our register, after.
    uint8_t seq[5];
    uint8_t* n = seq;
    int last = first + span - 1;
    if (is_zero || is_xzero) {
      if (index != first) n += PutZeros(n, index - first);
      *n++ = ValByte(count, 1);
      if (index != last) n += PutZeros(n, last - index);
    } else {
      int cur = ValValue(p);
      if (index != first) *n++ = ValByte(cur, index - first);
      *n++ = ValByte(count, 1);
      if (index != last) *n++ = ValByte(cur, last - index);
    }
    int seqlen = static_cast<int>(n - seq);
    int oldlen = is_xzero ? 2 : 1;
    int delta = seqlen - oldlen;
    if (delta > 0 && s->size() + static_cast<size_t>(delta) > sparse_max_bytes) {
      if (!ToDense(s)) return -1;
      return DenseSet(Regs(s), index, count);
    }
    size_t p_off = static_cast<size_t>(p - reinterpret_cast<uint8_t*>(s->data()));
    size_t prev_off = prev ? static_cast<size_t>(prev - reinterpret_cast<uint8_t*>(s->data())) : 0;
    if (delta > 0) {
      s->insert(p_off + static_cast<size_t>(oldlen), static_cast<size_t>(delta), '\0');
    } else if (delta < 0) {
      s->erase(p_off + static_cast<size_t>(seqlen), static_cast<size_t>(-delta));
    }
    memcpy(s->data() + p_off, seq, static_cast<size_t>(seqlen));
    sparse = Regs(s);
    end = reinterpret_cast<uint8_t*>(s->data()) + s->size();
    p = reinterpret_cast<uint8_t*>(s->data()) + p_off;
    prev = prev ? reinterpret_cast<uint8_t*>(s->data()) + prev_off : nullptr;
  }
  // Merge adjacent VAL opcodes of equal value around the change (up to five opcodes from prev).
  uint8_t* q = prev ? prev : sparse;
  int scan = 5;
  while (q < end && scan--) {
    if (IsXZero(q)) {
      q += 2;
      continue;
    }
    if (IsZero(q)) {
      q++;
      continue;
    }
    if (q + 1 < end && IsVal(q + 1)) {
      int v1 = ValValue(q), v2 = ValValue(q + 1);
      if (v1 == v2) {
        int len = ValLen(q) + ValLen(q + 1);
        if (len <= kValMaxLen) {
          q[1] = ValByte(v1, len);
          size_t off = static_cast<size_t>(q - reinterpret_cast<uint8_t*>(s->data()));
          s->erase(off, 1);
          q = reinterpret_cast<uint8_t*>(s->data()) + off;
          end = reinterpret_cast<uint8_t*>(s->data()) + s->size();
          continue;
        }
      }
    }
    q++;
  }
  InvalidateCache(s);
  return 1;
}

}  // namespace

uint64_t MurmurHash64A(const void* key, size_t len, uint64_t seed) {
  const uint64_t m = 0xc6a4a7935bd1e995ULL;
  const int r = 47;
  uint64_t h = seed ^ (len * m);
  const uint8_t* data = static_cast<const uint8_t*>(key);
  const uint8_t* end = data + (len - (len & 7));
  while (data != end) {
    uint64_t k = 0;
    for (int i = 0; i < 8; i++) k |= static_cast<uint64_t>(data[i]) << (8 * i);
    k *= m;
    k ^= k >> r;
    k *= m;
    h ^= k;
    h *= m;
    data += 8;
  }
  switch (len & 7) {
    case 7:
      h ^= static_cast<uint64_t>(data[6]) << 48;
      [[fallthrough]];
    case 6:
      h ^= static_cast<uint64_t>(data[5]) << 40;
      [[fallthrough]];
    case 5:
      h ^= static_cast<uint64_t>(data[4]) << 32;
      [[fallthrough]];
    case 4:
      h ^= static_cast<uint64_t>(data[3]) << 24;
      [[fallthrough]];
    case 3:
      h ^= static_cast<uint64_t>(data[2]) << 16;
      [[fallthrough]];
    case 2:
      h ^= static_cast<uint64_t>(data[1]) << 8;
      [[fallthrough]];
    case 1:
      h ^= static_cast<uint64_t>(data[0]);
      h *= m;
      break;
    default:
      break;
  }
  h ^= h >> r;
  h *= m;
  h ^= h >> r;
  return h;
}

std::string Create() {
  std::string s(kHeaderSize, '\0');
  memcpy(s.data(), "HYLL", 4);
  s[4] = static_cast<char>(kSparse);
  uint8_t op[2];
  PutZeros(op, kRegisters);
  s.append(reinterpret_cast<char*>(op), 2);
  return s;
}

bool IsValid(std::string_view s) {
  if (s.size() < kHeaderSize || memcmp(s.data(), "HYLL", 4) != 0) return false;
  uint8_t enc = static_cast<uint8_t>(s[4]);
  if (enc > kSparse) return false;
  return enc != kDense || s.size() == kDenseSize;
}

bool IsDense(std::string_view s) { return static_cast<uint8_t>(s[4]) == kDense; }

void InvalidateCache(std::string* s) { (*s)[15] = static_cast<char>((*s)[15] | 0x80); }

bool ToDense(std::string* s) {
  if (IsDense(*s)) return true;
  std::string d(kDenseSize, '\0');
  memcpy(d.data(), s->data(), kHeaderSize);
  d[4] = static_cast<char>(kDense);
  uint8_t* regs = Regs(&d);
  const uint8_t* end = reinterpret_cast<const uint8_t*>(s->data()) + s->size();
  bool ok = ForEachRun(Regs(*s), end, [&](int val, int first, int len) {
    if (val == 0) return;
    for (int i = first; i < first + len; i++) DenseSetRaw(regs, i, val);
  });
  if (!ok) return false;
  *s = std::move(d);
  return true;
}

int SetRegister(std::string* s, int index, int count, size_t sparse_max_bytes) {
  if (IsDense(*s)) return DenseSet(Regs(s), index, count);
  return SparseSet(s, index, count, sparse_max_bytes);
}

int Add(std::string* s, std::string_view element, size_t sparse_max_bytes) {
  int reg;
  int count = PatternLength(element, &reg);
  int r = SetRegister(s, reg, count, sparse_max_bytes);
  if (r == 1 && IsDense(*s)) InvalidateCache(s);
  return r;
}

bool MergeInto(std::string_view s, uint8_t* max) {
  if (IsDense(s)) {
    const uint8_t* regs = Regs(s);
    for (int i = 0; i < kRegisters; i++) {
      int v = DenseGet(regs, i);
      if (v > max[i]) max[i] = static_cast<uint8_t>(v);
    }
    return true;
  }
  const uint8_t* end = reinterpret_cast<const uint8_t*>(s.data()) + s.size();
  return ForEachRun(Regs(s), end, [&](int val, int first, int len) {
    for (int i = first; i < first + len; i++) {
      if (val > max[i]) max[i] = static_cast<uint8_t>(val);
    }
  });
}

bool Count(std::string* s, uint64_t* card, bool* cache_updated) {
  *cache_updated = false;
  const uint8_t* c = reinterpret_cast<const uint8_t*>(s->data()) + 8;
  if ((c[7] & 0x80) == 0) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= static_cast<uint64_t>(c[i]) << (8 * i);
    *card = v;
    return true;
  }
  int histo[64] = {0};
  if (IsDense(*s)) {
    const uint8_t* regs = Regs(*s);
    for (int i = 0; i < kRegisters; i++) histo[DenseGet(regs, i)]++;
  } else if (!SparseHisto(Regs(*s), reinterpret_cast<const uint8_t*>(s->data()) + s->size(),
                          histo)) {
    return false;
  }
  *card = CountHisto(histo);
  for (int i = 0; i < 8; i++) (*s)[8 + i] = static_cast<char>((*card >> (8 * i)) & 0xff);
  *cache_updated = true;
  return true;
}

uint64_t CountRegisters(const uint8_t* regs) {
  int histo[64] = {0};
  for (int i = 0; i < kRegisters; i++) histo[regs[i]]++;
  return CountHisto(histo);
}

bool DecodeSparse(std::string_view s, std::string* out) {
  const uint8_t* p = Regs(s);
  const uint8_t* end = reinterpret_cast<const uint8_t*>(s.data()) + s.size();
  int covered = 0;
  out->clear();
  while (p < end) {
    if (!out->empty()) out->push_back(' ');
    int len;
    if (IsZero(p)) {
      len = ZeroLen(p);
      out->append("z:").append(std::to_string(len));
      p++;
    } else if (IsXZero(p)) {
      if (p + 1 >= end) return false;
      len = XZeroLen(p);
      out->append("Z:").append(std::to_string(len));
      p += 2;
    } else {
      len = ValLen(p);
      out->append("v:").append(std::to_string(ValValue(p))).append(",").append(std::to_string(len));
      p++;
    }
    covered += len;
    if (covered > kRegisters) return false;
  }
  return covered == kRegisters;
}

std::string SelfTest() {
  // Register packing: write random values into a dense array and a plain one, compare all.
  std::vector<uint8_t> dense(kRegisters * 6 / 8 + 1, 0);
  std::vector<uint8_t> plain(kRegisters, 0);
  uint64_t x = 0x9E3779B97F4A7C15ULL;
  auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  for (int round = 0; round < 100; round++) {
    for (int i = 0; i < kRegisters; i++) {
      int v = static_cast<int>(next() & 63);
      DenseSetRaw(dense.data(), i, v);
      plain[i] = static_cast<uint8_t>(v);
    }
    for (int i = 0; i < kRegisters; i++) {
      if (DenseGet(dense.data(), i) != plain[i]) return "TESTFAILED Register error at " + std::to_string(i);
    }
  }
  // Estimates: sparse and dense must agree and stay within 5 standard errors (1.04/sqrt(m)).
  std::string sparse = Create(), full = Create();
  ToDense(&full);
  const double rel = 5 * 1.04 / std::sqrt(static_cast<double>(kRegisters));
  for (uint64_t n = 1; n <= 100000; n++) {
    std::string ele = std::to_string(next());
    Add(&sparse, ele, 3000);
    Add(&full, ele, 3000);
    if (n % 1000 != 0 && n > 100) continue;
    uint64_t a, b;
    bool u;
    if (!Count(&sparse, &a, &u) || !Count(&full, &b, &u)) return "TESTFAILED corrupt HLL";
    if (a != b) {
      return "TESTFAILED Sparse and dense estimates differ at " + std::to_string(n) + ": " +
             std::to_string(a) + " vs " + std::to_string(b);
    }
    double err = std::fabs(static_cast<double>(b) - static_cast<double>(n)) / static_cast<double>(n);
    double allowed = n < 100 ? 0.1 : rel;
    if (err > allowed) {
      return "TESTFAILED Too big error. card:" + std::to_string(n) + " error:" + std::to_string(err);
    }
  }
  return "";
}

}  // namespace carmine::hll
