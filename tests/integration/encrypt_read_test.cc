// gocryptfs -> loopfs: a tree written through a real gocryptfs mount, then served by loopfsd's
// encrypt layer and read whole through NFSv3; and the round trip back, where loopfs's changes
// must leave every untouched ciphertext byte as gocryptfs wrote it.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <set>

#include "layers/encrypt/core/name_codec.h"
#include "tests/integration/encrypt_vault_fixture.h"
#include "tests/support/nfs3_constants.h"

namespace loopfs::testing::encrypt_it {
namespace {

using loopfs::encrypt::testing::ReadFileBytes;
using loopfs::encrypt::testing::WriteFileBytes;

Node File(std::string data) { return Node{Node::Kind::kFile, std::move(data)}; }
Node Dir() { return Node{Node::Kind::kDir, ""}; }
Node Link(std::string target) { return Node{Node::Kind::kSymlink, std::move(target)}; }

// Names of every length 1..255 in "lengths/", the 175/176 boundary where a stored name takes
// the long form, sizes around the 4096-byte block, nested directories and symlinks.
PlainTree SampleTree() {
  PlainTree tree;
  unsigned seed = 1;
  for (size_t size : {size_t{0}, size_t{1}, size_t{4095}, size_t{4096}, size_t{4097},
                      size_t{5000}, (size_t{1} << 20) + 1}) {
    tree["size-" + std::to_string(size)] = File(Pattern(size, seed++));
  }
  tree[std::string(175, 's')] = File("longest name that stays short on disk");
  tree[std::string(176, 'l')] = File("shortest name that takes the long form");
  tree[std::string(255, 'n')] = File(Pattern(9000, seed++));
  tree["Grüße, 日本語 🙂"] = File("unicode name");
  tree["dir"] = Dir();
  tree["dir/sub"] = Dir();
  tree["dir/sub/deeper"] = Dir();
  tree["dir/sub/deeper/" + std::string(200, 'd')] = File(Pattern(12289, seed++));
  tree["dir/sub/" + std::string(176, 'D')] = Dir();
  tree["dir/sub/" + std::string(176, 'D') + "/inside"] = File("in a long-named directory");
  tree["dir/file"] = File("nested");
  tree["empty-dir"] = Dir();
  tree["lengths"] = Dir();
  for (size_t len = 1; len <= 255; len++) {
    std::string name(len, 'a');
    for (size_t i = 0; i < len; i++) name[i] = static_cast<char>('a' + (i + len) % 26);
    tree["lengths/" + name] = File(std::to_string(len));
  }
  tree["fifo"] = Node{Node::Kind::kFifo, ""};
  tree["dir/" + std::string(180, 'f')] = Node{Node::Kind::kFifo, ""};
  tree["link"] = Link("size-1");
  tree["dir/link-up"] = Link("../size-4097");
  tree["dangling"] = Link("/nowhere/" + std::string(300, 't'));
  tree["long-target"] = Link(std::string(2000, 'x') + "/end");
  return tree;
}

void WriteLocalTree(const std::string& root, const PlainTree& tree) {
  for (const auto& [path, node] : tree) {
    const std::string full = root + "/" + path;
    switch (node.kind) {
      case Node::Kind::kDir:
        ASSERT_EQ(mkdir(full.c_str(), 0755), 0) << full;
        break;
      case Node::Kind::kSymlink:
        ASSERT_EQ(symlink(node.data.c_str(), full.c_str()), 0) << full;
        break;
      case Node::Kind::kFifo:
        ASSERT_EQ(mkfifo(full.c_str(), 0644), 0) << full;
        break;
      case Node::Kind::kFile:
        WriteFileBytes(full, node.data);
        break;
    }
  }
}

// The on-disk paths (relative to the vault root) of the root entry `name`: its stored name
// and, for a long name, the .name side file.
std::vector<std::string> RootDiskNames(const loopfs::encrypt::VaultKeys& keys,
                                       const std::string& cipher, const std::string& name) {
  const std::string iv = ReadFileBytes(cipher + "/gocryptfs.diriv");
  std::string long_content;
  const std::string disk = loopfs::encrypt::testing::StoredName(
      keys, reinterpret_cast<const uint8_t*>(iv.data()), name, &long_content);
  std::vector<std::string> out = {disk};
  if (!long_content.empty()) out.push_back(disk + LFENC_LONGNAME_SUFFIX);
  return out;
}

class EncryptReadTest : public VaultTest {};

TEST_F(EncryptReadTest, LoopfsServesWhatGocryptfsWrote) {
  InitVault();
  Mount();
  PlainTree tree = SampleTree();
  WriteLocalTree(mnt_, tree);
  // Hard links, one of them long-named in another directory.
  const std::string long_link = "dir/" + std::string(230, 'h');
  ASSERT_EQ(link((mnt_ + "/size-5000").c_str(), (mnt_ + "/hard").c_str()), 0);
  ASSERT_EQ(link((mnt_ + "/size-5000").c_str(), (mnt_ + "/" + long_link).c_str()), 0);
  tree["hard"] = tree["size-5000"];
  tree[long_link] = tree["size-5000"];
  // A sparse file: gocryptfs leaves its holes as all-zero ciphertext blocks.
  {
    std::string sparse(5 * 4096 + 100 + 21, '\0');
    sparse.replace(0, 4, "head");
    sparse.replace(5 * 4096 + 100, 21, "tail of a sparse file");
    WriteFileBytes(mnt_ + "/sparse", "head");
    ASSERT_EQ(truncate((mnt_ + "/sparse").c_str(), 5 * 4096 + 100), 0);
    FILE* f = fopen((mnt_ + "/sparse").c_str(), "r+");
    ASSERT_NE(f, nullptr);
    ASSERT_EQ(fseek(f, 5 * 4096 + 100, SEEK_SET), 0);
    ASSERT_EQ(fwrite("tail of a sparse file", 1, 21, f), 21u);
    fclose(f);
    tree["sparse"] = File(sparse);
  }
  EXPECT_EQ(DiffTrees(tree, ReadLocalTree(mnt_)), "") << "gocryptfs itself";
  Unmount();

  {
    // The boundary really is where the names say: 175 bytes stored short, 176 long.
    const loopfs::encrypt::VaultKeys keys = Keys();
    EXPECT_EQ(RootDiskNames(keys, cipher_, std::string(175, 's')).size(), 1u);
    EXPECT_EQ(RootDiskNames(keys, cipher_, std::string(176, 'l')).size(), 2u);
  }
  StartServer();
  const PlainTree seen = ReadNfsTree(*client_, client_->root());
  EXPECT_EQ(DiffTrees(tree, seen), "");
  EXPECT_GT(seen.size(), 280u);

  // Hard links: one object, nlink 3, whichever name it is reached by.
  LookupRes a = client_->LookupPath("size-5000");
  LookupRes b = client_->LookupPath("hard");
  LookupRes c = client_->LookupPath(long_link);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok()) << Why(a) << Why(b) << Why(c);
  GetAttrRes ga = client_->GetAttr(a.fh);
  GetAttrRes gc = client_->GetAttr(c.fh);
  ASSERT_TRUE(ga.ok() && gc.ok());
  EXPECT_EQ(ga.attr.nlink, 3u);
  EXPECT_EQ(ga.attr.fileid, gc.attr.fileid);
  EXPECT_EQ(ga.attr.size, 5000u);

  // Reads that start and end at awkward places: inside a block, on a boundary, across
  // several blocks, past the end.
  const std::string& big = tree["size-" + std::to_string((1 << 20) + 1)].data;
  const Fh big_fh = Path("size-" + std::to_string((1 << 20) + 1));
  struct Piece {
    uint64_t off;
    uint32_t count;
  };
  for (Piece p : {Piece{0, 1}, Piece{4095, 2}, Piece{4096, 4096}, Piece{4097, 8191},
                  Piece{12287, 3}, Piece{100000, 65535}, Piece{(1 << 20) - 5, 100},
                  Piece{1 << 20, 1}, Piece{(1 << 20) + 1, 10}, Piece{(1 << 20) + 500, 10}}) {
    ReadRes r = client_->Read(big_fh, p.off, p.count);
    ASSERT_TRUE(r.ok()) << p.off << "+" << p.count << ": " << Why(r);
    const std::string want =
        p.off >= big.size() ? std::string() : big.substr(p.off, p.count);
    EXPECT_EQ(ToString(r.data), want) << p.off << "+" << p.count;
    EXPECT_EQ(r.eof, p.off + p.count >= big.size()) << p.off << "+" << p.count;
  }
  // The vault's bookkeeping is invisible: no diriv, no conf, no .name files.
  EXPECT_EQ(client_->Lookup(client_->root(), "gocryptfs.diriv").status,
            static_cast<uint32_t>(NFS3ERR_NOENT));
  EXPECT_EQ(client_->Lookup(client_->root(), "gocryptfs.conf").status,
            static_cast<uint32_t>(NFS3ERR_NOENT));
  StopServer();
}

// Every ciphertext file (and symlink target) below dir, by relative path.  (lstat by hand:
// std::filesystem's iterator stats symlinks, whose ciphertext targets are too long to follow.)
void CipherSnapshotOf(const std::string& dir, const std::string& prefix,
                      std::map<std::string, std::string>* snap) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    names.push_back(e.path().filename().string());
  }
  for (const std::string& name : names) {
    const std::string path = dir + "/" + name;
    struct stat st;
    ASSERT_EQ(lstat(path.c_str(), &st), 0) << path;
    if (S_ISLNK(st.st_mode)) {
      std::string target(8192, '\0');
      const ssize_t n = readlink(path.c_str(), target.data(), target.size());
      ASSERT_GE(n, 0) << path;
      target.resize(static_cast<size_t>(n));
      (*snap)[prefix + name] = "symlink:" + target;
    } else if (S_ISFIFO(st.st_mode)) {
      (*snap)[prefix + name] = "fifo";
    } else if (S_ISDIR(st.st_mode)) {
      (*snap)[prefix + name] = "directory";
      CipherSnapshotOf(path, prefix + name + "/", snap);
    } else {
      (*snap)[prefix + name] = ReadFileBytes(path);
    }
  }
}

std::map<std::string, std::string> CipherSnapshot(const std::string& dir) {
  std::map<std::string, std::string> snap;
  CipherSnapshotOf(dir, "", &snap);
  return snap;
}

TEST_F(EncryptReadTest, RoundTripLeavesUntouchedCiphertextAlone) {
  InitVault();
  Mount();
  PlainTree tree = SampleTree();
  WriteLocalTree(mnt_, tree);
  Unmount();
  const auto before = CipherSnapshot(cipher_);

  StartServer();
  // Changes, all to entries of the root so their disk names are easy to compute.
  const std::string long_name = std::string(176, 'l');
  const Fh root = client_->root();
  const std::string big_name = "size-" + std::to_string((1 << 20) + 1);
  ASSERT_TRUE(client_->Write(Path(big_name), 100 * 4096 + 10, ToBytes("in block 100"), 0).ok());
  tree[big_name].data.replace(100 * 4096 + 10, 12, "in block 100");
  const Fh f = Path("size-4097");
  ASSERT_TRUE(client_->Write(f, 4000, ToBytes("patched across a block boundary"), 2).ok());
  tree["size-4097"].data.replace(4000, 31, "patched across a block boundary");
  RenameRes rn = client_->Rename(root, long_name, root, "renamed-from-long");
  ASSERT_TRUE(rn.ok()) << Why(rn);
  tree["renamed-from-long"] = tree[long_name];
  tree.erase(long_name);
  ASSERT_TRUE(client_->Remove(root, "size-1").ok());
  tree.erase("size-1");
  CreateRes cr = client_->Create(root, "new-" + std::string(200, 'n'), 1, {.mode = 0644});
  ASSERT_TRUE(cr.ok()) << Why(cr);
  ASSERT_TRUE(client_->Write(*cr.fh, 0, ToBytes("fresh"), 2).ok());
  tree["new-" + std::string(200, 'n')] = File("fresh");
  ASSERT_TRUE(client_->MkDir(root, "new-dir", {.mode = 0755}).ok());
  tree["new-dir"] = Dir();
  // Reads and listings alone change nothing.
  EXPECT_EQ(DiffTrees(tree, ReadNfsTree(*client_, root)), "");
  StopServer();

  const auto after = CipherSnapshot(cipher_);
  const loopfs::encrypt::VaultKeys keys = Keys();
  std::set<std::string> touched;
  for (const std::string& name :
       {std::string("size-4097"), big_name, long_name, std::string("size-1"), std::string("renamed-from-long"),
        "new-" + std::string(200, 'n'), std::string("new-dir")}) {
    for (const std::string& disk : RootDiskNames(keys, cipher_, name)) touched.insert(disk);
  }
  size_t compared = 0;
  for (const auto& [path, bytes] : before) {
    const std::string top = path.substr(0, path.find('/'));
    if (touched.count(top) != 0) continue;
    auto it = after.find(path);
    ASSERT_NE(it, after.end()) << "loopfs removed untouched " << path;
    EXPECT_TRUE(it->second == bytes) << "loopfs changed untouched " << path;
    compared++;
  }
  EXPECT_GT(compared, 250u);
  for (const auto& [path, bytes] : after) {
    const std::string top = path.substr(0, path.find('/'));
    if (before.count(path) == 0) {
      EXPECT_TRUE(touched.count(top) != 0) << "unexpected new ciphertext file " << path;
    }
  }
  // The changed entry kept its file id: only the two patched blocks differ.
  const std::string f_disk = RootDiskNames(keys, cipher_, "size-4097")[0];
  const std::string& old_c = before.at(f_disk);
  const std::string& new_c = after.at(f_disk);
  ASSERT_EQ(old_c.size(), new_c.size());
  EXPECT_EQ(old_c.substr(0, 18), new_c.substr(0, 18)) << "header rewritten";
  // In the big file, exactly the one patched block changed.
  const std::string big_disk = RootDiskNames(keys, cipher_, big_name)[0];
  const std::string& old_big = before.at(big_disk);
  const std::string& new_big = after.at(big_disk);
  ASSERT_EQ(old_big.size(), new_big.size());
  std::vector<size_t> changed;
  for (size_t b = 0; 18 + b * 4128 < old_big.size(); b++) {
    if (old_big.compare(18 + b * 4128, 4128, new_big, 18 + b * 4128, 4128) != 0) {
      changed.push_back(b);
    }
  }
  EXPECT_EQ(changed, std::vector<size_t>{100});
  EXPECT_EQ(old_big.substr(0, 18), new_big.substr(0, 18));

  // And gocryptfs reads the result.
  Mount();
  EXPECT_EQ(DiffTrees(tree, ReadLocalTree(mnt_)), "");
  Unmount();
  std::string out;
  EXPECT_EQ(Fsck(&out), 0) << out;
}

}  // namespace
}  // namespace loopfs::testing::encrypt_it
