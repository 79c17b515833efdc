// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "base/strutil.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace carmine {

bool ParseUint64(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 20) return false;
  if (s.size() == 1 && s[0] == '0') {
    *out = 0;
    return true;
  }
  if (s[0] < '1' || s[0] > '9') return false;
  uint64_t v = 0;
  if (s.size() <= 19) {
    // Up to 19 digits cannot overflow 64 bits: no per-digit check.
    for (char c : s) {
      if (c < '0' || c > '9') return false;
      v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    *out = v;
    return true;
  }
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = v;
  return true;
}

bool ParseInt64(std::string_view s, int64_t* out) {
  if (s.empty()) return false;
  bool neg = false;
  if (s[0] == '-') {
    neg = true;
    s.remove_prefix(1);
    if (s.empty() || s[0] == '0') return false;
  }
  uint64_t v;
  if (!ParseUint64(s, &v)) return false;
  if (neg) {
    if (v > static_cast<uint64_t>(INT64_MAX) + 1) return false;
    *out = static_cast<int64_t>(0 - v);
  } else {
    if (v > static_cast<uint64_t>(INT64_MAX)) return false;
    *out = static_cast<int64_t>(v);
  }
  return true;
}

bool ParseLongDouble(std::string_view s, long double* out) {
  if (s.empty() || s.size() > 5 * 1024) return false;
  if (isspace(static_cast<unsigned char>(s[0]))) return false;
  std::string buf(s);
  char* end = nullptr;
  errno = 0;
  long double v = strtold(buf.c_str(), &end);
  if (end != buf.c_str() + buf.size()) return false;
  if (errno == ERANGE && (v == HUGE_VALL || v == -HUGE_VALL || std::fpclassify(v) == FP_ZERO))
    return false;
  if (std::isnan(v)) return false;
  *out = v;
  return true;
}

bool ParseDouble(std::string_view s, double* out) {
  if (s.empty() || s.size() > 5 * 1024) return false;
  if (isspace(static_cast<unsigned char>(s[0]))) return false;
  std::string buf(s);
  char* end = nullptr;
  errno = 0;
  double v = strtod(buf.c_str(), &end);
  if (end != buf.c_str() + buf.size()) return false;
  if (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || std::fpclassify(v) == FP_ZERO))
    return false;
  if (std::isnan(v)) return false;
  *out = v;
  return true;
}

void AppendInt64(std::string* out, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, r.ptr - buf);
}

std::string Int64ToString(int64_t v) {
  std::string s;
  AppendInt64(&s, v);
  return s;
}

std::string LongDoubleToHuman(long double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[5 * 1024 + 64];
  int n = snprintf(buf, sizeof(buf), "%.17Lf", v);
  if (n <= 0 || n >= static_cast<int>(sizeof(buf))) return "0";
  if (strchr(buf, '.') != nullptr) {
    while (n > 0 && buf[n - 1] == '0') n--;
    if (n > 0 && buf[n - 1] == '.') n--;
  }
  if (n == 2 && buf[0] == '-' && buf[1] == '0') return "0";
  return std::string(buf, n);
}

namespace {
inline char Fold(char c, bool nocase) {
  return nocase ? static_cast<char>(tolower(static_cast<unsigned char>(c))) : c;
}

// Matches the single pattern token at p against c. Sets *len to the token's length in the pattern.
// An unterminated class runs to the end of the pattern.
bool MatchToken(const char* p, const char* pend, char c, bool nocase, size_t* len) {
  if (*p == '?') {
    *len = 1;
    return true;
  }
  if (*p == '\\' && p + 1 < pend) {
    *len = 2;
    return Fold(p[1], nocase) == Fold(c, nocase);
  }
  if (*p != '[') {
    *len = 1;
    return Fold(*p, nocase) == Fold(c, nocase);
  }
  const char* q = p + 1;
  bool negate = false;
  if (q < pend && *q == '^') {
    negate = true;
    q++;
  }
  bool match = false;
  char fc = Fold(c, nocase);
  while (q < pend && *q != ']') {
    if (*q == '\\' && q + 1 < pend) {
      q++;
      if (Fold(*q, nocase) == fc) match = true;
    } else if (q + 2 < pend && q[1] == '-') {
      char lo = Fold(q[0], nocase), hi = Fold(q[2], nocase);
      if (lo > hi) std::swap(lo, hi);
      if (fc >= lo && fc <= hi) match = true;
      q += 2;
    } else if (Fold(*q, nocase) == fc) {
      match = true;
    }
    q++;
  }
  *len = (q < pend ? q + 1 : pend) - p;
  return negate ? !match : match;
}

// Iterative matcher with one backtrack point (the most recent '*'): O(pattern * string) in the
// worst case, so patterns like "*a*a*a*b" cannot make KEYS or SCAN take exponential time.
bool MatchImpl(const char* p, const char* pend, const char* s, const char* send, bool nocase) {
  const char* star_p = nullptr;
  const char* star_s = nullptr;
  while (s < send) {
    if (p < pend && *p == '*') {
      while (p < pend && *p == '*') p++;
      if (p == pend) return true;
      star_p = p;
      star_s = s;
      continue;
    }
    size_t len;
    if (p < pend && MatchToken(p, pend, *s, nocase, &len)) {
      p += len;
      s++;
      continue;
    }
    if (star_p == nullptr) return false;
    p = star_p;
    s = ++star_s;
  }
  while (p < pend && *p == '*') p++;
  return p == pend;
}
}  // namespace

std::vector<std::string_view> SplitWords(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    size_t j = s.find(sep, i);
    if (j == std::string_view::npos) j = s.size();
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

bool GlobMatch(std::string_view pattern, std::string_view str, bool nocase) {
  return MatchImpl(pattern.data(), pattern.data() + pattern.size(), str.data(),
                   str.data() + str.size(), nocase);
}

// Splits an inline command line with redis-cli style quoting: "..." with \n \r \t \b \a \\ \"
// and \xHH escapes, '...' with only \' escaped. A closing quote must be followed by a space or the
// end. Returns false on unbalanced quotes.
bool SplitArgs(std::string_view line, std::vector<std::string>* out) {
  size_t i = 0, n = line.size();
  auto is_hex = [](char c) { return isxdigit(static_cast<unsigned char>(c)) != 0; };
  auto hexval = [](char c) {
    return (c >= '0' && c <= '9') ? c - '0' : (tolower(static_cast<unsigned char>(c)) - 'a' + 10);
  };
  while (true) {
    while (i < n && isspace(static_cast<unsigned char>(line[i]))) i++;
    if (i >= n) return true;
    std::string cur;
    bool inq = false, insq = false, done = false;
    while (!done) {
      if (inq) {
        if (i >= n) return false;
        if (line[i] == '\\' && i + 3 < n && line[i + 1] == 'x' && is_hex(line[i + 2]) &&
            is_hex(line[i + 3])) {
          cur.push_back(static_cast<char>(hexval(line[i + 2]) * 16 + hexval(line[i + 3])));
          i += 3;
        } else if (line[i] == '\\' && i + 1 < n) {
          i++;
          char c = line[i];
          switch (c) {
            case 'n':
              c = '\n';
              break;
            case 'r':
              c = '\r';
              break;
            case 't':
              c = '\t';
              break;
            case 'b':
              c = '\b';
              break;
            case 'a':
              c = '\a';
              break;
            default:
              break;
          }
          cur.push_back(c);
        } else if (line[i] == '"') {
          if (i + 1 < n && !isspace(static_cast<unsigned char>(line[i + 1]))) return false;
          done = true;
        } else {
          cur.push_back(line[i]);
        }
      } else if (insq) {
        if (i >= n) return false;
        if (line[i] == '\\' && i + 1 < n && line[i + 1] == '\'') {
          i++;
          cur.push_back('\'');
        } else if (line[i] == '\'') {
          if (i + 1 < n && !isspace(static_cast<unsigned char>(line[i + 1]))) return false;
          done = true;
        } else {
          cur.push_back(line[i]);
        }
      } else {
        if (i >= n) {
          done = true;
          break;
        }
        char c = line[i];
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\0') {
          done = true;
        } else if (c == '"') {
          inq = true;
        } else if (c == '\'') {
          insq = true;
        } else {
          cur.push_back(c);
        }
      }
      if (i < n) i++;
    }
    out->push_back(std::move(cur));
  }
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

std::string ToLower(std::string_view s) {
  std::string r(s);
  for (auto& c : r) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  return r;
}

std::string ToUpper(std::string_view s) {
  std::string r(s);
  for (auto& c : r) c = static_cast<char>(toupper(static_cast<unsigned char>(c)));
  return r;
}

bool ParseMemory(std::string_view s, int64_t* out) {
  size_t i = 0;
  if (i < s.size() && s[i] == '-') i++;
  while (i < s.size() && isdigit(static_cast<unsigned char>(s[i]))) i++;
  std::string_view num = s.substr(0, i), unit = s.substr(i);
  int64_t mul = 1;
  if (unit.empty() || EqualsIgnoreCase(unit, "b")) {
    mul = 1;
  } else if (EqualsIgnoreCase(unit, "k")) {
    mul = 1000;
  } else if (EqualsIgnoreCase(unit, "kb")) {
    mul = 1024;
  } else if (EqualsIgnoreCase(unit, "m")) {
    mul = 1000 * 1000;
  } else if (EqualsIgnoreCase(unit, "mb")) {
    mul = 1024 * 1024;
  } else if (EqualsIgnoreCase(unit, "g")) {
    mul = 1000LL * 1000 * 1000;
  } else if (EqualsIgnoreCase(unit, "gb")) {
    mul = 1024LL * 1024 * 1024;
  } else {
    return false;
  }
  int64_t v;
  if (num.empty()) return false;
  // Accept leading zeros here: config files say "0100" sometimes and Redis takes it.
  errno = 0;
  std::string tmp(num);
  char* end;
  long long ll = strtoll(tmp.c_str(), &end, 10);
  if (*end != '\0' || errno == ERANGE) return false;
  v = ll;
  if (mul != 1 && (v > INT64_MAX / mul || v < INT64_MIN / mul)) return false;
  *out = v * mul;
  return true;
}

void AppendQuoted(std::string* out, std::string_view s) {
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '\\': out->append("\\\\"); break;
      case '"': out->append("\\\""); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      case '\a': out->append("\\a"); break;
      case '\b': out->append("\\b"); break;
      default:
        if (isprint(c)) {
          out->push_back(static_cast<char>(c));
        } else {
          char buf[5];
          snprintf(buf, sizeof(buf), "\\x%02x", c);
          out->append(buf);
        }
    }
  }
  out->push_back('"');
}

std::string FormatMemory(int64_t bytes) {
  constexpr int64_t kGb = 1024LL * 1024 * 1024, kMb = 1024 * 1024, kKb = 1024;
  if (bytes != 0 && bytes % kGb == 0) return std::to_string(bytes / kGb) + "gb";
  if (bytes != 0 && bytes % kMb == 0) return std::to_string(bytes / kMb) + "mb";
  if (bytes != 0 && bytes % kKb == 0) return std::to_string(bytes / kKb) + "kb";
  return std::to_string(bytes);
}

}  // namespace carmine
