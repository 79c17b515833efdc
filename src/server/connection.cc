// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
#include "server/connection.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/clock.h"
#include "base/logging.h"
#include "net/socket.h"
#include "server/metrics.h"
#include "server/server.h"

namespace carmine {
namespace {
// Read size for ordinary requests (Redis PROTO_IOBUF_LEN); larger when a big bulk is pending.
constexpr size_t kReadChunk = 16 * 1024;
constexpr size_t kMaxReadChunk = 64 * 1024 * 1024;
// The string capacity whose allocation is `bytes` (a reply buffer's size): a string allocates
// one byte more than its capacity for the terminator, and 16 KB + 1 would take the allocator's
// next size class (20 KB) for every connection, 512 KB + 1 the next (640 KB) for a replica's.
constexpr size_t ReplyCapacity(size_t bytes) { return bytes - 1; }
}  // namespace

Connection::Connection(Worker& worker, std::unique_ptr<net::Transport> transport, uint64_t id,
                       bool is_unix)
    : worker_(worker), transport_(std::move(transport)) {
  int fd = transport_->fd();
  session_.id = id;
  session_.fd = fd;
  rb_.set_limit(this);
  session_.is_unix = is_unix;
  session_.created_ms = worker.loop().now_ms();
  session_.last_interaction_ms = session_.created_ms;
  rb_peak_since_ms_ = session_.created_ms;
  out_.reserve(ReplyCapacity(rb_size_));
  session_.addr = net::PeerName(fd);
  session_.laddr = net::SockName(fd);
  worker.server().acl().BindDefault(session_);
  session_.is_local = is_unix || net::IsLoopbackPeer(fd);
  Worker* w = &worker;
  session_.process_while_busy = [this] { worker_.ProcessWhileBusy(this); };
  session_.debug_read = [this](std::string* buf) { return DebugRead(buf); };
  session_.debug_write = [this](std::string_view bytes) { return DebugWrite(bytes); };
  session_.debug_fork = [this] {
    // What is queued for this client goes out first, or both processes would send it.
    if (!DebugWrite("")) return -1;
    return static_cast<int>(worker_.server().debug_sessions().Fork(this->fd()));
  };
  session_.debug_exit = [this] {
    exec_mark_ = out_.size();  // the EVAL's reply is all that is left
    DebugWrite("");
    LOG_NOTICE("Lua debugging session child exiting");
    _exit(0);
  };
  session_.deliver = [w, id](std::string reply) {
    w->loop().Post([w, id, r = std::move(reply)]() mutable { w->DeliverUnblocked(id, std::move(r)); });
  };
  auto sub = std::make_shared<Subscriber>();
  sub->client_id = id;
  sub->owner = worker.index();
  sub->push_local = [this](std::string_view msg) { PushMessage(msg); };
  sub->post = [w, id](std::string msg) {
    int64_t bytes = static_cast<int64_t>(msg.capacity()) + 64;  // the message and its task
    g_pushes_in_flight.fetch_add(bytes, std::memory_order_relaxed);
    w->loop().Post([w, id, bytes, m = std::move(msg)] {
      g_pushes_in_flight.fetch_sub(bytes, std::memory_order_relaxed);
      w->DeliverPush(id, m);
    });
  };
  session_.subscriber = std::move(sub);
}

Connection::~Connection() {
  worker_.AddClientMem(-reported_mem_.load());
  if (snapshot_fd_ >= 0) close(snapshot_fd_);
  if (snapshot_stream_ != nullptr) snapshot_stream_->RemoveReader(session_.id);
  if (replica_ != nullptr && !replica_gone_) worker_.server().ReplicaGone(*replica_);
  if (session_.is_master) {
    worker_.server().replica().MasterClosed(session_.id, session_.db.load());
  }
}

void Connection::MarkMaster(int db) {
  session_.is_master = true;
  session_.authenticated = true;
  {
    std::lock_guard<std::mutex> l(session_.info_mu);
    session_.acl_user.reset();  // the master's stream is obeyed, whatever the user
  }
  session_.no_evict.store(true);
  session_.db.store(db);
  http_checked_ = true;
}

void Connection::BecomeMaster(std::string_view leftover) {
  if (leftover.empty()) return;
  in_.Reserve(leftover.size());
  memcpy(in_.write_ptr(), leftover.data(), leftover.size());
  in_.Commit(leftover.size());
  ProcessInput();
  if (!closing_ && out_.size() > out_pos_) Flush();
}

void Connection::Close() {
  if (closing_) return;
  closing_ = true;
  if (paused_) worker_.server().stats().paused_clients.fetch_sub(1, std::memory_order_relaxed);
  worker_.server().dispatcher().ClientClosed(session_);
  // Its output goes now, not when the worker reaps it at the end of the loop iteration, and it
  // stops counting toward maxmemory-clients: a client closed to free memory (client eviction,
  // output limits) must have freed it before anything else is evicted for it. A command still
  // running for it keeps the buffer it is writing to (freed with the connection).
  if (!executing_) {
    std::string().swap(out_);
    out_pos_ = 0;
  }
  worker_.AddClientMem(-reported_mem_.exchange(0));
  // A replica stops counting (INFO, min-replicas-to-write) now, not when the worker reaps the
  // connection: a script that runs meanwhile may be waiting to see it go.
  if (replica_ != nullptr) {
    worker_.server().ReplicaGone(*replica_);
    replica_gone_ = true;
  }
  worker_.ScheduleClose(this);
}

void Connection::SendRaw(std::string_view s) {
  out_.append(s);
  Flush();
}

void Connection::OnEvent(uint32_t events) {
  if (closing_) return;
  if (events & (EPOLLERR | EPOLLHUP)) {
    if (!(events & EPOLLIN)) {
      Close();
      return;
    }
  }
  if (events & EPOLLIN) OnReadable();
  if (!closing_ && (events & EPOLLOUT)) Flush();
  // A pending flush settles the client's memory once its replies are written, in this same
  // loop iteration; settling it here too would count every request twice.
  if (!closing_ && !pending_flush_) UpdateMemUsage();
}

void Connection::UpdateMemUsage(bool may_evict) {
  if (closing_) return;  // uncounted when it closed
  // Subscriptions, watched keys and tracking prefixes at Redis's per-entry estimates.
  size_t state = static_cast<size_t>(session_.pubsub_count()) * 64;
  if (session_.watch != nullptr) state += session_.watch->keys.size() * 64;
  if (session_.tracking != nullptr) {
    for (const std::string& p : session_.tracking->prefixes) state += 32 + p.size();
  }
  session_.state_mem.store(state, std::memory_order_relaxed);
  int64_t now = static_cast<int64_t>(ClientMemory(session_));
  int64_t delta = now - reported_mem_.load(std::memory_order_relaxed);
  if (delta != 0) {
    reported_mem_.store(now, std::memory_order_relaxed);
    worker_.AddClientMem(delta);
  }
  if (delta < 0 || !may_evict) return;
  // maxmemory-clients is enforced as memory grows (as Redis checks after each read and
  // command), not only from the cron: a client filling its buffers is closed before it gets far.
  // A command that did not grow its own client may have grown others (PUBLISH fills the
  // subscribers' output), so the total is looked at even then.
  Server& s = worker_.server();
  int64_t limit = s.ClientMemoryLimit();
  if (limit > 0 && s.ClientMemoryTotal() > limit) s.EvictClientsIfNeeded(&worker_);
}

void Connection::OnReadable() {
  // A TLS connection may hold decrypted bytes the socket will not signal again.
  do {
    ReadOnce();
  } while (!closing_ && !read_stopped_ && transport_->pending() > 0);
}

void Connection::ReadOnce() {
  if (read_stopped_) return;
  size_t hint = parser_.bytes_needed_hint();
  if (hint > 0) {
    ReserveForArgument(hint);
  } else {
    in_.Reserve(kReadChunk);
  }
  ssize_t n = transport_->Read(in_.write_ptr(), in_.writable());
  if (n == 0) {
    Close();
    return;
  }
  if (n < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) Close();
    return;
  }
  in_.Commit(static_cast<size_t>(n));
  qb_peak_ = std::max(qb_peak_, in_.size());
  auto& stats = worker_.server().stats();
  stats.net_input_bytes.Add(static_cast<uint64_t>(n));
  stats.reads_processed.Add();
  session_.total_net_in.Add(static_cast<uint64_t>(n));
  session_.last_interaction_ms.store(worker_.loop().now_ms(), std::memory_order_relaxed);
  if (static_cast<int64_t>(in_.size()) > worker_.server().server_opts().client_query_buffer_limit.get() &&
      !session_.is_master) {
    LOG_WARNING("Closing client that reached max query buffer length: id=%llu addr=%s",
                static_cast<unsigned long long>(session_.id), session_.addr.c_str());
    worker_.server().stats().query_limit_disconnections.fetch_add(1, std::memory_order_relaxed);
    Close();
    return;
  }
  if (http_checked_ || !HandleHttp()) ProcessInput();
  // Replies are written once per loop iteration for all clients (as Redis does in beforeSleep):
  // the peers then see one burst of writes per batch of reads.
  if (!closing_ && out_.size() > out_pos_) {
    if (!OverOutputLimit()) ScheduleFlush();
  } else if (!closing_ && session_.close_after_reply && out_.size() == out_pos_) {
    Close();
  }
}

// The rest of a partly read argument is made room for exactly, up to 64 MB at once (as Redis
// sizes its query buffer for a big bulk); asking for a full chunk near the end of a big argument
// would double a buffer that is about to hold exactly what it needs. Beyond 64 MB the room is
// topped up only when it runs low, by as much as the buffer already holds: each reallocation
// copies what was read, so the steps must grow for the copying to stay linear (topping up to
// 64 MB free after every read made a 512 MB argument take minutes).
void Connection::ReserveForArgument(size_t hint) {
  const size_t room = std::min(hint, kMaxReadChunk);
  if (in_.writable() >= room) return;
  if (hint > kMaxReadChunk) {
    if (in_.writable() >= kReadChunk && in_.capacity() >= kMaxReadChunk) return;
    in_.Reserve(std::min(hint, std::max(kMaxReadChunk, in_.size())));
    return;
  }
  in_.Reserve(room);
}

bool Connection::HandleHttp() {
  size_t head_len = 0;
  std::string_view buf(in_.data(), in_.size());
  HttpProbe p = ProbeHttp(buf, &head_len);
  if (p == HttpProbe::kNeedMore) return true;
  http_checked_ = true;
  if (p == HttpProbe::kNotHttp && !metrics_only_) return false;
  std::string resp = p == HttpProbe::kRequest
                         ? HttpResponse(worker_.server(), buf.substr(0, head_len))
                         : std::string("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"
                                       "Connection: close\r\n\r\n");
  in_.Consume(in_.size());
  out_.append(resp);
  session_.close_after_reply = true;
  read_stopped_ = true;
  return true;
}

void Connection::ProcessInput() {
  Server& server = worker_.server();
  RespParser::Limits limits;
  while (!closing_ && !close_asap_ && !paused_ && !read_stopped_ && !session_.blocked &&
         in_.size() > 0) {
    // Killed from another thread (CLIENT KILL answered its caller, the close is on its way
    // here): nothing more runs, as in Redis, where the client is gone once KILL replies.
    if (session_.kill_requested.load(std::memory_order_relaxed)) {
      Close();
      break;
    }
    limits.max_bulk_len = server.opts().proto_max_bulk_len.get();
    limits.authenticated = session_.authenticated;
    auto st = parser_.Parse(in_.data(), in_.size(), limits);
    if (st == RespParser::State::kIncomplete) break;
    if (st == RespParser::State::kError) {
      LOG_VERBOSE("Protocol error (%.*s) from client: id=%llu addr=%s",
                  static_cast<int>(parser_.error().size()), parser_.error().data(),
                  static_cast<unsigned long long>(session_.id), session_.addr.c_str());
      rb_.Error(parser_.error());
      server.dispatcher().stats().CountError("ERR");
      session_.close_after_reply = true;
      read_stopped_ = true;
      break;
    }
    const auto& args = parser_.args();
    if (args.empty()) {
      in_.Consume(parser_.consumed());
      continue;
    }
    if (server.IsPauseActive(worker_.loop().now_ms())) {
      // Decide with the command's flags; unknown commands are not held back.
      const CommandSpec* spec = server.registry().Find(args[0]);
      if (spec != nullptr &&
          server.IsPausedFor(Dispatcher::EffectiveFlags(spec, ArgList(args.data(), args.size()),
                                                        session_),
                             worker_.loop().now_ms())) {
        paused_ = true;
        server.stats().paused_clients.fetch_add(1, std::memory_order_relaxed);
        worker_.ParkPaused(this);
        break;  // the request stays in the buffer and is parsed again on resume
      }
    }
    // While it runs, the command is still in the query buffer (CLIENT LIST qbuf= counts it).
    session_.qbuf.store(in_.size(), std::memory_order_relaxed);
    ExecuteOne(ArgList(args.data(), args.size()));
    if (session_.is_master) {
      // Applied: the command's bytes go on, unchanged, to this server's own replicas.
      server.replica().Applied(std::string_view(in_.data(), parser_.consumed()),
                               session_.db.load(std::memory_order_relaxed),
                               session_.multi != nullptr);
    }
    in_.Consume(parser_.consumed());
    if (session_.close_after_reply) {
      // Gone as far as others can tell (a tracking client redirecting here hears that its
      // target broke), though its last reply is still being written.
      if (session_.subscriber) session_.subscriber->closed.store(true);
      read_stopped_ = true;
      break;
    }
  }
  if (session_.is_master) server.replica().set_unapplied(in_.size());
  size_t big = parser_.big_bulk_start();
  // A big argument's room is made as soon as its length is known, as Redis sizes its query
  // buffer then: the client is charged for it at once (maxmemory-clients, tot-mem).
  if (big > 0) {
    ReserveForArgument(parser_.bytes_needed_hint());
    big = parser_.big_bulk_start();
  }
  session_.qbuf.store(in_.size() - big, std::memory_order_relaxed);
  session_.argv_mem.store(big > 0 ? parser_.parsed_args_bytes() : 0, std::memory_order_relaxed);
  session_.qbuf_free.store(in_.spare(), std::memory_order_relaxed);
  session_.qbuf_alloc.store(in_.capacity(), std::memory_order_relaxed);
  qb_peak_ = std::max(qb_peak_, in_.size() + (big > 0 ? parser_.bytes_needed_hint() : 0));
}

void Connection::ResizeBuffers(int64_t now_ms, int64_t idle_ms) {
  size_t pending = parser_.big_bulk_start() > 0 ? parser_.bytes_needed_hint() : 0;
  if (in_.capacity() - in_.size() > 4096) {
    if (idle_ms > 2000) {
      in_.Resize(in_.size());
    } else if (in_.capacity() > 32 * 1024 && in_.capacity() / 2 > qb_peak_) {
      in_.Resize(std::max(in_.size() + pending, qb_peak_));
    }
    session_.qbuf_free.store(in_.spare(), std::memory_order_relaxed);
    session_.qbuf_alloc.store(in_.capacity(), std::memory_order_relaxed);
  }
  qb_peak_ = in_.size() + pending;
  if (replica_ == nullptr) ResizeReplyBuffer(now_ms);
  // No eviction from here: the worker is iterating its connections.
  UpdateMemUsage(false);
}

void Connection::ResizeReplyBuffer(int64_t now_ms) {
  ReplyBufferPolicy& policy = worker_.server().reply_buffer_policy();
  if (!policy.resizing.load(std::memory_order_relaxed)) return;
  ServerStats& stats = worker_.server().stats();
  size_t next = 0;
  if (rb_size_ / 2 >= ReplyBufferPolicy::kMinBytes && rb_peak_ < rb_size_ / 2) {
    next = std::max(ReplyBufferPolicy::kMinBytes, rb_peak_ + 1);
    stats.reply_buffer_shrinks.fetch_add(1, std::memory_order_relaxed);
  } else if (rb_size_ < ReplyBufferPolicy::kMaxBytes && rb_peak_ == rb_size_) {
    // A full buffer: replies spilled past it, so it doubles (up to 16 KB).
    next = std::min(ReplyBufferPolicy::kMaxBytes, rb_size_ * 2);
    stats.reply_buffer_expands.fetch_add(1, std::memory_order_relaxed);
  }
  // The peak is forgotten now and then, so a client that went quiet gets to shrink.
  int64_t reset = policy.peak_reset_ms.load(std::memory_order_relaxed);
  if (reset >= 0 && now_ms - rb_peak_since_ms_ >= reset) {
    rb_peak_ = std::min(out_.size() - out_pos_, rb_size_);
    rb_peak_since_ms_ = now_ms;
  }
  if (next != 0) {
    rb_size_ = next;
    if (out_pos_ == out_.size()) FitReplyBuffer();
  }
  session_.rbs.store(rb_size_, std::memory_order_relaxed);
  session_.rbp.store(rb_peak_, std::memory_order_relaxed);
}

void Connection::TrimIdleReplicaBuffer(int64_t now_ms) {
  if (replica_ == nullptr || feeding_ || executing_ || out_pos_ != out_.size()) {
    drained_since_ms_ = 0;
    return;
  }
  if (drained_since_ms_ == 0) drained_since_ms_ = now_ms;
  if (now_ms - drained_since_ms_ < 1000 || out_.capacity() <= ReplyCapacity(rb_size_)) return;
  FitReplyBuffer();  // FeedReplica sizes it again when there is more to send
  replica_->out_bytes.store(out_.capacity() + 1, std::memory_order_relaxed);
}

void Connection::FitReplyBuffer() {
  if (out_.capacity() == ReplyCapacity(rb_size_)) return;
  std::string fresh;
  fresh.reserve(ReplyCapacity(rb_size_));
  out_.swap(fresh);
  session_.out_alloc.store(out_.capacity(), std::memory_order_relaxed);
}

void Connection::NoteOutput() {
  session_.obuf.store(out_.size() - out_pos_, std::memory_order_relaxed);
  session_.out_alloc.store(out_.capacity(), std::memory_order_relaxed);
}

// A command from the master failed here: the replica's data may have diverged. The reply
// (discarded, as every reply to the master) is the error the log reports.
void Connection::ReportErrorToMaster() {
  std::string_view error =
      FirstErrorText(std::string_view(out_.data() + exec_mark_, out_.size() - exec_mark_));
  const CommandSpec* spec = session_.last_cmd.load(std::memory_order_relaxed);
  worker_.server().replica().ErrorToMaster(error, spec ? spec->full_name : "<unknown>");
}

void Connection::ExecuteOne(ArgList args) {
  exec_mark_ = out_.size();
  if (session_.skip_next) {
    session_.skip_next = false;
    session_.skip_this = true;
  }
  session_.reply_is_push = false;
  rb_.SetProtocol(session_.resp);
  executing_ = true;
  uint64_t errors_before = rb_.errors();
  rb_.MarkReplyStart();
  worker_.server().dispatcher().Dispatch(args, session_, rb_, worker_.loop().now_ms());
  executing_ = false;
  if (session_.is_master && rb_.errors() != errors_before) ReportErrorToMaster();
  if (uint64_t off = ReplicationMaster::TakeThreadFedOffset()) session_.woff = off;
  session_.subscriber->resp.store(session_.resp.load(std::memory_order_relaxed),
                                  std::memory_order_relaxed);
  session_.commands_processed.Add();
  worker_.CountCommand();
  // CLIENT REPLY OFF|SKIP: drop what this command produced, unless it was pushes.
  bool discard = (session_.reply_off || session_.skip_this) && !session_.reply_is_push;
  // The master hears nothing back, except what a command addresses to it (GETACK's ACK).
  if (session_.is_master) discard = !session_.reply_to_master;
  session_.reply_to_master = false;
  session_.skip_this = false;
  if (discard) out_.resize(exec_mark_);
  if (!pending_push_.empty()) {
    out_.append(pending_push_);
    pending_push_.clear();
  }
  if (session_.kill_requested.load(std::memory_order_relaxed)) session_.close_after_reply = true;
  // With maxmemory-clients, what the reply added is charged before the next command runs (as
  // Redis does after each command), so clients are evicted before keys are. The output limit
  // is applied first: a client it closes frees its output rather than evicting others.
  if (worker_.server().ClientMemoryLimit() > 0) {
    bool over = out_.size() > out_pos_ && OverOutputLimit();
    NoteOutput();
    UpdateMemUsage(!over);
  }
}

void Connection::Flush() {
  if (close_asap_) return;
  worker_.server().aof().BeforeReply();
  if (size_t used = std::min(out_.size(), rb_size_); used > rb_peak_) {
    rb_peak_ = used;
    session_.rbp.store(used, std::memory_order_relaxed);
  }
  while (out_pos_ < out_.size()) {
    ssize_t n = transport_->Write(out_.data() + out_pos_, out_.size() - out_pos_);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      Close();
      return;
    }
    out_pos_ += static_cast<size_t>(n);
    auto& stats = worker_.server().stats();
    stats.net_output_bytes.Add(static_cast<uint64_t>(n));
    stats.writes_processed.Add();
    session_.total_net_out.Add(static_cast<uint64_t>(n));
  }
  if (out_pos_ == out_.size()) {
    out_.clear();
    out_pos_ = 0;
    // A drained buffer keeps the reply buffer's size (at most 16 KB, as Redis's per-client
    // reply buffer): what a burst of output (a big reply, a flood of invalidation messages)
    // needed goes back at once, as Redis frees its reply blocks once written. Memory that
    // lingers counts toward maxmemory and would make eviction chase it.
    if (replica_ == nullptr && out_.capacity() > ReplyCapacity(rb_size_)) FitReplyBuffer();
    if (session_.close_after_reply) {
      Close();
      return;
    }
    if (replica_ != nullptr && !feeding_) {
      FeedReplica();
      return;
    }
  }
  NoteOutput();
  if (replica_ != nullptr) replica_->out_bytes.store(out_.capacity() + 1, std::memory_order_relaxed);
  UpdateInterest();
  UpdateMemUsage();
}

namespace {
// Waits until `fd` is ready for `events`; false on timeout or error.
bool WaitReady(int fd, short events, int timeout_ms) {
  pollfd p{fd, events, 0};
  for (;;) {
    int n = poll(&p, 1, timeout_ms);
    if (n < 0 && errno == EINTR) continue;
    return n > 0 && (p.revents & (events | POLLHUP | POLLERR)) != 0;
  }
}
}  // namespace

bool Connection::DebugRead(std::string* buf) {
  if (!debug_input_taken_) {
    // Whatever the client sent behind its EVAL is the session's first input. The connection
    // closes when the session ends, so these bytes are never parsed as commands.
    debug_input_taken_ = true;
    if (in_.size() > parser_.consumed()) {
      buf->append(in_.data() + parser_.consumed(), in_.size() - parser_.consumed());
      return true;
    }
  }
  char chunk[16 * 1024];
  for (;;) {
    if (transport_->pending() == 0 && !WaitReady(fd(), POLLIN, -1)) return false;
    ssize_t n = transport_->Read(chunk, sizeof(chunk));
    if (n > 0) {
      buf->append(chunk, static_cast<size_t>(n));
      worker_.server().stats().net_input_bytes.Add(static_cast<uint64_t>(n));
      return true;
    }
    if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) return false;
  }
}

bool Connection::DebugWrite(std::string_view bytes) {
  // Replies to the commands before the EVAL go first; the EVAL's own comes after the session.
  std::string out = out_.substr(out_pos_, exec_mark_ - out_pos_);
  out_.erase(0, exec_mark_);
  out_pos_ = 0;
  exec_mark_ = 0;
  out.append(bytes);
  for (size_t done = 0; done < out.size();) {
    ssize_t n = transport_->Write(out.data() + done, out.size() - done);
    if (n > 0) {
      done += static_cast<size_t>(n);
      worker_.server().stats().net_output_bytes.Add(static_cast<uint64_t>(n));
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return false;
    // A client that reads nothing for 5 seconds is gone, as far as the session is concerned.
    if (!WaitReady(fd(), POLLOUT, 5000)) return false;
  }
  return true;
}

void Connection::ScheduleFlush() {
  if (pending_flush_ || closing_) return;
  pending_flush_ = true;
  worker_.AddPendingFlush(this);
}

void Connection::PushMessage(std::string_view msg) {
  if (closing_ || close_asap_) return;
  if (executing_ && session_.running) {
    pending_push_.append(msg);
    return;
  }
  out_.append(msg);
  if (executing_) {
    exec_mark_ = out_.size();  // ahead of the reply, which CLIENT REPLY may drop
    return;                    // written with the reply
  }
  NoteOutput();
  if (!OverOutputLimit()) ScheduleFlush();
  // Charged now, evicted by the next command or the cron: a publisher may hold the pub/sub
  // registry while delivering this.
  if (!closing_) UpdateMemUsage(false);
}

size_t Connection::CapFrom(size_t start) const {
  const ClientClass cls =
      session_.pubsub_count() > 0 ? ClientClass::kPubSub : ClientClass::kNormal;
  int64_t hard = worker_.server().opts().output_limit(cls).hard;
  // Past the free reply buffer and the hard limit (counted in data bytes, a little over what
  // OverOutputLimit's block rounding allows: the close itself is decided there).
  return hard > 0 ? start + rb_size_ + static_cast<size_t>(hard) : 0;
}

bool Connection::OverOutputLimit() {
  if (close_asap_) return true;
  // Like Redis, which counts only what overflows a client's reply buffer (16 KB, or less once
  // the cron has shrunk it), that much unsent output is free: small replies never trip a limit
  // (nor cost a look at it).
  const size_t free_bytes = rb_size_;
  size_t unsent = out_.size() - out_pos_;
  if (unsent <= free_bytes) {
    soft_limit_since_ms_ = 0;
    return false;
  }
  const ClientClass cls =
      session_.pubsub_count() > 0 ? ClientClass::kPubSub : ClientClass::kNormal;
  const OutputLimit lim = worker_.server().opts().output_limit(cls);
  // Redis counts the reply blocks holding the rest, whole: each is a 16 KB request that its
  // allocator rounds to 20 KB, of which 20464 bytes hold data. Counting the same way makes a
  // client cross a limit at the same reply size as with Redis.
  constexpr size_t kBlockData = 20464, kBlockAlloc = 20480;
  size_t pending = (unsent - free_bytes + kBlockData - 1) / kBlockData * kBlockAlloc;
  bool hard = lim.hard > 0 && pending >= static_cast<size_t>(lim.hard);
  bool soft = false;
  if (lim.soft > 0 && pending >= static_cast<size_t>(lim.soft)) {
    int64_t now = worker_.loop().now_ms();
    if (soft_limit_since_ms_ == 0) {
      soft_limit_since_ms_ = now;
    } else if (now - soft_limit_since_ms_ >= lim.soft_seconds * 1000) {
      soft = true;
    }
  } else {
    soft_limit_since_ms_ = 0;
  }
  if (!hard && !soft) return false;
  LOG_WARNING("Client id=%llu addr=%s scheduled to be closed ASAP for overcoming of output buffer "
              "limits.",
              static_cast<unsigned long long>(session_.id), session_.addr.c_str());
  worker_.server().stats().output_limit_disconnections.fetch_add(1, std::memory_order_relaxed);
  // Closed from the loop, not here: a publisher may be running with the pub/sub registry locked,
  // and closing unsubscribes. Nothing more is queued or sent meanwhile.
  close_asap_ = true;
  out_.clear();
  out_pos_ = 0;
  Worker* w = &worker_;
  uint64_t id = session_.id;
  w->loop().Post([w, id] { w->KillClient(id); });
  return true;
}

void Connection::UpdateInterest() {
  bool want = out_pos_ < out_.size();
  if (want == writing_) return;
  writing_ = want;
  worker_.loop().Modify(transport_->fd(), EPOLLIN | (want ? static_cast<uint32_t>(EPOLLOUT) : 0u), this);
}

void Connection::Unblocked(std::string reply) {
  if (closing_) return;
  session_.blocked.reset();
  session_.is_blocked.store(false, std::memory_order_relaxed);
  out_.append(reply);
  ProcessInput();
  if (!closing_) Flush();
}

void Connection::CheckBlockTimeout(int64_t now_ms) {
  auto& b = session_.blocked;
  if (b == nullptr || b->deadline_ms == 0 || now_ms < b->deadline_ms || !b->TryFinish()) return;
  worker_.server().dispatcher().blocking().Remove(b.get());
  worker_.server().dispatcher().WaitEnded(*b, false);
  Unblocked(b->TimeoutReply());
}

void Connection::Resume() {
  if (!paused_ || closing_) return;
  paused_ = false;
  worker_.server().stats().paused_clients.fetch_sub(1, std::memory_order_relaxed);
  ProcessInput();
  if (!closing_) Flush();
}

}  // namespace carmine

namespace carmine {

void Connection::SendSnapshot(const std::string& path) {
  if (closing_ || replica_ == nullptr) return;
  snapshot_fd_ = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (snapshot_fd_ < 0 || fstat(snapshot_fd_, &st) != 0) {
    LOG_WARNING("SYNC failed. Can't open/stat DB after BGSAVE: %s", strerror(errno));
    Close();
    return;
  }
  snapshot_left_ = static_cast<uint64_t>(st.st_size);
  replica_->state.store(ReplicaLink::State::kSendBulk);
  out_.append("$");
  out_.append(std::to_string(snapshot_left_));
  out_.append("\r\n");
  FeedReplica();
}

void Connection::SendSnapshotStream(std::shared_ptr<SnapshotStream> stream) {
  if (closing_ || replica_ == nullptr) {
    stream->RemoveReader(session_.id);
    return;
  }
  snapshot_stream_ = std::move(stream);
  eof_mark_ = NewReplid();  // 40 random characters, as Redis's mark
  replica_->state.store(ReplicaLink::State::kSendBulk);
  out_.append("$EOF:");
  out_.append(eof_mark_);
  out_.append("\r\n");
  FeedReplica();
}

void Connection::AckAfterTransfer() {
  if (!awaiting_ack_ || replica_ == nullptr) return;
  awaiting_ack_ = false;
  int port = replica_->listening_port.load();
  LOG_NOTICE("Synchronization with replica %s:%s succeeded", replica_->ip.c_str(),
             port != 0 ? std::to_string(port).c_str() : "<unknown-replica-port>");
  StartStreaming(replica_->snapshot_offset.load() + 1);
}

void Connection::SnapshotKeepalive() {
  if (closing_ || replica_ == nullptr || snapshot_fd_ >= 0 || stream_next_ != 0 ||
      snapshot_stream_ != nullptr) {
    return;
  }
  if (replica_->state.load() != ReplicaLink::State::kWaitBgsave) return;
  SendRaw("\n");
}

void Connection::StartStreaming(uint64_t offset) {
  if (closing_ || replica_ == nullptr) return;
  stream_next_ = offset;
  replica_->ack_ms.store(clock::NowMs());
  worker_.server().repl_master().backlog().Retain(session_.id, offset);
  replica_->state.store(ReplicaLink::State::kOnline);
  FeedReplica();
}

void Connection::FeedReplica() {
  if (closing_ || replica_ == nullptr || feeding_) return;
  if (snapshot_fd_ < 0 && stream_next_ == 0 && snapshot_stream_ == nullptr) return;
  feeding_ = true;
  replica_->wake_pending.store(false);
  ReplBacklog& backlog = worker_.server().repl_master().backlog();
  constexpr size_t kStep = 256 * 1024;
  // A pass appends a step only while less than a step is unsent, so once the sent bytes are
  // dropped the buffer never holds more than two steps. It is sized for that once: growing it
  // while feeding would allocate memory that maxmemory sees before out_bytes counts it, and a
  // lagging replica must never make keys be evicted. During the reallocation both buffers are
  // counted. Without the compaction, a replica that always lags a little would grow it forever.
  if (out_pos_ >= kStep && !executing_) {
    out_.erase(0, out_pos_);
    out_pos_ = 0;
  }
  if (out_.capacity() < ReplyCapacity(2 * kStep)) {
    replica_->out_bytes.store(out_.capacity() + 1 + 2 * kStep, std::memory_order_relaxed);
    out_.reserve(ReplyCapacity(2 * kStep));
    replica_->out_bytes.store(out_.capacity() + 1, std::memory_order_relaxed);
  }
  while (!closing_) {
    if (out_.size() - out_pos_ >= kStep) break;  // the socket is behind: EPOLLOUT resumes
    size_t before = out_.size();
    if (snapshot_stream_ != nullptr) {
      SnapshotStream::ReadState st = snapshot_stream_->Read(session_.id, kStep, &out_);
      if (st == SnapshotStream::ReadState::kFailed) {
        feeding_ = false;
        Close();
        return;
      }
      if (st == SnapshotStream::ReadState::kDone) {
        out_.append(eof_mark_);
        snapshot_stream_->RemoveReader(session_.id);
        snapshot_stream_.reset();
        awaiting_ack_ = true;
        replica_->ack_ms.store(clock::NowMs());
        int port = replica_->listening_port.load();
        LOG_NOTICE("Streamed RDB transfer with replica %s:%s succeeded (socket). Waiting for "
                   "REPLCONF ACK from replica to enable streaming",
                   replica_->ip.c_str(),
                   port != 0 ? std::to_string(port).c_str() : "<unknown-replica-port>");
      }
    } else if (snapshot_fd_ >= 0) {
      size_t want = static_cast<size_t>(std::min<uint64_t>(snapshot_left_, kStep));
      out_.resize(before + want);
      ssize_t n = want == 0 ? 0 : read(snapshot_fd_, out_.data() + before, want);
      if (n < 0 || (n == 0 && want > 0)) {
        LOG_WARNING("Read error sending DB to replica: %s", n < 0 ? strerror(errno) : "EOF");
        out_.resize(before);
        feeding_ = false;
        Close();
        return;
      }
      out_.resize(before + static_cast<size_t>(n));
      snapshot_left_ -= static_cast<uint64_t>(n);
      if (snapshot_left_ == 0) {
        close(snapshot_fd_);
        snapshot_fd_ = -1;
        uint64_t from = replica_->snapshot_offset.load() + 1;
        stream_next_ = from;
        replica_->sent_offset.store(from - 1, std::memory_order_relaxed);
        // Acknowledgements are due from now on; repl-timeout counts from here.
        replica_->ack_ms.store(clock::NowMs());
        replica_->state.store(ReplicaLink::State::kOnline);
        int port = replica_->listening_port.load();
        LOG_NOTICE("Synchronization with replica %s:%s succeeded", replica_->ip.c_str(),
                   port != 0 ? std::to_string(port).c_str() : "<unknown-replica-port>");
      }
    } else if (stream_next_ != 0) {
      int64_t n = backlog.Read(stream_next_, kStep, &out_);
      if (n < 0) {
        // The backlog no longer holds what this replica needs (it fell further behind than its
        // output limit allowed): it reconnects and resyncs.
        LOG_WARNING("Client %s scheduled to be closed ASAP for overcoming of output buffer limits.",
                    session_.addr.c_str());
        feeding_ = false;
        Close();
        return;
      }
      stream_next_ += static_cast<uint64_t>(n);
      replica_->sent_offset.store(stream_next_ - 1, std::memory_order_relaxed);
      backlog.Retain(session_.id, stream_next_);
    }
    // Killed (CLIENT KILL TYPE replica): nothing written after the kill reaches this replica,
    // as in Redis, so it must resync from where the kill left it. Checked after the read: a
    // write the backlog holds was made after the kill request became visible, if at all.
    if (session_.kill_requested.load(std::memory_order_acquire)) {
      out_.resize(before);
      feeding_ = false;
      Close();
      return;
    }
    if (out_.size() == before) {
      if (out_pos_ < out_.size()) Flush();
      break;  // nothing more to send now
    }
    Flush();
    if (out_pos_ < out_.size()) break;  // the socket is full: EPOLLOUT resumes
  }
  feeding_ = false;
}

}  // namespace carmine
