// READ and WRITE: the data path, small (4 KiB, per-call cost) and large (1 MiB, bandwidth).
#include <algorithm>
#include <utility>

#include "bench/nfs_session.h"
#include "bench/workloads.h"

namespace loopfs::bench {
namespace {

// xorshift64*: offsets only need to be spread evenly, not unpredictable.
class OffsetRandom {
 public:
  uint64_t Next() {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545F4914F6CDD1DULL;
  }

 private:
  uint64_t state_ = 0x9E3779B97F4A7C15ULL;
};

class ReadWorkload final : public Workload {
 public:
  ReadWorkload(FileHandle file, uint64_t file_size, uint32_t count, bool random_offsets)
      : file_(file),
        count_(count),
        blocks_(std::max<uint64_t>(1, file_size / std::max<uint32_t>(count, 1))),
        random_offsets_(random_offsets) {}

  std::vector<std::string> CallKinds() const override { return {"READ"}; }

  void Prepare(size_t slots, size_t /*connections*/) override { requested_.resize(slots); }

  int Issue(rpc_context* rpc, size_t slot, rpc_cb callback, void* private_data) override {
    const uint64_t block = random_offsets_ ? random_.Next() % blocks_ : next_block_++ % blocks_;
    READ3args args{};
    args.file = file_.AsArgument();
    args.offset = block * count_;
    args.count = count_;
    requested_[slot] = count_;
    return rpc_nfs3_read_async(rpc, callback, &args, private_data);
  }

  CallOutcome Complete(size_t slot, void* reply) override {
    const auto* res = static_cast<READ3res*>(reply);
    if (res->status != NFS3_OK) return CallOutcome{};
    const READ3resok& ok = res->READ3res_u.resok;
    // Offsets stay inside the file, so anything short of the request is a server fault.
    const bool complete = ok.count == requested_[slot] && ok.data.data_len == ok.count;
    return CallOutcome{.call_kind = 0, .ok = complete, .bytes = ok.data.data_len, .units = 1};
  }

 private:
  FileHandle file_;
  uint32_t count_;
  uint64_t blocks_;
  bool random_offsets_;
  OffsetRandom random_;
  uint64_t next_block_ = 0;
  std::vector<uint32_t> requested_;
};

class WriteWorkload final : public Workload {
 public:
  WriteWorkload(std::vector<FileHandle> files, uint32_t count, uint64_t region,
                uint64_t commit_every)
      : files_(std::move(files)),
        count_(count),
        blocks_(std::max<uint64_t>(1, region / std::max<uint32_t>(count, 1))),
        commit_every_(commit_every),
        payload_(count) {
    // A non-zero pattern, so no layer below can treat the data as a hole.
    for (size_t i = 0; i < payload_.size(); ++i) payload_[i] = static_cast<char>('a' + i % 26);
  }

  std::vector<std::string> CallKinds() const override { return {"WRITE", "COMMIT"}; }

  void Prepare(size_t slots, size_t connections) override {
    connections_ = std::max<size_t>(connections, 1);
    cursors_.assign(connections_, 0);
    uncommitted_.assign(connections_, 0);
    slot_is_commit_.assign(slots, false);
  }

  int Issue(rpc_context* rpc, size_t slot, rpc_cb callback, void* private_data) override {
    const size_t connection = slot % connections_;
    const FileHandle& file = files_[connection % files_.size()];
    if (commit_every_ != 0 && uncommitted_[connection] >= commit_every_) {
      uncommitted_[connection] = 0;
      slot_is_commit_[slot] = true;
      COMMIT3args args{};
      args.file = file.AsArgument();
      return rpc_nfs3_commit_async(rpc, callback, &args, private_data);
    }
    slot_is_commit_[slot] = false;
    WRITE3args args{};
    args.file = file.AsArgument();
    args.offset = (cursors_[connection]++ % blocks_) * count_;
    args.count = count_;
    args.stable = UNSTABLE;
    args.data.data_len = count_;
    args.data.data_val = payload_.data();
    uncommitted_[connection] += count_;
    return rpc_nfs3_write_async(rpc, callback, &args, private_data);
  }

  CallOutcome Complete(size_t slot, void* reply) override {
    if (slot_is_commit_[slot]) {
      const auto* res = static_cast<COMMIT3res*>(reply);
      return CallOutcome{.call_kind = 1, .ok = res->status == NFS3_OK};
    }
    const auto* res = static_cast<WRITE3res*>(reply);
    if (res->status != NFS3_OK) return CallOutcome{};
    const uint32_t written = res->WRITE3res_u.resok.count;
    return CallOutcome{.call_kind = 0, .ok = written == count_, .bytes = written, .units = 1};
  }

  int Finish(NfsSession& session, std::string* error) override {
    // The data only counts once it is stable: one COMMIT per file, inside the timed interval.
    int calls = 0;
    for (size_t c = 0; c < connections_ && c < files_.size(); ++c) {
      if (!session.Commit(c, files_[c], error)) return -1;
      ++calls;
      uncommitted_[c] = 0;
    }
    return calls;
  }

 private:
  std::vector<FileHandle> files_;
  uint32_t count_;
  uint64_t blocks_;
  uint64_t commit_every_;
  std::vector<char> payload_;
  size_t connections_ = 1;
  std::vector<uint64_t> cursors_;
  std::vector<uint64_t> uncommitted_;
  std::vector<bool> slot_is_commit_;
};

}  // namespace

std::unique_ptr<Workload> MakeReadWorkload(FileHandle file, uint64_t file_size, uint32_t count,
                                           bool random_offsets) {
  return std::make_unique<ReadWorkload>(file, file_size, count, random_offsets);
}

std::unique_ptr<Workload> MakeWriteWorkload(std::vector<FileHandle> files, uint32_t count,
                                            uint64_t region, uint64_t commit_every) {
  return std::make_unique<WriteWorkload>(std::move(files), count, region, commit_every);
}

}  // namespace loopfs::bench
