// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "server/replica.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/clock.h"
#include "base/logging.h"
#include "base/strutil.h"
#include "protocol/request.h"
#include "server/connection.h"
#include "server/process.h"
#include "server/server.h"

namespace carmine {
namespace {

constexpr size_t kEofMarkLen = 40;

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// Writes all of `data` to `fd`; false on an error (errno says which).
bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

ReplicaClient::ReplicaClient(Server& s) : s_(s) {}

ReplicaClient::~ReplicaClient() {
  if (bulk_fd_ >= 0) close(bulk_fd_);
  if (!bulk_tmp_.empty()) unlink(bulk_tmp_.c_str());
}

const char* ReplicaClient::StateName(State s) {
  switch (s) {
    case State::kNone: return "none";
    case State::kConnect: return "connect";
    case State::kConnecting: return "connecting";
    case State::kHandshake: return "handshake";
    case State::kTransfer: return "sync";
    case State::kConnected: return "connected";
  }
  return "none";
}

bool ReplicaClient::SetMaster(const std::string& host, int port, const std::string& who,
                              bool failover) {
  bool was_master;
  uint64_t gen;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (state_.load() != State::kNone && host_ == host && port_ == port) {
      LOG_NOTICE("REPLICAOF would result into synchronization with the master we are already "
                 "connected with. No operation performed.");
      return false;
    }
    was_master = state_.load() == State::kNone;
    host_ = host;
    port_ = port;
    failover_ = failover;
    gen = ++gen_;
    state_.store(State::kConnect, std::memory_order_release);
  }
  log::SetRole('S');
  process::ApplyOomScoreAdj(s_.server_opts(), true);  // the replica class of oom-score-adj-values
  s_.repl_opts().set_master(host, port);
  s_.dbs().set_replica(true, !s_.repl_opts().replica_read_only.get());
  s_.dbs().set_ignore_maxmemory(s_.repl_opts().replica_ignore_maxmemory.get());
  s_.repl_master().set_proxying(true);
  if (was_master) {
    s_.dispatcher().UnblockWritersOnRoleChange();
    s_.UnblockWaitersOnRoleChange();
  }
  if (was_master && (!who.empty() || failover)) {
    // Its own history is what the new master may continue (it may have been that master's
    // replica before a failover).
    LOG_NOTICE("Before turning into a replica, using my own master parameters to synthesize a "
               "cached master: I may be able to synchronize with the new master with just a "
               "partial transfer.");
    has_history_.store(true);
  }
  if (!who.empty()) {
    LOG_NOTICE("REPLICAOF %s:%d enabled (user request from '%s')", host.c_str(), port,
               who.c_str());
  }
  // Replicas of this server follow whatever history it takes next.
  s_.DisconnectReplicas();
  Worker& w = s_.worker(0);
  w.loop().Post([this, gen] {
    if (gen != gen_) return;
    Reset(true);
  });
  return true;
}

void ReplicaClient::Unset(const std::string& who, const char* reason) {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (state_.load() == State::kNone) return;
    gen_++;
    failover_ = false;
    host_.clear();
    port_ = 0;
    state_.store(State::kNone, std::memory_order_release);
  }
  log::SetRole('M');
  process::ApplyOomScoreAdj(s_.server_opts(), false);
  s_.repl_opts().set_master("", 0);
  s_.dbs().set_replica(false, false);
  s_.dbs().set_ignore_maxmemory(false);
  ReplicationMaster& m = s_.repl_master();
  m.set_proxying(false);
  m.ForgetSelectedDb();
  // The history so far stays valid under the old id: replicas (and the old master, once it
  // follows this server) continue with a partial resync.
  m.ShiftReplid();
  LOG_NOTICE("Setting secondary replication ID to %s, valid up to offset: %lld. New replication "
             "ID is %s",
             m.replid2().c_str(), static_cast<long long>(m.second_offset()), m.replid().c_str());
  LOG_NOTICE("MASTER MODE enabled (%s from '%s')", reason, who.c_str());
  s_.DisconnectReplicas();
  Worker& w = s_.worker(0);
  w.loop().Post([this] {
    if (state_.load() == State::kNone) Reset(false);
  });
}

ReplicaClient::Report ReplicaClient::report() const {
  Report st;
  {
    std::lock_guard<std::mutex> l(mu_);
    st.host = host_;
    st.port = port_;
  }
  st.state = state();
  st.last_io_ms = last_io_ms_shared_.load();
  st.down_since_ms = down_since_ms_.load();
  st.transfer_size = transfer_size_shared_.load();
  st.transfer_read = transfer_read_shared_.load();
  st.transfer_last_io_ms = st.last_io_ms;
  st.has_history = has_history_.load();
  return st;
}

void ReplicaClient::RestoreHistory(int stream_db) {
  has_history_.store(true);
  master_db_.store(stream_db);
}

std::string ReplicaClient::AckCommand() const {
  std::string out;
  std::string off = std::to_string(s_.repl_master().offset());
  int64_t fsynced = s_.aof().fsynced_reploff();
  if (fsynced < 0) {
    protocol::AppendRequest(&out, {std::string_view("REPLCONF"), std::string_view("ACK"), off});
  } else {
    protocol::AppendRequest(&out, {std::string_view("REPLCONF"), std::string_view("ACK"), off,
                                   std::string_view("FACK"), std::to_string(fsynced)});
  }
  return out;
}

void ReplicaClient::AckSoon() {
  if (!active()) return;
  s_.worker(0).loop().Post([this] {
    if (state_.load() != State::kConnected) return;
    Connection* c = s_.worker(0).Find(master_client_id_);
    if (c != nullptr && !c->closing()) c->SendRaw(AckCommand());
  });
}

// ---- worker 0's thread ---------------------------------------------------------------------

void ReplicaClient::Reset(bool reconnect) {
  DropTransfer();
  if (master_client_id_ != 0) {
    uint64_t id = master_client_id_;
    master_client_id_ = 0;
    LOG_NOTICE("Connection with master lost.");
    LOG_NOTICE("Caching the disconnected master state.");
    down_since_ms_.store(clock::NowMs());
    s_.worker(0).KillClient(id);
  }
  connect_start_ms_ = 0;
  if (reconnect && state_.load() != State::kNone) {
    // A new master is connected to at once (a lost link is retried by the cron a second later).
    state_.store(State::kConnect);
    Connect(clock::NowMs());
  }
}

void ReplicaClient::DropTransfer() {
  EndSocketLoading();
  link_.reset();
  if (bulk_fd_ >= 0) {
    close(bulk_fd_);
    bulk_fd_ = -1;
  }
  if (!bulk_tmp_.empty()) {
    unlink(bulk_tmp_.c_str());
    bulk_tmp_.clear();
  }
  std::string().swap(bulk_mem_);
  transfer_size_shared_.store(-1);
  transfer_read_shared_.store(0);
}

void ReplicaClient::EndSocketLoading() {
  if (!loading_from_socket_) return;
  loading_from_socket_ = false;
  s_.dbs().set_loading(false);
  s_.dbs().set_async_loading(false);
}

void ReplicaClient::Fail(const std::string& why) {
  if (!why.empty()) LOG_WARNING("%s", why.c_str());
  DropTransfer();
  bool failover;
  {
    std::lock_guard<std::mutex> l(mu_);
    failover = failover_;
    failover_ = false;
  }
  if (state_.load() != State::kNone) state_.store(State::kConnect);
  // Retried by the cron a second later, as Redis's replication cron does.
  connect_start_ms_ = clock::NowMs();
  // A FAILOVER whose target cannot be reached is abandoned: this server is a master again.
  if (failover) s_.failover().HandshakeDone(false);
}

void ReplicaClient::ExpireLocalKeys(int64_t now_ms) {
  DbSet& dbs = s_.dbs();
  auto keys = dbs.TakeReplicaLocalExpires();
  for (const auto& [db, key] : keys) {
    ShardLocks lock;
    lock.Add(dbs, db, dbs.ShardOf(key));
    lock.Acquire();
    if (Db(dbs, db, now_ms, false).ExpireReplicaLocalKey(key)) {
      dbs.NoteReplicaLocalExpire(db, key);  // still ahead of its deadline
    }
  }
}

void ReplicaClient::Cron(int64_t now_ms) {
  State st = state();
  if (st == State::kNone) return;
  ExpireLocalKeys(now_ms);
  int64_t timeout_ms = static_cast<int64_t>(s_.repl_opts().repl_timeout.get()) * 1000;
  switch (st) {
    case State::kConnect:
      if (now_ms - connect_start_ms_ >= 1000) Connect(now_ms);
      break;
    case State::kConnecting:
    case State::kHandshake:
      // Counted from the last byte read: a master delaying a diskless sync sends newlines.
      if (now_ms - std::max(connect_start_ms_, last_io_ms_) > timeout_ms) {
        Fail("Timeout connecting to the MASTER...");
      }
      break;
    case State::kTransfer:
      if (now_ms - last_io_ms_ > timeout_ms) {
        Fail("Timeout receiving bulk data from MASTER... If the problem persists try to set the "
             "'repl-timeout' parameter in redis.conf to a larger value.");
      }
      break;
    case State::kConnected: {
      Connection* c = s_.worker(0).Find(master_client_id_);
      if (c == nullptr) break;
      if (now_ms - c->last_interaction_ms() > timeout_ms) {
        LOG_WARNING("MASTER timeout: no data nor PING received...");
        c->Close();
        break;
      }
      last_io_ms_shared_.store(c->last_interaction_ms());
      if (now_ms - last_ack_ms_ >= 1000) {
        last_ack_ms_ = now_ms;
        c->SendRaw(AckCommand());
      }
      break;
    }
    case State::kNone:
      break;
  }
}

void ReplicaClient::Connect(int64_t now_ms) {
  std::string host;
  int port;
  {
    std::lock_guard<std::mutex> l(mu_);
    host = host_;
    port = port_;
  }
  LOG_NOTICE("Connecting to MASTER %s:%d", host.c_str(), port);
  LOG_NOTICE("MASTER <-> REPLICA sync started");
  state_.store(State::kConnecting);
  connect_start_ms_ = now_ms;
  last_io_ms_ = now_ms;
  reader_ = ReplyReader();
  expect_.clear();
  net::Link::Handlers h;
  h.connected = [this](const carmine::Status& st) { OnConnected(st); };
  h.readable = [this] { OnReadable(); };
  h.closed = [this](const carmine::Status& st) { OnClosed(st); };
  link_ = std::make_unique<net::Link>(s_.worker(0).loop(), std::move(h));
  if (s_.tls_opts().tls_replication.get()) link_->set_tls(s_.tls());
  int64_t timeout_ms = static_cast<int64_t>(s_.repl_opts().repl_timeout.get()) * 1000;
  link_->Connect(host, port, s_.server_opts().bind_source_addr.get(), timeout_ms);
}

void ReplicaClient::OnConnected(const carmine::Status& st) {
  if (!st.ok()) return Fail("Error condition on socket for SYNC: " + st.message());
  LOG_NOTICE("Non blocking connect for SYNC fired the event.");
  state_.store(State::kHandshake);
  step_ = Step::kPong;
  last_io_ms_ = clock::NowMs();
  std::string ping;
  protocol::AppendRequest(&ping, {std::string_view("PING")});
  link_->Send(ping);
}

void ReplicaClient::OnClosed(const carmine::Status& st) {
  if (state() == State::kTransfer) {
    Fail("I/O error trying to sync with MASTER: " + st.message());
  } else {
    Fail("Master closed the connection during the handshake: " + st.message());
  }
}

void ReplicaClient::SendHandshake() {
  const ReplicationOptions& o = s_.repl_opts();
  std::string out;
  expect_.clear();
  std::string auth = o.masterauth.get();
  if (!auth.empty()) {
    std::string user = o.masteruser.get();
    if (user.empty()) {
      protocol::AppendRequest(&out, {std::string_view("AUTH"), auth});
    } else {
      protocol::AppendRequest(&out, {std::string_view("AUTH"), user, auth});
    }
    expect_.push_back(Step::kAuth);
  }
  int port = o.replica_announce_port.get();
  if (port == 0) port = s_.server_opts().port.get();
  protocol::AppendRequest(&out, {std::string_view("REPLCONF"), std::string_view("listening-port"),
                                 std::to_string(port)});
  expect_.push_back(Step::kPort);
  std::string ip = o.replica_announce_ip.get();
  if (!ip.empty()) {
    protocol::AppendRequest(&out, {std::string_view("REPLCONF"), std::string_view("ip-address"),
                                   ip});
    expect_.push_back(Step::kIp);
  }
  protocol::AppendRequest(&out, {std::string_view("REPLCONF"), std::string_view("capa"),
                                 std::string_view("eof"), std::string_view("capa"),
                                 std::string_view("psync2")});
  expect_.push_back(Step::kCapa);
  link_->Send(out);
  step_ = expect_.front();
}

void ReplicaClient::OnReadable() {
  last_io_ms_ = clock::NowMs();
  last_io_ms_shared_.store(last_io_ms_);
  for (;;) {
    if (link_ == nullptr) return;
    IoBuffer& in = link_->input();
    if (in.size() == 0) return;
    std::string_view buf(in.data(), in.size());
    switch (step_) {
      case Step::kPsync: {
        // The master may send newlines to keep the link alive before it answers.
        size_t skip = 0;
        while (skip < buf.size() && buf[skip] == '\n') skip++;
        if (skip > 0) {
          in.Consume(skip);
          continue;
        }
        size_t eol = buf.find("\r\n");
        if (eol == std::string_view::npos) {
          if (buf.size() > 64 * 1024) Fail("Master sent an overlong reply to PSYNC");
          return;
        }
        std::string line(buf.substr(0, eol));
        in.Consume(eol + 2);
        if (!HandlePsyncReply(line)) return;
        continue;
      }
      case Step::kBulkHeader:
        if (!ReadBulkHeader()) return;
        continue;
      case Step::kBulk:
        ReadBulk();
        return;
      default: {
        RespValue v;
        ReplyReader::State rs = reader_.Parse(buf, &v);
        if (rs == ReplyReader::State::kIncomplete) return;
        if (rs == ReplyReader::State::kError) {
          return Fail("Bad reply from MASTER during the handshake: " + reader_.error());
        }
        in.Consume(reader_.consumed());
        if (!HandleReply(v)) return;
        continue;
      }
    }
  }
}

bool ReplicaClient::HandleReply(const RespValue& v) {
  std::string text = DescribeReply(v);
  switch (step_) {
    case Step::kPong:
      // An error that only says authentication is still needed lets replication go on: AUTH
      // comes next.
      if (v.is_error() && !StartsWith(v.str, "NOAUTH") && !StartsWith(v.str, "NOPERM") &&
          !StartsWith(v.str, "ERR operation not permitted")) {
        Fail("Error reply to PING from master: '-" + v.str + "'");
        return false;
      }
      LOG_NOTICE("Master replied to PING, replication can continue...");
      SendHandshake();
      return true;
    case Step::kAuth:
      if (v.is_error()) {
        Fail("Unable to AUTH to MASTER: -" + v.str);
        return false;
      }
      break;
    case Step::kPort:
      if (v.is_error()) {
        LOG_NOTICE("(Non critical) Master does not understand REPLCONF listening-port: -%s",
                   v.str.c_str());
      }
      break;
    case Step::kIp:
      if (v.is_error()) {
        LOG_NOTICE("(Non critical) Master does not understand REPLCONF ip-address: -%s",
                   v.str.c_str());
      }
      break;
    case Step::kCapa:
      if (v.is_error()) {
        LOG_NOTICE("(Non critical) Master does not understand REPLCONF capa: -%s", v.str.c_str());
      }
      break;
    default:
      break;
  }
  (void)text;
  expect_.pop_front();
  if (!expect_.empty()) {
    step_ = expect_.front();
    return true;
  }
  // PSYNC: continue the history this server has, or ask for everything.
  std::string req;
  bool failover;
  {
    std::lock_guard<std::mutex> l(mu_);
    failover = failover_;
  }
  if (has_history_.load() || failover) {
    std::string id = s_.repl_master().replid();
    uint64_t next = s_.repl_master().offset() + 1;
    LOG_NOTICE("Trying a partial resynchronization (request %s:%llu).", id.c_str(),
               static_cast<unsigned long long>(next));
    if (failover) {
      protocol::AppendRequest(&req, {std::string_view("PSYNC"), id, std::to_string(next),
                                     std::string_view("FAILOVER")});
    } else {
      protocol::AppendRequest(&req, {std::string_view("PSYNC"), id, std::to_string(next)});
    }
  } else {
    LOG_NOTICE("Partial resynchronization not possible (no cached master)");
    protocol::AppendRequest(&req, {std::string_view("PSYNC"), std::string_view("?"),
                                   std::string_view("-1")});
  }
  link_->Send(req);
  step_ = Step::kPsync;
  return true;
}

bool ReplicaClient::HandlePsyncReply(std::string_view line) {
  bool failover;
  {
    std::lock_guard<std::mutex> l(mu_);
    failover = failover_;
    failover_ = false;
  }
  if (failover) {
    // The target of a FAILOVER answered: the switch is complete, or abandoned.
    bool accepted = StartsWith(line, "+FULLRESYNC") || StartsWith(line, "+CONTINUE");
    if (!accepted) {
      LOG_NOTICE("Master does not support PSYNC or is in error state (reply: %s)",
                 std::string(line).c_str());
      Fail("");
    }
    s_.failover().HandshakeDone(accepted);
    if (!accepted) return false;
  }
  if (StartsWith(line, "+FULLRESYNC")) {
    std::vector<std::string> parts;
    SplitArgs(line, &parts);
    int64_t off = 0;
    if (parts.size() != 3 || parts[1].size() != 40 || !ParseInt64(parts[2], &off) || off < 0) {
      Fail("Master replied with wrong +FULLRESYNC syntax.");
      return false;
    }
    full_replid_ = parts[1];
    full_offset_ = static_cast<uint64_t>(off);
    LOG_NOTICE("Full resync from master: %s:%lld", full_replid_.c_str(),
               static_cast<long long>(off));
    state_.store(State::kTransfer);
    step_ = Step::kBulkHeader;
    return true;
  }
  if (StartsWith(line, "+CONTINUE")) {
    LOG_NOTICE("Successful partial resynchronization with master.");
    std::vector<std::string> parts;
    SplitArgs(line, &parts);
    ReplicationMaster& m = s_.repl_master();
    if (!m.backlog_active()) s_.ActivateReplicationBacklog(true);
    if (parts.size() >= 2 && parts[1].size() == 40 && parts[1] != m.replid()) {
      // The master was promoted since: the history continues under its new id, and replicas
      // of this server must hear of the change.
      m.ContinueAs(parts[1]);
      LOG_NOTICE("Master replication ID changed to %s", m.replid().c_str());
      s_.DisconnectReplicas();
    }
    LOG_NOTICE("MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.");
    std::string rest(link_->input().data(), link_->input().size());
    BecomeConnected(rest);
    return false;  // the link is gone: the master client reads from here on
  }
  if (StartsWith(line, "-NOMASTERLINK") || StartsWith(line, "-LOADING")) {
    LOG_NOTICE("Master is currently unable to PSYNC but should be in the future: %s",
               std::string(line).c_str());
    Fail("");
    return false;
  }
  Fail("Unexpected reply to PSYNC from master: " + std::string(line));
  return false;
}

std::string ReplicaClient::TempFile() const {
  std::string path = s_.persistence().Path();
  std::string dir = path.substr(0, path.find_last_of('/') + 1);
  return dir + "temp-" + std::to_string(clock::NowMs() / 1000) + "." + std::to_string(getpid()) +
         ".rdb";
}

bool ReplicaClient::ReadBulkHeader() {
  IoBuffer& in = link_->input();
  std::string_view buf(in.data(), in.size());
  size_t skip = 0;
  while (skip < buf.size() && buf[skip] == '\n') skip++;  // keepalives before the payload
  if (skip > 0) {
    in.Consume(skip);
    return true;
  }
  size_t eol = buf.find("\r\n");
  if (eol == std::string_view::npos) {
    if (buf.size() > 1024) Fail("Bad protocol from MASTER: overlong payload header");
    return false;
  }
  std::string line(buf.substr(0, eol));
  in.Consume(eol + 2);
  if (line.empty() || line[0] != '$') {
    Fail("Bad protocol from MASTER, the first byte is not '$' (we received '" + line +
         "'), are you sure the host and port are right?");
    return false;
  }
  eof_mark_.clear();
  tail_.clear();
  transfer_read_ = 0;
  if (line.size() == 5 + kEofMarkLen && line.compare(0, 5, "$EOF:") == 0) {
    eof_mark_ = line.substr(5);
    transfer_size_ = -1;
  } else {
    int64_t len;
    if (!ParseInt64(std::string_view(line).substr(1), &len) || len < 0) {
      Fail("Bad protocol from MASTER: invalid payload length '" + line + "'");
      return false;
    }
    transfer_size_ = len;
  }
  int load = s_.repl_opts().repl_diskless_load.get();
  size_t keys = 0;
  for (int i = 0; i < s_.dbs().num_dbs(); i++) keys += s_.dbs().KeyCount(i);
  bulk_in_memory_ = load == static_cast<int>(DisklessLoad::kSwapDb) ||
                    (load == static_cast<int>(DisklessLoad::kOnEmptyDb) && keys == 0);
  const char* to = bulk_in_memory_ ? "to parser" : "to disk";
  if (transfer_size_ < 0) {
    LOG_NOTICE("MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF %s", to);
  } else {
    LOG_NOTICE("MASTER <-> REPLICA sync: receiving %lld bytes from master %s",
               static_cast<long long>(transfer_size_), to);
  }
  swapdb_ = bulk_in_memory_ && load == static_cast<int>(DisklessLoad::kSwapDb);
  if (bulk_in_memory_) {
    // Loading from the socket: clients get -LOADING until the image is in (Redis reads it in
    // one blocking pass); the old dataset stays until the image is complete. With swapdb from
    // the history this replica already has (the same replication id), the old dataset is a
    // consistent earlier view of the same data, so it keeps serving meanwhile (async loading).
    if (swapdb_ && full_replid_ == s_.repl_master().replid()) {
      s_.dbs().set_async_loading(true);
    } else {
      s_.dbs().set_loading(true);
    }
    loading_from_socket_ = true;
    s_.loading_total_bytes.store(transfer_size_ > 0 ? transfer_size_ : 0);
    s_.loading_loaded_bytes.store(0);
  } else {
    bulk_tmp_ = TempFile();
    bulk_fd_ = open(bulk_tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (bulk_fd_ < 0) {
      std::string why = strerror(errno);
      bulk_tmp_.clear();
      Fail("Opening the temp file needed for MASTER <-> REPLICA synchronization: " + why);
      return false;
    }
  }
  transfer_size_shared_.store(transfer_size_);
  transfer_read_shared_.store(0);
  step_ = Step::kBulk;
  return true;
}

bool ReplicaClient::ReadBulk() {
  IoBuffer& in = link_->input();
  size_t take = in.size();
  if (transfer_size_ >= 0) {
    take = std::min<size_t>(take, static_cast<size_t>(transfer_size_ - transfer_read_));
  }
  std::string_view chunk(in.data(), take);
  if (bulk_in_memory_) {
    bulk_mem_.append(chunk);
  } else if (!WriteAll(bulk_fd_, chunk)) {
    Fail(std::string("Write error or short write writing to the DB dump file needed for MASTER "
                     "<-> REPLICA synchronization: ") + strerror(errno));
    return false;
  }
  transfer_read_ += static_cast<int64_t>(take);
  transfer_read_shared_.store(transfer_read_);
  if (bulk_in_memory_) s_.loading_loaded_bytes.store(transfer_read_);
  bool done;
  if (transfer_size_ >= 0) {
    done = transfer_read_ == transfer_size_;
  } else {
    // The mark ends the stream; nothing follows it until this replica acknowledges.
    tail_.append(chunk);
    if (tail_.size() > kEofMarkLen) tail_.erase(0, tail_.size() - kEofMarkLen);
    done = tail_ == eof_mark_;
  }
  in.Consume(take);
  if (!done) return true;
  if (transfer_size_ < 0) {
    // The mark is not part of the snapshot.
    if (bulk_in_memory_) {
      bulk_mem_.resize(bulk_mem_.size() - kEofMarkLen);
    } else if (ftruncate(bulk_fd_, transfer_read_ - static_cast<int64_t>(kEofMarkLen)) != 0) {
      Fail(std::string("Error truncating the RDB file received from the master: ") +
           strerror(errno));
      return false;
    }
  }
  FinishTransfer();
  return false;
}

carmine::Status ReplicaClient::LoadAside(rdb::LoadStats* stats) {
  // swapdb: the image goes into a dataset of its own; the live one is replaced only once the
  // image loaded completely, so a corrupt or cut image leaves the replica as it was.
  DbSet& dbs = s_.dbs();
  DbSet fresh(dbs.num_dbs(), dbs.num_shards(), dbs.locking());
  fresh.set_lfu(dbs.lfu(), dbs.lfu_log_factor(), dbs.lfu_decay_time());
  fresh.set_loading(true);
  int64_t now = clock::NowMs();
  LOG_NOTICE("MASTER <-> REPLICA sync: Loading DB in memory");
  rdb::LoadControl ctl = s_.persistence().LoadControl();
  s_.loading_total_bytes.store(transfer_read_);
  s_.loading_loaded_bytes.store(0);
  carmine::Status st =
      rdb::LoadData(fresh, bulk_mem_, "(socket)", now, s_.opts().limits(), stats, false, ctl);
  if (!st.ok()) {
    LOG_WARNING("MASTER <-> REPLICA sync: Discarding the half-loaded data, the previous dataset "
                "stays");
    EndSocketLoading();
    return st;
  }
  {
    ShardLocks all;
    all.AddAll(dbs);
    all.Acquire();
    LOG_NOTICE("MASTER <-> REPLICA sync: Swapping the loaded DB with the active one");
    dbs.SwapAllData(fresh, clock::NowMs());
    if (auto* o = dbs.observer()) o->OnDbChanged(-1);
    dbs.set_loading(false);
    dbs.set_async_loading(false);
    loading_from_socket_ = false;
    dbs.stats().dirty.Sub(dbs.stats().dirty.load());
  }
  // `fresh` now holds the old dataset, freed when it goes out of scope.
  return st;
}

void ReplicaClient::FinishTransfer() {
  Persistence& p = s_.persistence();
  std::string path = p.Path();
  if (!bulk_in_memory_) {
    if (fsync(bulk_fd_) != 0) {
      Fail(std::string("Failed trying to sync the temp DB to disk in MASTER <-> REPLICA "
                       "synchronization: ") + strerror(errno));
      return;
    }
    close(bulk_fd_);
    bulk_fd_ = -1;
  }
  // A snapshot being written now describes the dataset about to be replaced.
  p.KillChild();
  if (!bulk_in_memory_) {
    if (rename(bulk_tmp_.c_str(), path.c_str()) != 0) {
      Fail("Failed trying to rename the temp DB into " + path +
           " in MASTER <-> REPLICA synchronization: " + strerror(errno));
      return;
    }
    bulk_tmp_.clear();
  }
  DbSet& dbs = s_.dbs();
  rdb::LoadStats stats;
  carmine::Status st = carmine::Status::Ok();
  if (swapdb_) {
    st = LoadAside(&stats);
  } else {
    LOG_NOTICE("MASTER <-> REPLICA sync: Flushing old data");
    // Every shard lock while the dataset is replaced: clients wait, as they wait for Redis's
    // single thread while it loads.
    ShardLocks all;
    all.AddAll(dbs);
    all.Acquire();
    int64_t now = clock::NowMs();
    for (int i = 0; i < dbs.num_dbs(); i++) Db(dbs, i, now, false).Flush();
    if (auto* o = dbs.observer()) o->OnDbChanged(-1);
    LOG_NOTICE("MASTER <-> REPLICA sync: Loading DB in memory");
    dbs.set_loading(true);
    rdb::LoadControl ctl = p.LoadControl();
    s_.loading_total_bytes.store(transfer_read_);
    s_.loading_loaded_bytes.store(0);
    if (bulk_in_memory_) {
      st = rdb::LoadData(dbs, bulk_mem_, "(socket)", now, s_.opts().limits(), &stats, false, ctl);
    } else {
      bool found = false;
      st = rdb::LoadFile(dbs, path, now, s_.opts().limits(), &stats, &found, false, ctl);
    }
    dbs.set_loading(false);
    loading_from_socket_ = false;
    dbs.stats().dirty.Sub(dbs.stats().dirty.load());
  }
  std::string().swap(bulk_mem_);
  if (!st.ok()) {
    LOG_WARNING("%s", st.message().c_str());
    Fail(bulk_in_memory_ ? "Failed trying to load the MASTER synchronization DB from socket, "
                           "check server logs."
                         : "Failed trying to load the MASTER synchronization DB from disk, "
                           "check server logs.");
    return;
  }
  LogRdbAux(stats, clock::NowMs());
  LogRdbLoaded(stats);
  s_.LoadRdbFunctions(stats);  // the master's libraries replace this server's
  int stream_db = 0;
  for (const auto& [k, v] : stats.aux) {
    int64_t n;
    if (k == "repl-stream-db" && ParseInt64(v, &n) && n >= 0 && n < dbs.num_dbs()) {
      stream_db = static_cast<int>(n);
    }
  }
  master_db_.store(stream_db);
  ReplicationMaster& m = s_.repl_master();
  if (!m.backlog_active()) s_.ActivateReplicationBacklog(true);
  m.AdoptHistory(full_replid_, full_offset_);
  has_history_.store(true);
  // Replicas of this server had the old dataset: they start over from the new one.
  s_.DisconnectReplicas();
  if (s_.persist_opts().appendonly.get()) s_.aof().RestartAfterSync();
  LOG_NOTICE("MASTER <-> REPLICA sync: Finished with success");
  IoBuffer& in = link_->input();
  std::string rest(in.data(), in.size());
  BecomeConnected(rest);
}

void ReplicaClient::BecomeConnected(std::string_view leftover) {
  std::unique_ptr<net::Transport> t = link_->Release();
  link_.reset();
  transfer_size_shared_.store(-1);
  transfer_read_shared_.store(0);
  uint64_t id = s_.NextClientId();
  master_client_id_ = id;
  state_.store(State::kConnected);
  down_since_ms_.store(0);
  last_ack_ms_ = clock::NowMs();
  last_io_ms_shared_.store(last_ack_ms_);
  Connection* c = s_.worker(0).AdoptMaster(std::move(t), id, leftover, master_db_.load());
  // The first acknowledgement at once: a master that sent an EOF-marked snapshot starts the
  // stream when it hears it.
  if (c != nullptr && !c->closing()) c->SendRaw(AckCommand());
}

void ReplicaClient::Applied(std::string_view raw, int db, bool in_multi) {
  master_db_.store(db, std::memory_order_relaxed);
  if (!s_.repl_master().proxying()) return;  // promoted meanwhile: its own stream has it
  s_.repl_master().FeedRaw(raw);
  // Queued commands of a transaction are not in the AOF until its EXEC.
  if (!in_multi) s_.aof().NoteStreamOffset(s_.repl_master().offset());
}

void ReplicaClient::ErrorToMaster(std::string_view error, std::string_view command) {
  LOG_WARNING("== CRITICAL == This replica is sending an error to its master: '%.*s' after "
              "processing the command '%.*s'",
              static_cast<int>(error.size()), error.data(), static_cast<int>(command.size()),
              command.data());
  const ReplBacklog& backlog = s_.repl_master().backlog();
  if (uint64_t n = std::min<uint64_t>(backlog.histlen(), 256); n > 0) {
    // The stream up to the command before this one (this one is fed on after it ran).
    std::string dump, quoted;
    uint64_t from = backlog.end_offset() - n + 1;
    while (dump.size() < n) {
      int64_t got = backlog.Read(from + dump.size(), n - dump.size(), &dump);
      if (got <= 0) break;
    }
    AppendQuoted(&quoted, dump);
    LOG_NOTICE("Latest backlog is: '%s'", quoted.c_str());
  }
  s_.dispatcher().stats().unexpected_error_replies.fetch_add(1, std::memory_order_relaxed);
  // panic / panic-on-replicas: only a read-only replica panics; a writable one may well have
  // diverged on purpose (its own writes), as Redis allows.
  if (s_.repl_opts().propagation_error_behavior.get() != 0 &&
      s_.repl_opts().replica_read_only.get()) {
    LOG_WARNING("Guru Meditation: This replica panicked sending an error to its master after "
                "processing the command '%.*s'",
                static_cast<int>(command.size()), command.data());
    abort();
  }
}

void ReplicaClient::MasterClosed(uint64_t client_id, int db) {
  unapplied_.store(0);
  if (client_id != master_client_id_) return;
  master_client_id_ = 0;
  master_db_.store(db);
  LOG_NOTICE("Connection with master lost.");
  LOG_NOTICE("Caching the disconnected master state.");
  has_history_.store(true);
  down_since_ms_.store(clock::NowMs());
  if (state_.load() == State::kConnected) {
    state_.store(State::kConnect);
    connect_start_ms_ = 0;
  }
}

}  // namespace carmine
