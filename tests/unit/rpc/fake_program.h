// A small RPC program for runtime tests: procedure 0 is NULL, 1 echoes a
// u_int (idempotent), 2 counts executions and returns the count
// (non-idempotent, so it goes through the DRC), 3 fails with SYSTEM_ERR,
// 4 asks for a drop, 5 refuses as AUTH_TOOWEAK, 6 sleeps for the given
// milliseconds then echoes, 7 reserves 64 bytes, writes one u_int and moves
// back (the body must end at the stream position, as a short READ does).
#pragma once

#include <atomic>
#include <chrono>
#include <thread>

#include "rpc/program.h"

namespace loopfs::rpc::testing {

class FakeProgram : public Program {
 public:
  static constexpr uint32_t kNumber = 400100;

  uint32_t number() const override { return kNumber; }
  std::string_view name() const override { return "fake"; }
  uint32_t low_version() const override { return 2; }
  uint32_t high_version() const override { return 4; }
  bool HasVersion(uint32_t v) const override { return v == 2 || v == 4; }
  std::string_view ProcName(uint32_t, uint32_t proc) const override {
    return proc <= 7 ? "P" : "";
  }
  bool IsNonIdempotent(uint32_t, uint32_t proc) const override { return proc == 2; }

  DispatchStatus Dispatch(const CallInfo& call, XDR* args, XDR* result) override {
    last_uid = call.sys.uid;
    switch (call.proc) {
      case 0:
        return DispatchStatus::kSuccess;
      case 1:
      case 6: {
        u_int v = 0;
        if (!xdr_u_int(args, &v)) return DispatchStatus::kGarbageArgs;
        if (call.proc == 6) std::this_thread::sleep_for(std::chrono::milliseconds(v));
        return xdr_u_int(result, &v) ? DispatchStatus::kSuccess : DispatchStatus::kSystemErr;
      }
      case 2: {
        u_int n = ++executions;
        return xdr_u_int(result, &n) ? DispatchStatus::kSuccess : DispatchStatus::kSystemErr;
      }
      case 3:
        return DispatchStatus::kSystemErr;
      case 4:
        return DispatchStatus::kDrop;
      case 5:
        return DispatchStatus::kAuthTooWeak;
      case 7: {
        if (xdr_inline(result, 64) == nullptr) return DispatchStatus::kSystemErr;
        u_int v = 0xabcd;
        return xdr_setpos(result, 0) && xdr_u_int(result, &v) ? DispatchStatus::kSuccess
                                                              : DispatchStatus::kSystemErr;
      }
      default:
        return DispatchStatus::kProcUnavail;
    }
  }

  std::atomic<uint32_t> executions{0};
  std::atomic<uint32_t> last_uid{0};
};

}  // namespace loopfs::rpc::testing
