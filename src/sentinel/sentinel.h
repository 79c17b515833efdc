// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Sentinel: monitors masters and their replicas, agrees with other Sentinels that a master is
// down, and fails over to a replica, speaking Redis Sentinel's protocol so that Carmine and Redis
// Sentinels (and the servers they watch) mix.
//
// The state is Redis's: masters by name, each with its replicas (found in the master's INFO) and
// the other Sentinels (found through hello messages on __sentinel__:hello), every one an Instance
// with its links (a command link; masters and replicas also a pub/sub link), its down states and
// the timing of PING, INFO and hello. Tick() runs ten times a second on one event loop and does
// what Redis's sentinelTimer does: reconnect, send the periodic commands, judge SDOWN and ODOWN,
// ask the other Sentinels, start and drive a failover. Every state change is published as an
// event to this Sentinel's own subscribers and written back to the config file.
//
// Single-threaded: the loop it runs on also runs the SENTINEL command (sentinel mode has one
// worker), so nothing here is locked.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "net/event_loop.h"
#include "sentinel/link.h"
#include "sentinel/scripts.h"

namespace carmine::sentinel {

enum Flag : uint32_t {
  kMaster = 1u << 0,
  kSlave = 1u << 1,
  kSentinel = 1u << 2,
  kSDown = 1u << 3,
  kODown = 1u << 4,
  kMasterDown = 1u << 5,  // a Sentinel told us it thinks the master is down
  kFailoverInProgress = 1u << 6,
  kPromoted = 1u << 7,
  kReconfSent = 1u << 8,
  kReconfInprog = 1u << 9,
  kReconfDone = 1u << 10,
  kForceFailover = 1u << 11,
  kScriptKillSent = 1u << 12,
  kMasterRebootDown = 1u << 13,
};

enum class FailoverState {
  kNone,
  kWaitStart,
  kSelectSlave,
  kSendSlaveofNoone,
  kWaitPromotion,
  kReconfSlaves,
  kUpdateConfig,
};
const char* FailoverStateName(FailoverState s);

// Redis's timing constants (milliseconds).
inline constexpr int64_t kInfoPeriod = 10000;
inline constexpr int64_t kPingPeriod = 1000;
inline constexpr int64_t kAskPeriod = 1000;
inline constexpr int64_t kPublishPeriod = 2000;
inline constexpr int64_t kDefaultDownAfter = 30000;
inline constexpr int64_t kDefaultFailoverTimeout = 180000;
inline constexpr int64_t kTiltTrigger = 2000;
inline constexpr int64_t kTiltPeriod = kPingPeriod * 30;
inline constexpr int64_t kSlaveReconfTimeout = 10000;
inline constexpr int64_t kMinLinkReconnectPeriod = 15000;
inline constexpr int64_t kElectionTimeout = 10000;
inline constexpr int64_t kMaxDesync = 1000;
inline constexpr size_t kMaxPendingCommands = 100;

struct Instance {
  uint32_t flags = 0;
  std::string name;  // masters: the configured name; replicas: "ip:port"; Sentinels: run id
  std::string runid;
  std::string ip;
  int port = 0;
  Instance* master = nullptr;  // replicas and Sentinels: the master they belong to

  // Masters.
  int quorum = 1;
  int64_t down_after = kDefaultDownAfter;
  int64_t failover_timeout = kDefaultFailoverTimeout;
  int parallel_syncs = 1;
  int64_t master_reboot_down_after = 0;
  std::string auth_pass, auth_user, notification_script, client_reconfig_script;
  std::map<std::string, std::string> renamed;  // command -> the name the instance knows it by
  uint64_t config_epoch = 0;
  uint64_t failover_epoch = 0;
  std::map<std::string, std::unique_ptr<Instance>> slaves;     // by "ip:port"
  std::map<std::string, std::unique_ptr<Instance>> sentinels;  // by run id
  FailoverState failover_state = FailoverState::kNone;
  int64_t failover_state_change_time = 0;
  int64_t failover_start_time = 0;
  int64_t failover_delay_logged = 0;
  Instance* promoted_slave = nullptr;

  // Votes: masters record whom this Sentinel voted for; Sentinels whom they voted for.
  std::string leader;
  uint64_t leader_epoch = 0;

  // Links and their timing.
  std::unique_ptr<InstanceLink> cc, pc;
  int64_t last_reconnect = 0;
  int64_t act_ping_time = 0;   // oldest PING still unanswered (0: none)
  int64_t last_ping_time = 0;  // last PING sent
  int64_t last_avail_time = 0;  // last valid PING reply
  int64_t last_pong_time = 0;   // last PING reply of any kind
  int64_t last_pub_time = 0;
  int64_t last_hello_time = 0;
  int64_t last_master_down_reply_time = 0;
  int64_t s_down_since = 0, o_down_since = 0;
  int64_t info_refresh = 0;
  std::string info;  // the last INFO reply (SENTINEL INFO-CACHE)
  uint32_t role_reported = kMaster;
  int64_t role_reported_time = 0;
  int64_t slave_conf_change_time = 0;
  int64_t slave_reconf_sent_time = 0;
  int64_t master_reboot_since = 0;

  // Replicas, from their INFO.
  int64_t master_link_down_time = 0;
  std::string slave_master_host;
  int slave_master_port = 0;
  bool slave_master_link_up = false;
  int slave_priority = 100;
  uint64_t slave_repl_offset = 0;
  bool replica_announced = true;

  bool is_master() const { return flags & kMaster; }
  bool is_slave() const { return flags & kSlave; }
  bool is_sentinel() const { return flags & kSentinel; }
  std::string Addr() const { return ip + ":" + std::to_string(port); }
};

class Sentinel {
 public:
  struct Hooks {
    // Publishes an event to this Sentinel's own subscribers.
    std::function<void(std::string_view channel, std::string_view message)> publish;
    // Writes the config file (CONFIG REWRITE); the Sentinel lines come from ConfigLines().
    std::function<Status()> rewrite_config;
    // The port this Sentinel listens on (hello messages announce it).
    std::function<int()> port;
    // Called when a command from a client must see this Sentinel's view of a name (logging).
  };

  explicit Sentinel(Hooks hooks);
  ~Sentinel();

  // A "sentinel ..." config line (the words after "sentinel"). "" or Redis's error text.
  std::string Directive(const std::vector<std::string>& args);
  // The state as config lines, in the order Redis writes them ("sentinel myid ...", ...).
  std::vector<std::string> ConfigLines() const;
  // Starts monitoring on `loop` (after the config is loaded): draws an id if there is none,
  // saves the config, logs the monitored masters, and runs Tick() from now on.
  void Start(EventLoop& loop);
  void Stop();

  // SENTINEL <subcommand> ... (commands.cc): the reply goes into `out`.
  const std::string& myid() const { return myid_; }
  uint64_t current_epoch() const { return current_epoch_; }
  std::map<std::string, std::unique_ptr<Instance>>& masters() { return masters_; }
  Instance* FindMaster(std::string_view name);
  Instance* FindMasterByAddr(const std::string& ip, int port);
  bool tilt() const { return tilt_; }
  int64_t tilt_since() const { return tilt_since_; }
  uint32_t simfailure_flags() const { return simfailure_flags_; }
  void set_simfailure_flags(uint32_t f) { simfailure_flags_ = f; }

  // Commands' effects.
  // SENTINEL MONITOR: "" or the error reply text.
  std::string Monitor(const std::string& name, const std::string& ip, int port, int quorum);
  void Remove(const std::string& name);
  // SENTINEL SET name option value ...: "" or the error text; each change is an event.
  std::string Set(Instance& m, const std::vector<std::string>& args);
  // SENTINEL RESET pattern: how many masters matched.
  int Reset(std::string_view pattern);
  // SENTINEL FAILOVER: "" or the error reply ("-NOGOODSLAVE ...").
  std::string ForceFailover(Instance& m);
  // SENTINEL CKQUORUM: the reply line ("+OK ..." or "-NOQUORUM ...").
  std::string CheckQuorum(Instance& m);
  // SENTINEL IS-MASTER-DOWN-BY-ADDR: fills down, leader and its epoch.
  void IsMasterDownByAddr(const std::string& ip, int port, uint64_t req_epoch,
                          const std::string& runid, bool* down, std::string* leader,
                          uint64_t* leader_epoch);
  // A hello message PUBLISHed straight to this Sentinel by another one.
  void ProcessHello(std::string_view payload);
  Status FlushConfig();
  // The address clients should use for this master now (the promoted replica's during the
  // last steps of a failover).
  const Instance& CurrentMasterAddress(const Instance& m) const;
  std::string InfoSection() const;
  const Scripts& scripts() const { return scripts_; }

  // Config options other than per-master ones.
  std::string announce_ip;
  int announce_port = 0;
  bool deny_scripts_reconfig = true;
  bool resolve_hostnames = false;
  bool announce_hostnames = false;
  std::string sentinel_user, sentinel_pass;

 private:
  friend class FailoverDriver;
  Instance* CreateInstance(Instance* master, uint32_t type, const std::string& ip, int port,
                           const std::string& runid);
  // Events: Redis's "<type> <message>" in the log and on this Sentinel's channels.
  // `with_instance`: the message starts with the instance's description.
  void Event(int level, std::string_view type, const Instance* ri, std::string_view rest,
             bool with_instance = true);
  void Tick();
  void ScheduleTick(int64_t delay_ms);
  void HandleInstance(Instance& ri);
  void Reconnect(Instance& ri);
  void SendPeriodic(Instance& ri);
  void SendPing(Instance& ri);
  void SendHello(Instance& ri);
  void SendInfo(Instance& ri);
  void OnPingReply(Instance& ri, const RespValue& v);
  void OnInfo(Instance& ri, const std::string& info);
  void OnPubSubMessage(Instance& ri, const RespValue& v);
  void OnHello(std::string_view payload);
  void CheckSubjectivelyDown(Instance& ri);
  void CheckObjectivelyDown(Instance& m);
  void AskOtherSentinels(Instance& m, bool force);
  void CheckTilt();
  std::string MapCommand(const Instance& ri, std::string_view cmd) const;
  void SendCommand(Instance& ri, std::vector<std::string> args, InstanceLink::Callback cb);
  bool SendSlaveOf(Instance& ri, const std::string& host, int port);
  bool MasterLooksSane(const Instance& m) const;
  bool NoDownFor(const Instance& ri, int64_t ms) const;
  void ResetMaster(Instance& m, bool keep_sentinels, bool event);
  void ResetMasterAndChangeAddress(Instance& m, const std::string& ip, int port);
  void ForceHelloUpdate(Instance& m);
  // Failover (failover.cc).
  bool StartFailoverIfNeeded(Instance& m);
  void StartFailover(Instance& m);
  void FailoverStateMachine(Instance& m);
  void AbortFailover(Instance& m);
  std::string VoteLeader(Instance& m, uint64_t req_epoch, const std::string& req_runid,
                         uint64_t* leader_epoch);
  std::string GetLeader(Instance& m, uint64_t epoch);
  Instance* SelectSlave(Instance& m);
  void ReconfNextSlave(Instance& m);
  void DetectFailoverEnd(Instance& m);
  void SwitchToPromoted(Instance& m);
  void OnPromotedInfo(Instance& slave);
  // SENTINEL SIMULATE-FAILURE: the process dies at the chosen point of a failover (tests).
  [[noreturn]] void SimulatedCrash();
  std::string Describe(const Instance& ri) const;
  // client-reconfig-script <master> <role> start <from-ip> <from-port> <to-ip> <to-port>.
  void CallClientReconfScript(const Instance& m, const char* role, const std::string& from_ip,
                              int from_port, const std::string& to_ip, int to_port);

  Hooks hooks_;
  EventLoop* loop_ = nullptr;
  EventLoop::TimerId timer_ = 0;
  std::string myid_;
  uint64_t current_epoch_ = 0;
  std::map<std::string, std::unique_ptr<Instance>> masters_;
  bool tilt_ = false;
  int64_t tilt_since_ = 0;
  int64_t previous_time_ = 0;
  uint32_t simfailure_flags_ = 0;
  std::mt19937_64 rng_{std::random_device{}()};
  bool started_ = false;
  Scripts scripts_;
  // Config lines seen before the master they name (Redis accepts them in any order after
  // "monitor"): none; lines are applied as they come.
};

}  // namespace carmine::sentinel
