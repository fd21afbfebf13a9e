#include "rpc/dispatcher.h"

#include <arpa/inet.h>
#include <rpc/rpc.h>

#include <cstring>

#include "rpc/call_header.h"
#include "rpc/reply_header.h"
#include "rpc/xdr_buffer.h"

namespace loopfs::rpc {
namespace {

AcceptStat ToAcceptStat(DispatchStatus s) {
  switch (s) {
    case DispatchStatus::kSuccess:
      return AcceptStat::kSuccess;
    case DispatchStatus::kProcUnavail:
      return AcceptStat::kProcUnavail;
    case DispatchStatus::kGarbageArgs:
      return AcceptStat::kGarbageArgs;
    default:
      return AcceptStat::kSystemErr;
  }
}

}  // namespace

void Dispatcher::AddProgram(Program* program) { programs_.push_back(program); }

bool Dispatcher::Handle(std::span<const uint8_t> record, const Peer& peer, ByteBuffer* reply) {
  auto start = std::chrono::steady_clock::now();
  CallHeader header;
  switch (DecodeCallHeader(record, &header)) {
    case CallHeaderStatus::kOk:
      break;
    case CallHeaderStatus::kUndecodable:
    case CallHeaderStatus::kNotCall:
      undecodable_.fetch_add(1, std::memory_order_relaxed);
      return false;
    case CallHeaderStatus::kRpcMismatch:
      EncodeRpcMismatch(header.info.xid, reply);
      return true;
    case CallHeaderStatus::kBadCred:
    case CallHeaderStatus::kBadFlavor:
      EncodeAuthError(header.info.xid, AuthStat::kBadCred, reply);
      return true;
  }
  CallInfo& call = header.info;
  call.peer = &peer;
  call.deadline = start + options_.call_deadline;

  size_t index = 0;
  Program* program = nullptr;
  for (; index < programs_.size(); ++index) {
    if (programs_[index]->number() == call.prog) {
      program = programs_[index];
      break;
    }
  }
  if (program == nullptr) {
    EncodeAcceptedError(call.xid, AcceptStat::kProgUnavail, reply);
    return true;
  }
  if (!program->HasVersion(call.vers)) {
    EncodeProgMismatch(call.xid, program->low_version(), program->high_version(), reply);
    return true;
  }

  std::span<const uint8_t> args = record.subspan(header.args_offset);
  const bool cached = program->IsNonIdempotent(call.vers, call.proc);
  DrcKey key;
  if (cached) {
    key = MakeDrcKey(call, peer, args);
    switch (drc_.Begin(key, reply)) {
      case DuplicateRequestCache::Outcome::kNew:
        break;
      case DuplicateRequestCache::Outcome::kInProgress:
        return false;
      case DuplicateRequestCache::Outcome::kReplay:
        return true;
    }
  }

  XDR args_xdr;
  xdrmem_create(&args_xdr, reinterpret_cast<char*>(const_cast<uint8_t*>(args.data())),
                static_cast<u_int>(args.size()), XDR_DECODE);
  reply->clear();
  XdrBufferEncoder result(reply, kAcceptedHeaderEnd);
  DispatchStatus status = program->Dispatch(call, &args_xdr, result.xdr());
  xdr_destroy(&args_xdr);

  bool send = true;
  switch (status) {
    case DispatchStatus::kSuccess:
      // The body ends at the stream's position: READ reserves room for the
      // full count and moves back after a short read (rpc/program.h).
      reply->resize(kAcceptedHeaderEnd + xdr_getpos(result.xdr()));
      WriteAcceptedHeader(call.xid, AcceptStat::kSuccess, reply);
      break;
    case DispatchStatus::kAuthTooWeak:
      EncodeAuthError(call.xid, AuthStat::kTooWeak, reply);
      break;
    case DispatchStatus::kDrop:
      send = false;
      break;
    default:
      EncodeAcceptedError(call.xid, ToAcceptStat(status), reply);
      break;
  }
  if (cached) {
    if (send) {
      drc_.Finish(key, *reply);
    } else {
      drc_.Abandon(key);
    }
  }
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::steady_clock::now() - start)
                    .count();
  stats_.Record(index, call.proc, static_cast<uint64_t>(micros));
  return send;
}

}  // namespace loopfs::rpc
