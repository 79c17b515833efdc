// Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
//
// Connection: one client socket, owned by the worker thread that accepted it (it never moves).
// It reads requests into an IoBuffer, parses and dispatches them in order, and writes the
// accumulated replies once per read batch, so a pipeline of N commands costs one read and one
// write. Protocol errors are answered and then the connection closes after the reply is flushed, as
// Redis.
#pragma once

#include <memory>
#include <string>

#include "replication/master.h"
#include "replication/snapshot_stream.h"
#include "commands/registry.h"
#include "commands/session.h"
#include "net/event_loop.h"
#include "net/io_buffer.h"
#include "net/transport.h"
#include "protocol/reply_builder.h"
#include "protocol/resp_parser.h"
#include "server/reply_buffer.h"

namespace carmine {

class Worker;

class Connection : public IoHandler, private ReplyBuilder::Limit {
 public:
  Connection(Worker& worker, std::unique_ptr<net::Transport> transport, uint64_t id, bool is_unix);
  ~Connection() override;

  void OnEvent(uint32_t events) override;
  // Queues the connection for closing at the end of the loop iteration.
  void Close();
  bool closing() const { return closing_; }
  int fd() const { return transport_->fd(); }
  Session& session() { return session_; }
  // Continues processing buffered input after a CLIENT PAUSE ended.
  void Resume();
  bool paused() const { return paused_; }
  // A blocking command of this client finished on another thread (or timed out, or CLIENT
  // UNBLOCK): write its reply and go on with the requests that queued up meanwhile.
  void Unblocked(std::string reply);
  // Ends the wait of a blocked client whose timeout passed (owner thread).
  void CheckBlockTimeout(int64_t now_ms);
  bool blocked() const { return session_.blocked != nullptr; }
  // A pub/sub message, keyspace event or tracking invalidation for this client (owner thread).
  // While a command of this client runs it waits for that command's reply.
  void PushMessage(std::string_view msg);
  // Writes raw bytes (used for errors sent before any command, e.g. maxclients).
  void SendRaw(std::string_view s);
  int64_t settled_memory() const { return reported_mem_.load(std::memory_order_relaxed); }
  int64_t last_interaction_ms() const { return session_.last_interaction_ms.load(); }
  // Accepted on metrics-port: speaks only HTTP.
  void set_metrics_only() { metrics_only_ = true; }
  // Called by the worker's cron: sizes the buffers as Redis's client cron does. After two idle
  // seconds the query buffer keeps only what it holds (idle clients cost a few hundred bytes,
  // not a 16 KB read buffer each); a busy client's query buffer bigger than 32 KB and twice its
  // recent peak is cut to that peak. Keeping it between commands otherwise spares a
  // reallocation per big request. The reply buffer follows ReplyBufferPolicy.
  void ResizeBuffers(int64_t now_ms, int64_t idle_ms);
  // A replica whose stream has been all sent for a second gives back its feeding buffer, as
  // Redis's replicas keep nothing of their own once caught up (CLIENT LIST tot-mem).
  void TrimIdleReplicaBuffer(int64_t now_ms);
  // Cron: a client that stays over its soft output limit is closed when the limit's seconds pass
  // even if nothing more is written to it (the kill is posted, not done here).
  void CheckOutputLimit() {
    if (!closing_ && out_.size() > out_pos_) OverOutputLimit();
  }
  // Replication: this client is a replica (after SYNC/PSYNC). Its output from then on is the
  // snapshot (once the RDB child wrote it) and the stream, pulled from the backlog as fast as
  // the socket takes it; nothing is copied per replica ahead of time.
  void BecomeReplica(std::shared_ptr<ReplicaLink> link) { replica_ = std::move(link); }
  const std::shared_ptr<ReplicaLink>& replica() const { return replica_; }
  // Sends the RDB file at `path` ("$<size>\r\n" and its bytes), then the stream from the
  // offset the snapshot was taken at. Closes the replica if the file cannot be read.
  void SendSnapshot(const std::string& path);
  // Diskless: sends "$EOF:<mark>\r\n", the image as the child produces it, then the mark; the
  // stream starts when the replica acknowledges (AckAfterTransfer).
  void SendSnapshotStream(std::shared_ptr<SnapshotStream> stream);
  // A REPLCONF ACK arrived: after a diskless transfer it means the replica loaded the image.
  void AckAfterTransfer();
  // A newline while the replica waits for its snapshot (it skips them; once the snapshot is on
  // its way a newline would be a stream byte, so then nothing is sent).
  void SnapshotKeepalive();
  // Streams from `offset` (the next byte the replica needs) at once (partial resync).
  void StartStreaming(uint64_t offset);
  // Moves more snapshot or stream bytes into the output and writes them (owner thread).
  void FeedReplica();
  // This connection is the link to this server's master (after the handshake and the
  // snapshot): `leftover` is stream already read, `db` the database the stream continues in.
  // The replica's link to its master becomes this connection: MarkMaster before the connection
  // is visible to other threads (CLIENT LIST reads the flags), BecomeMaster after, which applies
  // what already arrived behind the handshake.
  void MarkMaster(int db);
  void BecomeMaster(std::string_view leftover);
  // Writes replies produced during this loop iteration (called by the worker before it sleeps).
  void FlushPending() {
    pending_flush_ = false;
    if (!closing_) Flush();
  }

 private:
  void OnReadable();
  void ReadOnce();
  // Makes room for the rest of a partly read argument (see connection.cc).
  void ReserveForArgument(size_t hint);
  void ProcessInput();
  // A connection whose first line is an HTTP request line gets an HTTP answer (Prometheus
  // /metrics) and is closed. Returns true when the input was taken as HTTP (or may still be).
  bool HandleHttp();
  void ExecuteOne(ArgList args);
  void ReportErrorToMaster();
  // The reply buffer's cron step (ReplyBufferPolicy), and the drained buffer brought back to
  // the size the policy chose.
  void ResizeReplyBuffer(int64_t now_ms);
  void FitReplyBuffer();
  // Publishes the unsent output and what holds it (CLIENT LIST omem, tot-mem).
  void NoteOutput();
  void Flush();
  void UpdateInterest();
  // Refreshes what this client holds (CLIENT LIST tot-mem) into its worker's total, and applies
  // maxmemory-clients when it grew.
  void UpdateMemUsage(bool may_evict = true);
  // Applies client-output-buffer-limit to the unsent output; closes the client (and returns
  // true) when it is over the hard limit or has been over the soft limit for too long.
  bool OverOutputLimit();
  // ReplyBuilder::Limit: where a reply that started at `start` puts the client over its hard
  // output limit.
  size_t CapFrom(size_t start) const override;
  void ScheduleFlush();
  // The Lua debugger's blocking I/O (Session::debug_read/debug_write): it runs inside the EVAL,
  // so it waits on the socket itself rather than in the event loop.
  bool DebugRead(std::string* buf);
  bool DebugWrite(std::string_view bytes);

  Worker& worker_;
  std::unique_ptr<net::Transport> transport_;
  // This client's share of the worker's client memory, as of its last settled state (after its
  // input was processed: no command in flight). Read by other threads for eviction.
  std::atomic<int64_t> reported_mem_{0};
  Session session_;
  IoBuffer in_;
  std::string out_;
  size_t out_pos_ = 0;
  RespParser parser_;
  ReplyBuilder rb_{&out_};
  bool closing_ = false;
  bool writing_ = false;  // EPOLLOUT registered
  size_t exec_mark_ = 0;  // where the running command's reply starts in out_
  size_t qb_peak_ = 0;    // most query-buffer bytes needed since the last ResizeBuffers
  size_t rb_size_ = ReplyBufferPolicy::kMaxBytes;  // what out_ keeps once drained
  size_t rb_peak_ = ReplyBufferPolicy::kMaxBytes;  // most of it a batch of replies used lately
  int64_t rb_peak_since_ms_ = 0;
  int64_t drained_since_ms_ = 0;  // a replica's stream all sent since then (0: not drained)
  bool paused_ = false;
  bool read_stopped_ = false;
  bool http_checked_ = false;  // the first bytes were looked at for an HTTP request
  bool metrics_only_ = false;
  bool pending_flush_ = false;
  bool executing_ = false;    // inside Dispatch for this client
  std::string pending_push_;  // pushes produced while executing_
  int64_t soft_limit_since_ms_ = 0;
  bool close_asap_ = false;  // over an output limit: closing at the next loop iteration
  std::shared_ptr<ReplicaLink> replica_;
  bool replica_gone_ = false;  // Close() told replication this replica is gone
  int snapshot_fd_ = -1;        // the RDB file being sent to this replica
  uint64_t snapshot_left_ = 0;  // its bytes not yet sent
  uint64_t stream_next_ = 0;    // next stream offset to send (0: not streaming)
  bool feeding_ = false;        // inside FeedReplica (its Flush must not start another)
  std::shared_ptr<SnapshotStream> snapshot_stream_;  // the diskless image being sent
  std::string eof_mark_;        // what ends it
  bool debug_input_taken_ = false;  // the debugger took what followed its EVAL in the buffer
  bool awaiting_ack_ = false;   // image sent, stream starts at the replica's first ACK
};

}  // namespace carmine
