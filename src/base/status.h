// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Status and Result<T>: how fallible code reports failure without exceptions. A Status is either
// ok or carries a message meant for a human (config errors, file errors). Command errors use
// OpStatus in db/ instead, because those map to fixed Redis reply strings.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace carmine {

class Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status Error(std::string msg) {
    Status s;
    s.msg_ = std::move(msg);
    s.ok_ = false;
    return s;
  }
  bool ok() const { return ok_; }
  const std::string& message() const { return msg_; }

 private:
  bool ok_ = true;
  std::string msg_;
};

// Result<T> holds a value or a failed Status. Accessing value() of a failed result is a bug.
template <typename T>
class Result {
 public:
  Result(T v) : v_(std::move(v)) {}       // NOLINT: implicit by design
  Result(Status s) : v_(std::move(s)) {}  // NOLINT
  bool ok() const { return v_.index() == 0; }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  const Status& status() const { return std::get<1>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace carmine
