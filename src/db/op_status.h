// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// OpStatus: how keyspace operations report failure. Each value maps to one Redis error text in
// commands/ (ErrorText), so Op* functions stay free of protocol strings.
#pragma once

#include <utility>
#include <variant>

namespace carmine {

enum class OpStatus {
  kOk,
  kKeyNotFound,
  kWrongType,
  kSyntaxError,
  kNotInteger,
  kNotFloat,
  kOverflow,
  kNanOrInf,
  kOutOfRange,
  kStringTooLong,
  kSameObject,
  kSkipped,  // a conditional write (NX/XX) did nothing
};

template <typename T>
class OpResult {
 public:
  OpResult(T v) : v_(std::move(v)) {}  // NOLINT
  OpResult(OpStatus s) : v_(s) {}      // NOLINT
  bool ok() const { return v_.index() == 0; }
  T& value() { return std::get<0>(v_); }
  OpStatus status() const { return ok() ? OpStatus::kOk : std::get<1>(v_); }

 private:
  std::variant<T, OpStatus> v_;
};

}  // namespace carmine
