// Concurrent writers and readers on one encrypted file, each thread with its own NFS client.
// A write re-seals whole 4096-byte blocks, so writers whose ranges share a block must not
// lose each other's bytes, and a reader must never see a half-sealed block (EIO) or bytes
// nobody wrote.
#include <atomic>
#include <random>
#include <set>
#include <thread>

#include "tests/integration/encrypt_vault_fixture.h"
#include "tests/support/nfs3_constants.h"

namespace loopfs::testing::encrypt_it {
namespace {

constexpr size_t kFileSize = 20 * 3001 + 7;  // chunk boundaries never on a block boundary
constexpr int kWriters = 4;
constexpr int kReaders = 2;
constexpr int kRounds = 16;
constexpr unsigned kBaseRound = 255;     // the file's initial content
constexpr unsigned kOverlapRound = 100;  // phase 2: kOverlapRound + writer

// The byte written at position p in round r: distinct for every round at every position,
// so a read tells exactly which writes its bytes came from.
uint8_t Val(uint64_t p, unsigned r) {
  return static_cast<uint8_t>(((p * 131) ^ (p >> 8)) ^ (r * 37 + 11));
}
Bytes Vals(uint64_t off, size_t len, unsigned r) {
  Bytes b(len);
  for (size_t i = 0; i < len; i++) b[i] = Val(off + i, r);
  return b;
}

struct Range {
  uint64_t off;
  size_t len;
};

// Chunk k of the disjoint phase: [k*3001+7, (k+1)*3001+7), the first also covering 0..7.
Range Chunk(int k) {
  const uint64_t start = k == 0 ? 0 : uint64_t(k) * 3001 + 7;
  return {start, size_t(uint64_t(k + 1) * 3001 + 7 - start)};
}

class EncryptConcurrencyTest : public VaultTest {};

TEST_F(EncryptConcurrencyTest, ParallelWritersAndReaders) {
  InitVault();
  StartServer();
  CreateRes c = client_->Create(client_->root(), "shared", 1, {.mode = 0666});
  ASSERT_TRUE(c.ok()) << Why(c);
  const Fh fh = *c.fh;
  ASSERT_TRUE(client_->Write(fh, 0, Vals(0, kFileSize, kBaseRound), 2).ok());

  std::vector<std::unique_ptr<Nfs3Client>> clients;
  for (int i = 0; i < kWriters + kReaders; i++) {
    clients.push_back(NewClient());
    ASSERT_NE(clients.back(), nullptr);
  }

  // What each position may hold while a phase runs: `allowed(p, byte)`.
  std::atomic<bool> writers_done{false};
  std::atomic<int> read_failures{0}, bad_bytes{0}, reads{0};
  auto reader = [&](Nfs3Client* cl, unsigned seed, auto allowed) {
    std::mt19937 rng(seed);
    while (!writers_done.load()) {
      const uint64_t off = rng() % kFileSize;
      const uint32_t len = 1 + rng() % 9000;
      ReadRes r = cl->Read(fh, off, len);
      reads++;
      if (!r.ok()) {
        if (read_failures++ == 0) ADD_FAILURE() << "READ " << off << "+" << len << ": " << Why(r);
        continue;
      }
      if (r.data.size() != std::min<uint64_t>(len, kFileSize - off)) {
        if (bad_bytes++ == 0) ADD_FAILURE() << "short READ " << off << "+" << len;
      }
      for (size_t i = 0; i < r.data.size(); i++) {
        if (!allowed(off + i, r.data[i])) {
          if (bad_bytes++ == 0) {
            ADD_FAILURE() << "READ " << off << "+" << len << " returned byte "
                          << int(r.data[i]) << " at " << off + i << " that nobody wrote";
          }
          break;
        }
      }
    }
  };

  // Phase 1: disjoint ranges, chunk k owned by writer k % kWriters; neighbouring chunks
  // share blocks.  Every round all writers rewrite their chunks at once, then the whole file
  // must be that round's bytes: no write lost to another's re-sealing of a shared block.
  auto phase1_allowed = [](uint64_t p, uint8_t b) {
    if (b == Val(p, kBaseRound)) return true;
    for (unsigned r = 0; r < kRounds; r++) {
      if (b == Val(p, r)) return true;
    }
    return false;
  };
  Bytes phase1;
  {
    std::vector<std::thread> readers;
    for (int i = 0; i < kReaders; i++) {
      readers.emplace_back(reader, clients[kWriters + i].get(), 17u + i, phase1_allowed);
    }
    int lossy_rounds = 0;
    for (unsigned round = 0; round < kRounds; round++) {
      std::vector<std::thread> threads;
      for (int w = 0; w < kWriters; w++) {
        threads.emplace_back([&, w] {
          for (int k = w; k < 20; k += kWriters) {
            Range range = Chunk(k);
            WriteRes wr = clients[w]->Write(fh, range.off, Vals(range.off, range.len, round),
                                            (round + k) % 2 == 0 ? 0 : 2);
            EXPECT_TRUE(wr.ok() && wr.count == range.len) << "WRITE " << Why(wr);
          }
        });
      }
      for (auto& t : threads) t.join();
      // The serial model: every chunk holds this round's bytes.
      phase1 = Vals(0, kFileSize, round);
      ReadRes all = client_->Read(fh, 0, 1 << 20);
      ASSERT_TRUE(all.ok()) << Why(all);
      ASSERT_EQ(all.data.size(), kFileSize);
      size_t diffs = 0;
      for (size_t p = 0; p < kFileSize; p++) diffs += all.data[p] != phase1[p];
      if (diffs != 0 && lossy_rounds++ == 0) {
        ADD_FAILURE() << diffs << " bytes lost by concurrent writes to shared blocks in round "
                      << round;
      }
    }
    EXPECT_EQ(lossy_rounds, 0);
    writers_done = true;
    for (auto& t : readers) t.join();
  }

  // Phase 2: overlapping random ranges; a byte ends as one of its writers' values, the only
  // writer's if there was one, and its phase-1 value if there was none.
  std::vector<std::vector<Range>> plans(kWriters);
  std::vector<std::vector<int>> writers_of(kFileSize);
  std::mt19937 plan_rng(4242);
  for (int w = 0; w < kWriters; w++) {
    for (int i = 0; i < 15; i++) {
      const uint64_t off = plan_rng() % kFileSize;
      const size_t len = std::min<uint64_t>(1 + plan_rng() % 7000, kFileSize - off);
      plans[w].push_back({off, len});
      for (size_t p = off; p < off + len; p++) {
        if (writers_of[p].empty() || writers_of[p].back() != w) writers_of[p].push_back(w);
      }
    }
  }
  auto phase2_allowed = [&](uint64_t p, uint8_t b) {
    if (b == phase1[p]) return true;
    for (int w : writers_of[p]) {
      if (b == Val(p, kOverlapRound + w)) return true;
    }
    return false;
  };
  writers_done = false;
  {
    std::vector<std::thread> threads;
    for (int w = 0; w < kWriters; w++) {
      threads.emplace_back([&, w] {
        for (const Range& range : plans[w]) {
          WriteRes wr =
              clients[w]->Write(fh, range.off, Vals(range.off, range.len, kOverlapRound + w), 0);
          EXPECT_TRUE(wr.ok() && wr.count == range.len) << "WRITE " << Why(wr);
        }
      });
    }
    std::vector<std::thread> readers;
    for (int i = 0; i < kReaders; i++) {
      readers.emplace_back(reader, clients[kWriters + i].get(), 31u + i, phase2_allowed);
    }
    for (auto& t : threads) t.join();
    writers_done = true;
    for (auto& t : readers) t.join();
  }
  ReadRes all = client_->Read(fh, 0, 1 << 20);
  ASSERT_TRUE(all.ok()) << Why(all);
  ASSERT_EQ(all.data.size(), kFileSize);
  size_t wrong = 0, single_wrong = 0;
  for (size_t p = 0; p < kFileSize; p++) {
    if (writers_of[p].empty()) {
      single_wrong += all.data[p] != phase1[p];
    } else if (writers_of[p].size() == 1) {
      single_wrong += all.data[p] != Val(p, kOverlapRound + writers_of[p][0]);
    } else {
      wrong += !phase2_allowed(p, all.data[p]) || all.data[p] == phase1[p];
    }
  }
  EXPECT_EQ(single_wrong, 0u) << "bytes with one (or no) writer that are not its";
  EXPECT_EQ(wrong, 0u) << "bytes with several writers that are none of theirs";
  EXPECT_EQ(read_failures.load(), 0);
  EXPECT_EQ(bad_bytes.load(), 0);
  EXPECT_GT(reads.load(), 10);
  const std::string final_content = ToString(all.data);
  clients.clear();
  StopServer();

  // The real gocryptfs reads the same bytes.
  Mount();
  EXPECT_TRUE(loopfs::encrypt::testing::ReadFileBytes(mnt_ + "/shared") == final_content);
  Unmount();
}

// Writes of whole aligned blocks (what a client's write-back sends) run side by side under
// the file's shared lock; readers that meet a block being written must look again rather
// than report damage.  Each round every writer rewrites its own blocks, then overlapping
// runs: a block must always be one writer's whole block, never a mix, never EIO.
TEST_F(EncryptConcurrencyTest, WholeBlockWritersAndReaders) {
  constexpr size_t kBlocks = 24;
  constexpr size_t kSize = kBlocks * 4096;
  constexpr unsigned kBlockRounds = 12;
  InitVault();
  StartServer();
  CreateRes c = client_->Create(client_->root(), "aligned", 1, {.mode = 0666});
  ASSERT_TRUE(c.ok()) << Why(c);
  const Fh fh = *c.fh;
  ASSERT_TRUE(client_->Write(fh, 0, Vals(0, kSize, kBaseRound), 2).ok());
  std::vector<std::unique_ptr<Nfs3Client>> clients;
  for (int i = 0; i < kWriters + kReaders; i++) {
    clients.push_back(NewClient());
    ASSERT_NE(clients.back(), nullptr);
  }
  // Round r < kBlockRounds: the disjoint stage; kOverlapRound + w: writer w's overlapping runs.
  auto allowed = [](uint64_t p, uint8_t b) {
    if (b == Val(p, kBaseRound)) return true;
    for (unsigned r = 0; r < kBlockRounds; r++) {
      if (b == Val(p, r)) return true;
    }
    for (int w = 0; w < kWriters; w++) {
      if (b == Val(p, kOverlapRound + w)) return true;
    }
    return false;
  };
  std::atomic<bool> done{false};
  std::atomic<int> failures{0}, reads{0};
  auto reader = [&](Nfs3Client* cl, unsigned seed) {
    std::mt19937 rng(seed);
    while (!done.load()) {
      const uint64_t off = rng() % kSize;
      const uint32_t len = 1 + rng() % 12000;
      ReadRes r = cl->Read(fh, off, len);
      reads++;
      if (!r.ok()) {
        if (failures++ == 0) ADD_FAILURE() << "READ " << off << "+" << len << ": " << Why(r);
        continue;
      }
      for (size_t i = 0; i < r.data.size(); i++) {
        if (!allowed(off + i, r.data[i])) {
          if (failures++ == 0) {
            ADD_FAILURE() << "READ " << off << "+" << len << ": byte at " << off + i
                          << " was never written";
          }
          break;
        }
      }
    }
  };
  std::vector<std::thread> readers;
  for (int i = 0; i < kReaders; i++) readers.emplace_back(reader, clients[kWriters + i].get(), 7u + i);

  int lossy_rounds = 0;
  for (unsigned round = 0; round < kBlockRounds; round++) {
    std::vector<std::thread> writers;
    for (int w = 0; w < kWriters; w++) {
      writers.emplace_back([&, w] {
        // Writer w owns blocks w, w + kWriters, ...; written one or two at a time.
        for (size_t b = w; b < kBlocks; b += kWriters) {
          WriteRes wr = clients[w]->Write(fh, b * 4096, Vals(b * 4096, 4096, round),
                                          (round + b) % 2 == 0 ? 0 : 2);
          EXPECT_TRUE(wr.ok() && wr.count == 4096) << "WRITE " << Why(wr);
        }
      });
    }
    for (auto& t : writers) t.join();
    ReadRes all = client_->Read(fh, 0, kSize + 10);
    ASSERT_TRUE(all.ok()) << Why(all);
    if (all.data != Vals(0, kSize, round) && lossy_rounds++ == 0) {
      ADD_FAILURE() << "round " << round << ": the file is not every block's last write";
    }
  }
  EXPECT_EQ(lossy_rounds, 0);

  // Overlapping runs of 1..3 whole blocks.
  std::vector<std::vector<Range>> plans(kWriters);
  std::vector<std::set<int>> writers_of(kBlocks);
  std::mt19937 plan_rng(99);
  for (int w = 0; w < kWriters; w++) {
    for (int i = 0; i < 12; i++) {
      const size_t first = plan_rng() % kBlocks;
      const size_t count = std::min<size_t>(1 + plan_rng() % 3, kBlocks - first);
      plans[w].push_back({first * 4096, count * 4096});
      for (size_t b = first; b < first + count; b++) writers_of[b].insert(w);
    }
  }
  {
    std::vector<std::thread> writers;
    for (int w = 0; w < kWriters; w++) {
      writers.emplace_back([&, w] {
        for (const Range& r : plans[w]) {
          WriteRes wr = clients[w]->Write(fh, r.off, Vals(r.off, r.len, kOverlapRound + w), 0);
          EXPECT_TRUE(wr.ok() && wr.count == r.len) << "WRITE " << Why(wr);
        }
      });
    }
    for (auto& t : writers) t.join();
  }
  done = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(reads.load(), 10);

  ReadRes all = client_->Read(fh, 0, kSize + 10);
  ASSERT_TRUE(all.ok()) << Why(all);
  ASSERT_EQ(all.data.size(), kSize);
  const Bytes last_round = Vals(0, kSize, kBlockRounds - 1);
  for (size_t b = 0; b < kBlocks; b++) {
    const Bytes got(all.data.begin() + b * 4096, all.data.begin() + (b + 1) * 4096);
    if (writers_of[b].empty()) {
      EXPECT_TRUE(got == Bytes(last_round.begin() + b * 4096, last_round.begin() + (b + 1) * 4096))
          << "block " << b << " had no writer";
      continue;
    }
    bool whole = false;
    for (int w : writers_of[b]) whole |= got == Vals(b * 4096, 4096, kOverlapRound + w);
    EXPECT_TRUE(whole) << "block " << b << " is not one writer's whole block";
  }
  const std::string final_content = ToString(all.data);
  clients.clear();
  StopServer();
  Mount();
  EXPECT_TRUE(loopfs::encrypt::testing::ReadFileBytes(mnt_ + "/aligned") == final_content);
  Unmount();
}

}  // namespace
}  // namespace loopfs::testing::encrypt_it
