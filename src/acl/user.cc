// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "acl/user.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>

#include "base/strutil.h"

namespace carmine {

std::string Sha256Hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; i++) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

namespace {
bool ValidHash(std::string_view h) {
  if (h.size() != 64) return false;
  return std::all_of(h.begin(), h.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}
constexpr std::string_view kBadHash =
    "The password hash must be exactly 64 characters and contain only lowercase hexadecimal "
    "characters";
constexpr std::string_view kNoSuchPassword =
    "The password you are trying to remove from the user does not exist";
}  // namespace

std::string AclUser::Apply(std::string_view rule, const CommandRegistry& reg, bool all_channels) {
  if (EqualsIgnoreCase(rule, "on")) {
    enabled_ = true;
  } else if (EqualsIgnoreCase(rule, "off")) {
    enabled_ = false;
  } else if (EqualsIgnoreCase(rule, "nopass")) {
    nopass_ = true;
    passwords_.clear();
  } else if (EqualsIgnoreCase(rule, "resetpass")) {
    nopass_ = false;
    passwords_.clear();
  } else if (EqualsIgnoreCase(rule, "skip-sanitize-payload")) {
    skip_sanitize_ = true;
  } else if (EqualsIgnoreCase(rule, "sanitize-payload")) {
    skip_sanitize_ = false;
  } else if (EqualsIgnoreCase(rule, "clearselectors")) {
    selectors_.clear();
  } else if (EqualsIgnoreCase(rule, "reset")) {
    *this = AclUser(name_, all_channels);
  } else if (!rule.empty() && (rule[0] == '>' || rule[0] == '#')) {
    std::string hash;
    if (rule[0] == '>') {
      hash = Sha256Hex(rule.substr(1));
    } else {
      if (!ValidHash(rule.substr(1))) return std::string(kBadHash);
      hash = std::string(rule.substr(1));
    }
    if (std::find(passwords_.begin(), passwords_.end(), hash) == passwords_.end()) {
      passwords_.push_back(std::move(hash));
    }
    nopass_ = false;
  } else if (!rule.empty() && (rule[0] == '<' || rule[0] == '!')) {
    std::string hash;
    if (rule[0] == '<') {
      hash = Sha256Hex(rule.substr(1));
    } else {
      if (!ValidHash(rule.substr(1))) return std::string(kBadHash);
      hash = std::string(rule.substr(1));
    }
    auto it = std::find(passwords_.begin(), passwords_.end(), hash);
    if (it == passwords_.end()) return std::string(kNoSuchPassword);
    passwords_.erase(it);
  } else if (rule.size() >= 2 && rule.front() == '(' && rule.back() == ')') {
    aclcore::Selector s(all_channels);
    for (auto w : SplitWords(rule.substr(1, rule.size() - 2))) {
      if (std::string e = s.Apply(w, reg); !e.empty()) return e;
    }
    selectors_.push_back(std::move(s));
  } else {
    return root_.Apply(rule, reg);
  }
  return "";
}

bool AclUser::CheckPassword(std::string_view password) const {
  if (nopass_) return true;
  std::string hash = Sha256Hex(password);
  bool ok = false;
  for (auto& p : passwords_) {
    ok |= CRYPTO_memcmp(p.data(), hash.data(), hash.size()) == 0;
  }
  return ok;
}

std::string AclUser::Describe() const {
  std::string out = name_;
  out += enabled_ ? " on" : " off";
  if (nopass_) out += " nopass";
  out += skip_sanitize_ ? " skip-sanitize-payload" : " sanitize-payload";
  for (auto& p : passwords_) out += " #" + p;
  out += ' ' + root_.Describe();
  for (auto& s : selectors_) out += " (" + s.Describe() + ")";
  return out;
}

}  // namespace carmine
