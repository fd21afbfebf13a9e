// libFuzzer target: the MOUNT argument decoder and procedures, versions 1
// and 3.
//
// Input: byte 0 picks the version (bit 0: 3, else 1) and the procedure
// (bits 1..7, mod 7, so 6 is an unknown one); byte 1 holds flags (bit 0: call
// from an unreserved port); the rest are the argument bytes.  Exports "/"
// and "/a/b" are served by in-memory layers.
#include <spdlog/spdlog.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "layers/registry.h"
#include "nfsd/export.h"
#include "nfsd/mount_program.h"
#include "nfsd/mount_prot.h"
#include "tests/unit/nfsd/memory_layer.h"

namespace {

struct Env {
  Env() {
    spdlog::set_level(spdlog::level::off);
    registry.Register("memory",
                      [](const loopfs::LayerParams&, std::unique_ptr<loopfs::Layer>,
                         std::string*) -> std::unique_ptr<loopfs::Layer> {
                        return std::make_unique<loopfs::nfsd::testing::MemoryLayer>();
                      });
    std::vector<loopfs::nfsd::ExportConfig> configs(2);
    configs[0].path = "/";
    configs[1].path = "/a/b";
    configs[1].options.insecure = true;
    for (auto& c : configs) {
      c.layers.emplace_back("memory", std::map<std::string, std::string>{}, "fuzz");
    }
    std::string err;
    holder = std::make_shared<loopfs::nfsd::ExportTableHolder>(
        loopfs::nfsd::ExportTable::Build(configs, registry, &err));
    mount = std::make_unique<loopfs::nfsd::MountProgram>(holder, key);
    reply.resize(1 << 20);
  }

  loopfs::LayerRegistry registry;
  loopfs::nfsd::HandleKey key{};
  std::shared_ptr<loopfs::nfsd::ExportTableHolder> holder;
  std::unique_ptr<loopfs::nfsd::MountProgram> mount;
  std::vector<uint8_t> reply;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Env* env = new Env();  // lives for the process; reachable, so not a leak
  if (size < 2 || size > (64u << 10)) return 0;
  std::vector<uint8_t> args(data + 2, data + size);

  // The decoder alone.
  {
    char* path = nullptr;
    XDR x;
    xdrmem_create(&x, reinterpret_cast<char*>(args.data()), static_cast<u_int>(args.size()),
                  XDR_DECODE);
    xdr_dirpath(&x, &path);
    xdr_destroy(&x);
    xdr_free(reinterpret_cast<xdrproc_t>(xdr_dirpath), reinterpret_cast<char*>(&path));
  }

  loopfs::rpc::Peer peer;
  peer.port = (data[1] & 1) ? 40000 : 800;
  peer.addr.ss_family = AF_INET;
  loopfs::rpc::CallInfo call;
  call.prog = 100005;
  call.vers = (data[0] & 1) ? 3 : 1;
  call.proc = (data[0] >> 1) % 7;
  call.flavor = loopfs::rpc::AuthFlavor::kSys;
  call.peer = &peer;
  XDR ax, rx;
  xdrmem_create(&ax, reinterpret_cast<char*>(args.data()), static_cast<u_int>(args.size()),
                XDR_DECODE);
  xdrmem_create(&rx, reinterpret_cast<char*>(env->reply.data()),
                static_cast<u_int>(env->reply.size()), XDR_ENCODE);
  env->mount->Dispatch(call, &ax, &rx);
  xdr_destroy(&ax);
  xdr_destroy(&rx);
  return 0;
}
