// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "commands/latency_monitor.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace carmine {

void LatencyMonitor::Add(std::string_view event, int64_t latency_ms, int64_t now_sec) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = series_.find(event);
  if (it == series_.end()) {
    it = series_.emplace(std::string(event), LatencySeries{}).first;
    it->second.event = std::string(event);
  }
  LatencySeries& s = it->second;
  s.max = std::max(s.max, latency_ms);
  // One sample per second: a second's later spikes only raise its value.
  if (!s.samples.empty() && s.samples.back().time == now_sec) {
    s.samples.back().latency = std::max(s.samples.back().latency, latency_ms);
    return;
  }
  s.samples.push_back({now_sec, latency_ms});
  if (s.samples.size() > kHistory) s.samples.erase(s.samples.begin());
}

std::vector<LatencySeries> LatencyMonitor::All() {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<LatencySeries> out;
  for (auto& [name, s] : series_) out.push_back(s);
  return out;
}

bool LatencyMonitor::Get(std::string_view event, LatencySeries* out) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = series_.find(event);
  if (it == series_.end() || it->second.samples.empty()) return false;
  *out = it->second;
  return true;
}

size_t LatencyMonitor::Reset(const std::vector<std::string>& events) {
  std::lock_guard<std::mutex> l(mu_);
  if (events.empty()) {
    size_t n = series_.size();
    series_.clear();
    return n;
  }
  size_t n = 0;
  for (auto& e : events) n += series_.erase(e);
  return n;
}

std::string LatencyGraph(const LatencySeries& s, int64_t now_sec) {
  int64_t lo = INT64_MAX, hi = 0;
  for (auto& x : s.samples) {
    lo = std::min(lo, x.latency);
    hi = std::max(hi, x.latency);
  }
  char head[160];
  snprintf(head, sizeof(head), "%s - high %lld ms, low %lld ms (all time high %lld ms)\n",
           s.event.c_str(), static_cast<long long>(hi), static_cast<long long>(lo),
           static_cast<long long>(s.max));
  std::string out = head;
  out += std::string(80, '-') + "\n";
  // Eight rows of bars; a sample fills as many rows as its share of the [lo, hi] range.
  constexpr int kRows = 8;
  size_t n = std::min<size_t>(s.samples.size(), 80);
  auto first = s.samples.end() - static_cast<long>(n);
  for (int row = kRows; row >= 1; row--) {
    std::string line;
    for (auto it = first; it != s.samples.end(); ++it) {
      int h = hi == lo ? kRows
                       : 1 + static_cast<int>((it->latency - lo) * (kRows - 1) / (hi - lo));
      line += h >= row ? '#' : ' ';
    }
    out += line + "\n";
  }
  // Ages under each column, written vertically ("12s" reads top to bottom).
  std::vector<std::string> ages;
  size_t depth = 0;
  for (auto it = first; it != s.samples.end(); ++it) {
    int64_t age = std::max<int64_t>(0, now_sec - it->time);
    char buf[32];
    if (age < 60) {
      snprintf(buf, sizeof(buf), "%llds", static_cast<long long>(age));
    } else if (age < 3600) {
      snprintf(buf, sizeof(buf), "%lldm", static_cast<long long>(age / 60));
    } else {
      snprintf(buf, sizeof(buf), "%lldh", static_cast<long long>(age / 3600));
    }
    ages.emplace_back(buf);
    depth = std::max(depth, ages.back().size());
  }
  for (size_t r = 0; r < depth; r++) {
    std::string line;
    for (auto& a : ages) line += r < a.size() ? a[r] : ' ';
    out += line + "\n";
  }
  return out;
}

std::string LatencyDoctor(const std::vector<LatencySeries>& all, int64_t threshold_ms,
                          int64_t slowlog_us) {
  std::string out;
  if (threshold_ms == 0 && all.empty()) {
    return "Latency report: the latency monitor is off. Turn it on with "
           "CONFIG SET latency-monitor-threshold <milliseconds>, then ask again once the "
           "problem has happened.\n";
  }
  size_t spikes = 0;
  for (auto& s : all) spikes += s.samples.size();
  if (spikes == 0) {
    return "Latency report: no latency spike at or above the threshold has been seen since the "
           "monitor was started or reset.\n";
  }
  out = "Latency report: spikes were recorded for these events:\n\n";
  int i = 1;
  bool commands = false, deletes = false, expiry = false;
  for (auto& s : all) {
    if (s.samples.empty()) continue;
    double sum = 0;
    for (auto& x : s.samples) sum += static_cast<double>(x.latency);
    double avg = sum / s.samples.size();
    double dev = 0;
    for (auto& x : s.samples) dev += std::fabs(static_cast<double>(x.latency) - avg);
    dev /= s.samples.size();
    char line[256];
    snprintf(line, sizeof(line),
             "%d. %s: %zu spikes, average %.0f ms, mean deviation %.0f ms, worst ever %lld ms.\n",
             i++, s.event.c_str(), s.samples.size(), avg, dev, static_cast<long long>(s.max));
    out += line;
    if (s.event == "command" || s.event == "fast-command") commands = true;
    if (s.event.rfind("eviction", 0) == 0) deletes = true;
    if (s.event == "expire-cycle") expiry = true;
  }
  out += "\nWhat to look at:\n\n";
  if (commands) {
    out += "- Slow commands: SLOWLOG GET lists them with their arguments.";
    if (slowlog_us < 0 || slowlog_us > threshold_ms * 1000) {
      out += " The slow log only keeps commands slower than " + std::to_string(slowlog_us) +
             " us; set slowlog-log-slower-than to " + std::to_string(threshold_ms * 1000) +
             " to see the ones behind these spikes.";
    }
    out += "\n";
  }
  if (deletes) {
    out += "- Eviction removes whole keys: very large values make each removal slow. "
           "lazyfree-lazy-eviction yes frees them in the background.\n";
  }
  if (expiry) {
    out += "- Many keys expiring at the same moment make the expiry cycle work harder; spread "
           "their TTLs.\n";
  }
  out += "- Big keys (redis-cli --bigkeys) make DEL, and commands that touch whole values, slow; "
         "UNLINK frees them in the background.\n";
  return out;
}

}  // namespace carmine
