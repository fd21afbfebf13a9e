// A mounted NFSv3 export: the MOUNT handshake, the NFS connections, and blocking helpers used
// to prepare a run (resolving paths, creating scratch files).  Nothing here is measured.
#ifndef LOOPFS_BENCH_NFS_SESSION_H_
#define LOOPFS_BENCH_NFS_SESSION_H_

#include <cstdint>
#include <string>

#include "bench/file_handle.h"
#include "bench/rpc_client.h"

namespace loopfs::bench {

// Where a server is: any NFSv3 server reachable without a portmapper.
struct ServerEndpoint {
  std::string host = "127.0.0.1";
  int nfs_port = 2049;
  int mount_port = 0;
  std::string export_path = "/";
};

class NfsSession {
 public:
  // MNT of the export, then `connections` connections to the NFS port.
  bool Open(const ServerEndpoint& endpoint, int connections, std::string* error);

  RpcClient& client() { return nfs_; }
  const FileHandle& root() const { return root_; }

  // LOOKUP of one name.
  bool Lookup(const FileHandle& dir, const std::string& name, FileHandle* object,
              std::string* error);
  // Resolves a relative path ("a/b/c") from the export's root.
  bool LookupPath(const std::string& path, FileHandle* object, std::string* error);
  // CREATE (UNCHECKED, mode 0644, size 0: an existing file is truncated).
  bool Create(const FileHandle& dir, const std::string& name, FileHandle* object,
              std::string* error);
  bool Remove(const FileHandle& dir, const std::string& name, std::string* error);
  // GETATTR; *size receives the file size.
  bool Size(const FileHandle& object, uint64_t* size, std::string* error);
  // COMMIT of the whole file on the given connection.
  bool Commit(size_t connection, const FileHandle& file, std::string* error);

 private:
  static constexpr std::chrono::milliseconds kSetupTimeout{30000};

  RpcClient nfs_;
  FileHandle root_;
};

}  // namespace loopfs::bench

#endif  // LOOPFS_BENCH_NFS_SESSION_H_
