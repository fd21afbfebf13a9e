// Runs arbitrary records through the call header decoder and the whole
// dispatcher (with a program that decodes one u_int), as a hostile client's
// calls would arrive.
#include <netinet/in.h>

#include <cstdint>

#include "rpc/call_header.h"
#include "rpc/dispatcher.h"

namespace {

class EchoProgram : public loopfs::rpc::Program {
 public:
  uint32_t number() const override { return 100003; }
  std::string_view name() const override { return "echo"; }
  uint32_t low_version() const override { return 3; }
  uint32_t high_version() const override { return 3; }
  std::string_view ProcName(uint32_t, uint32_t p) const override { return p < 22 ? "P" : ""; }
  bool IsNonIdempotent(uint32_t, uint32_t proc) const override { return proc % 2 == 1; }
  loopfs::rpc::DispatchStatus Dispatch(const loopfs::rpc::CallInfo& call, XDR* args,
                                       XDR* result) override {
    if (call.proc >= 22) return loopfs::rpc::DispatchStatus::kProcUnavail;
    u_int v = 0;
    if (!xdr_u_int(args, &v)) return loopfs::rpc::DispatchStatus::kGarbageArgs;
    return xdr_u_int(result, &v) ? loopfs::rpc::DispatchStatus::kSuccess
                                 : loopfs::rpc::DispatchStatus::kSystemErr;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static EchoProgram program;
  static loopfs::rpc::Dispatcher* dispatcher = [] {
    auto* d = new loopfs::rpc::Dispatcher();
    d->AddProgram(&program);
    return d;
  }();
  loopfs::rpc::CallHeader header;
  (void)loopfs::rpc::DecodeCallHeader({data, size}, &header);
  loopfs::rpc::Peer peer;
  peer.addr.ss_family = AF_INET;
  peer.port = 1023;
  loopfs::rpc::ByteBuffer reply;
  dispatcher->Handle({data, size}, peer, &reply);
  return 0;
}
