// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "sentinel/scripts.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cstring>

#include "base/clock.h"

extern char** environ;

namespace carmine::sentinel {

Scripts::~Scripts() {
  for (auto& j : jobs_) {
    if (j.pid > 0) {
      kill(j.pid, SIGKILL);
      waitpid(j.pid, nullptr, 0);
    }
  }
}

void Scripts::Schedule(std::vector<std::string> argv) {
  Job j;
  j.argv = std::move(argv);
  j.start_time = clock::NowMs();
  jobs_.push_back(std::move(j));
  if (jobs_.size() <= kMaxQueue) return;
  // Full: the oldest job still waiting makes room.
  for (auto it = jobs_.begin(); it != jobs_.end(); ++it) {
    if (it->pid == 0) {
      jobs_.erase(it);
      return;
    }
  }
}

void Scripts::Run(int64_t now) {
  Collect(now);
  for (auto& j : jobs_) {
    if (j.pid > 0 && now - j.start_time > kMaxRuntimeMs) {
      event_("-script-timeout", j.argv[0] + " " + std::to_string(j.pid));
      kill(j.pid, SIGKILL);  // collected on a later tick
    }
  }
  for (auto& j : jobs_) {
    if (running_ >= kMaxRunning) break;
    if (j.pid != 0 || j.start_time > now) continue;
    std::vector<char*> argv;
    for (auto& a : j.argv) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid;
    if (posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) {
      event_("-script-error", j.argv[0] + " 0 " + std::to_string(errno));
      j.pid = -1;  // dropped below
      continue;
    }
    j.pid = pid;
    j.start_time = now;
    running_++;
    event_("+script-child", std::to_string(pid));
  }
  jobs_.remove_if([](const Job& j) { return j.pid < 0; });
}

void Scripts::Collect(int64_t now) {
  for (auto it = jobs_.begin(); it != jobs_.end();) {
    if (it->pid <= 0) {
      ++it;
      continue;
    }
    int status = 0;
    pid_t r = waitpid(it->pid, &status, WNOHANG);
    if (r == 0) {
      ++it;
      continue;
    }
    running_--;
    bool by_signal = r > 0 && WIFSIGNALED(status);
    int code = r > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : 0;
    event_("-script-child", std::to_string(it->pid) + " " + std::to_string(code) + " " +
                                std::to_string(by_signal ? WTERMSIG(status) : 0));
    if ((by_signal || code == 1) && it->retry < kMaxRetry) {
      // Worth another try, later each time.
      it->retry++;
      it->pid = 0;
      it->start_time = now + kRetryDelayMs * (int64_t{1} << (it->retry - 1));
      ++it;
      continue;
    }
    if (by_signal || code != 0) {
      event_("-script-error", it->argv[0] + " " + std::to_string(by_signal ? 1 : 0) + " " +
                                  std::to_string(code));
    }
    it = jobs_.erase(it);
  }
}

}  // namespace carmine::sentinel
