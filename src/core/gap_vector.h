// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// GapVector: a vector that also grows and shrinks at the front in amortized O(1), by keeping a
// gap of default-constructed slots before the first element. A list key's nodes live in one: a
// long list pushed at the head (LPUSH) or consumed from it (a queue: RPUSH + LPOP) would otherwise
// shift every node handle on each new or emptied head node, which makes a 100,000-node list
// thousands of times slower to push than a short one. A deque would do it too, but costs a map
// and a 512-byte block even for the one-node lists that are most lists.
//
// T must be movable and cheap to default-construct; a default T is an empty slot.
#pragma once

#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

namespace carmine {

template <typename T>
class GapVector {
 public:
  size_t size() const { return v_.size() - head_; }
  bool empty() const { return size() == 0; }
  T& operator[](size_t i) { return v_[head_ + i]; }
  const T& operator[](size_t i) const { return v_[head_ + i]; }
  T& front() { return v_[head_]; }
  T& back() { return v_.back(); }
  T* begin() { return v_.data() + head_; }
  T* end() { return v_.data() + v_.size(); }
  const T* begin() const { return v_.data() + head_; }
  const T* end() const { return v_.data() + v_.size(); }
  // Slots held, gap included (for memory reports).
  size_t capacity() const { return v_.capacity(); }

  void reserve(size_t n) { v_.reserve(head_ + n); }
  void push_back(T&& t) { v_.push_back(std::move(t)); }
  void emplace_back() { v_.emplace_back(); }
  void pop_back() { v_.pop_back(); }

  // Adds an empty element at the front.
  void emplace_front() {
    if (head_ == 0) {
      // Open a gap proportional to the size: the moves it costs are paid by that many pushes.
      size_t gap = std::max<size_t>(2, size() / 2);
      std::vector<T> grown;
      grown.reserve(gap + v_.size());
      grown.resize(gap);
      for (T& t : v_) grown.push_back(std::move(t));
      v_ = std::move(grown);
      head_ = gap;
    }
    head_--;
  }
  // Removes the first `n` elements.
  void erase_front(size_t n) {
    for (size_t i = 0; i < n; i++) v_[head_ + i] = T();
    head_ += n;
    if (head_ == v_.size()) {
      clear();
    } else if (head_ > 16 && head_ > size()) {
      // A list consumed from the head (a queue) would leave an ever-growing gap: close it once it
      // is larger than the elements, which the removals since the last close have paid for.
      v_.erase(v_.begin(), v_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
  }
  void pop_front() { erase_front(1); }
  void clear() {
    v_.clear();
    head_ = 0;
  }
  void shrink_to_fit() {
    if (head_ > 0) {
      v_.erase(v_.begin(), v_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
    v_.shrink_to_fit();
  }
  // Takes `v`'s elements as the whole content.
  GapVector& operator=(std::vector<T>&& v) {
    v_ = std::move(v);
    head_ = 0;
    return *this;
  }

 private:
  std::vector<T> v_;
  size_t head_ = 0;  // v_[0, head_) is the gap
};

}  // namespace carmine
