// loopfs -> gocryptfs: every kind of change made through NFSv3 on loopfsd's encrypt layer,
// mirrored in an in-memory model, then checked against what the real gocryptfs shows of the
// vault (and `gocryptfs -fsck`).
#include <sys/stat.h>
#include <unistd.h>

#include <random>

#include "tests/integration/encrypt_vault_fixture.h"
#include "tests/support/nfs3_constants.h"

namespace loopfs::testing::encrypt_it {
namespace {

constexpr uint32_t kUnchecked = 0;
constexpr uint32_t kGuarded = 1;

class EncryptWriteTest : public VaultTest {
 protected:
  // Writes through NFS and into the model; FILE_SYNC or UNSTABLE alternately.
  void Write(const std::string& path, uint64_t off, const std::string& data) {
    const Fh fh = Path(path);
    const uint64_t size_before = model_[path].data.size();
    WriteRes w = client_->Write(fh, off, ToBytes(data), (writes_++ % 2) == 0 ? 2 : 0);
    ASSERT_TRUE(w.ok()) << "WRITE " << path << " at " << off << ": " << Why(w);
    ASSERT_EQ(w.count, data.size());
    std::string& model = model_[path].data;
    if (model.size() < off + data.size()) model.resize(off + data.size(), '\0');
    model.replace(off, data.size(), data);
    ASSERT_TRUE(w.wcc.after.has_value());
    EXPECT_EQ(w.wcc.after->size, model.size()) << "WRITE's post-op size of " << path;
    EXPECT_EQ(w.wcc.before_size, size_before) << "WRITE's pre-op size of " << path;
    CheckFile(path);
  }

  void Truncate(const std::string& path, uint64_t size) {
    SetAttrRes s = client_->SetAttr(Path(path), {.size = size});
    ASSERT_TRUE(s.ok()) << "SETATTR size " << size << " of " << path << ": " << Why(s);
    EXPECT_EQ(s.wcc.before_size, model_[path].data.size()) << "SETATTR's pre-op size";
    model_[path].data.resize(size, '\0');
    ASSERT_TRUE(s.wcc.after.has_value());
    EXPECT_EQ(s.wcc.after->size, size);
    CheckFile(path);
  }

  void Create(const std::string& dir, const std::string& name) {
    CreateRes c = client_->Create(dir.empty() ? client_->root() : Path(dir), name, kGuarded,
                                  {.mode = 0644});
    ASSERT_TRUE(c.ok()) << "CREATE " << dir << "/" << name << ": " << Why(c);
    ASSERT_TRUE(c.attr.has_value());
    EXPECT_EQ(c.attr->size, 0u);
    model_[Join(dir, name)] = Node{};
  }

  void Rename(const std::string& from, const std::string& to) {
    RenameRes r = client_->Rename(Path(DirOf(from)), BaseOf(from), Path(DirOf(to)), BaseOf(to));
    ASSERT_TRUE(r.ok()) << "RENAME " << from << " -> " << to << ": " << Why(r);
    // Moves the entry and, for a directory, everything below it.
    PlainTree moved;
    for (auto it = model_.begin(); it != model_.end();) {
      if (it->first == from || it->first.starts_with(from + "/")) {
        moved[to + it->first.substr(from.size())] = it->second;
        it = model_.erase(it);
      } else {
        ++it;
      }
    }
    for (auto& [p, n] : moved) model_[p] = n;
    EXPECT_EQ(client_->LookupPath(from).status, static_cast<uint32_t>(NFS3ERR_NOENT)) << from;
  }

  // Both names of a hard link share data: the model copies it on every write to either.
  void CheckFile(const std::string& path) {
    LookupRes lr = client_->LookupPath(path);
    ASSERT_TRUE(lr.ok()) << path << ": " << Why(lr);
    GetAttrRes g = client_->GetAttr(lr.fh);
    ASSERT_TRUE(g.ok());
    const std::string& want = model_[path].data;
    EXPECT_EQ(g.attr.size, want.size()) << "size of " << path;
    EXPECT_TRUE(ReadNfsFile(*client_, lr.fh, g.attr.size, 7001) == want) << "content of " << path;
  }

  static std::string Join(const std::string& dir, const std::string& name) {
    return dir.empty() ? name : dir + "/" + name;
  }
  static std::string DirOf(const std::string& path) {
    const size_t slash = path.rfind('/');
    return slash == std::string::npos ? "" : path.substr(0, slash);
  }
  static std::string BaseOf(const std::string& path) {
    const size_t slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
  }
  Fh PathOrRoot(const std::string& path) { return path.empty() ? client_->root() : Path(path); }

  PlainTree model_;
  unsigned writes_ = 0;
};

TEST_F(EncryptWriteTest, GocryptfsReadsWhatLoopfsWrote) {
  InitVault();
  StartServer();
  const Fh root = client_->root();
  const std::string long_a = std::string(200, 'A');
  const std::string long_b = "b-" + std::string(250, 'B');

  // Directories, one long-named, one read-only (mode 0555 still gets its IV).
  for (const std::string& d : {std::string("d1"), std::string("d2"), long_a}) {
    CreateRes m = client_->MkDir(root, d, {.mode = 0755});
    ASSERT_TRUE(m.ok()) << "MKDIR " << d << ": " << Why(m);
    model_[d] = Node{Node::Kind::kDir, ""};
  }
  CreateRes ro = client_->MkDir(root, "readonly", {.mode = 0555});
  ASSERT_TRUE(ro.ok()) << Why(ro);
  ASSERT_TRUE(ro.attr.has_value());
  EXPECT_EQ(ro.attr->mode & 07777, 0555u);
  model_["readonly"] = Node{Node::Kind::kDir, ""};
  CreateRes nested = client_->MkDir(Path("d1"), "nested", {.mode = 0755});
  ASSERT_TRUE(nested.ok()) << Why(nested);
  model_["d1/nested"] = Node{Node::Kind::kDir, ""};

  // Random writes: partial blocks, across blocks, far past EOF (holes), overwrites.
  std::mt19937 rng(20261121);
  Create("", "random");
  Create("d1", "r2");
  Create(long_a, long_b);
  for (int i = 0; i < 60; i++) {
    const std::string path = i % 3 == 0 ? "random" : i % 3 == 1 ? "d1/r2" : long_a + "/" + long_b;
    uint64_t off = rng() % 40000;
    size_t len = 1 + rng() % 9000;
    if (i % 10 == 7) off = 200000 + rng() % 100000;  // sparse: leaves a hole behind
    if (i % 10 == 3) len = 4096, off = 4096 * (rng() % 8);  // exactly one aligned block
    Write(path, off, Pattern(len, 1000 + static_cast<unsigned>(i)));
    if (HasFatalFailure()) return;
  }
  // Truncation down and up, mid-block and on boundaries, and to 0.
  for (uint64_t size : {uint64_t{250000}, uint64_t{12289}, uint64_t{8192}, uint64_t{100000},
                        uint64_t{4095}, uint64_t{4096}, uint64_t{4097}, uint64_t{1}, uint64_t{0},
                        uint64_t{9000}}) {
    Truncate("random", size);
    if (HasFatalFailure()) return;
  }
  Write("random", 5000, "after truncation");
  // Truncating a file whose last block is partial, up to within the same block.
  Create("", "grow");
  Write("grow", 0, Pattern(100, 3));
  Truncate("grow", 3000);
  Write("grow", 2000, "x");

  // Renames: within a directory, across directories, long <-> short, over an existing file.
  Create("", "short");
  Write("short", 0, "short-named content");
  Rename("short", "d1/" + std::string(220, 'L'));
  Rename("d1/" + std::string(220, 'L'), "d2/back-to-short");
  Rename("d2/back-to-short", long_a + "/" + std::string(180, 'M'));
  Create("d2", "victim");
  Write("d2/victim", 0, Pattern(5000, 77));
  Rename("d1/r2", "d2/victim");  // replaces it
  Create("", std::string(190, 'V'));
  Write(std::string(190, 'V'), 0, "long-named victim");
  Rename("random", std::string(190, 'V'));  // long-named target replaced
  Rename("d1/nested", "d2/nested-moved");   // a directory across directories
  // A directory over an empty one (which holds its IV below: empty only in plaintext), short
  // and long-named; over a non-empty one it is refused.
  for (const std::string& target : {std::string("empty-target"), std::string(210, 'T')}) {
    CreateRes m = client_->MkDir(Path("d2"), target, {.mode = 0755});
    ASSERT_TRUE(m.ok()) << Why(m);
    CreateRes src = client_->MkDir(root, "src-" + target.substr(0, 3), {.mode = 0755});
    ASSERT_TRUE(src.ok()) << Why(src);
    model_["src-" + target.substr(0, 3)] = Node{Node::Kind::kDir, ""};
    Create("src-" + target.substr(0, 3), "inside");
    Rename("src-" + target.substr(0, 3), "d2/" + target);
    if (HasFatalFailure()) return;
  }
  EXPECT_EQ(client_->Rename(root, "d1", root, "d2").status,
            static_cast<uint32_t>(NFS3ERR_NOTEMPTY));

  // Hard links: a write through one name shows through the other.
  LinkRes ln = client_->Link(Path("grow"), Path("d2"), "grow-link");
  ASSERT_TRUE(ln.ok()) << Why(ln);
  ASSERT_TRUE(ln.attr.has_value());
  EXPECT_EQ(ln.attr->nlink, 2u);
  LinkRes ln2 = client_->Link(Path("grow"), root, "grow-" + std::string(200, 'G'));
  ASSERT_TRUE(ln2.ok()) << Why(ln2);
  model_["d2/grow-link"] = model_["grow"];
  model_["grow-" + std::string(200, 'G')] = model_["grow"];
  Write("d2/grow-link", 10, "through the link");
  model_["grow"] = model_["d2/grow-link"];
  model_["grow-" + std::string(200, 'G')] = model_["d2/grow-link"];
  CheckFile("grow");
  EXPECT_EQ(client_->GetAttr(Path("grow")).attr.nlink, 3u);
  // RENAME from one name of a file onto another of the same file does nothing (POSIX): both
  // names stay, the long one with its .name side file; so does a rename onto itself.
  const std::string long_link = "grow-" + std::string(200, 'G');
  RenameRes itself = client_->Rename(root, long_link, root, long_link);
  EXPECT_TRUE(itself.ok()) << Why(itself);
  RenameRes same_file = client_->Rename(root, long_link, root, "grow");
  EXPECT_TRUE(same_file.ok()) << Why(same_file);
  EXPECT_TRUE(client_->Lookup(root, long_link).ok());
  EXPECT_TRUE(client_->Lookup(root, "grow").ok());

  // Removal, of short and long names, and rmdir of an empty directory.
  Create("", "to-remove");
  Create("", "rm-" + std::string(240, 'R'));
  ASSERT_TRUE(client_->Remove(root, "to-remove").ok());
  RemoveRes rml = client_->Remove(root, "rm-" + std::string(240, 'R'));
  ASSERT_TRUE(rml.ok()) << Why(rml);
  model_.erase("to-remove");
  model_.erase("rm-" + std::string(240, 'R'));
  ASSERT_TRUE(client_->MkDir(root, "gone-dir", {.mode = 0755}).ok());
  ASSERT_TRUE(client_->MkDir(root, "gone-" + std::string(210, 'g'), {.mode = 0755}).ok());
  RemoveRes rd = client_->RmDir(root, "gone-dir");
  EXPECT_TRUE(rd.ok()) << Why(rd);
  rd = client_->RmDir(root, "gone-" + std::string(210, 'g'));
  EXPECT_TRUE(rd.ok()) << Why(rd);
  // A directory that is not empty (of plaintext entries) stays.
  EXPECT_EQ(client_->RmDir(root, "d2").status, static_cast<uint32_t>(NFS3ERR_NOTEMPTY));

  // Symlinks, with targets up to the longest gocryptfs can store.
  for (const auto& [name, target] :
       {std::pair<std::string, std::string>{"sl", "d2/victim"},
        {"sl-" + std::string(200, 'S'), "../" + std::string(255, 'x')},
        {"sl-long-target", std::string(3000, 't')}}) {
    CreateRes s = client_->SymLink(root, name, target, {.mode = 0777});
    ASSERT_TRUE(s.ok()) << "SYMLINK " << name << ": " << Why(s);
    ASSERT_TRUE(s.fh.has_value());
    ReadLinkRes rl = client_->ReadLink(*s.fh);
    ASSERT_TRUE(rl.ok()) << Why(rl);
    EXPECT_EQ(rl.target, target);
    EXPECT_EQ(client_->GetAttr(*s.fh).attr.size, target.size()) << name;
    model_[name] = Node{Node::Kind::kSymlink, target};
  }
  // A target too long to store once encrypted (over 4095 bytes on disk) is refused
  // without leaving an entry behind; so is a 256-byte name.
  CreateRes too_long = client_->SymLink(root, "too-long", std::string(3500, 't'));
  EXPECT_FALSE(too_long.ok()) << "a 3500-byte target cannot be stored encrypted";
  EXPECT_NE(too_long.status, static_cast<uint32_t>(NFS3ERR_IO)) << Why(too_long);
  EXPECT_EQ(client_->Lookup(root, "too-long").status, static_cast<uint32_t>(NFS3ERR_NOENT));
  EXPECT_EQ(client_->Create(root, std::string(256, 'n'), kGuarded, {.mode = 0644}).status,
            static_cast<uint32_t>(NFS3ERR_NAMETOOLONG));
  // Transfers as large as FSINFO allows, at an unaligned offset.
  FsInfoRes fi = client_->FsInfo(root);
  ASSERT_TRUE(fi.ok()) << Why(fi);
  EXPECT_GT(fi.maxfilesize, uint64_t{1} << 40);
  EXPECT_LT(fi.maxfilesize, UINT64_MAX);
  Create("d1", "max-transfer");
  Write("d1/max-transfer", 4095, Pattern(fi.wtmax, 4242));
  {
    ReadRes big = client_->Read(Path("d1/max-transfer"), 1, fi.rtmax);
    ASSERT_TRUE(big.ok()) << Why(big);
    EXPECT_EQ(big.data.size(), std::min<uint64_t>(fi.rtmax, 4095 + fi.wtmax - 1));
    EXPECT_TRUE(ToString(big.data) == model_["d1/max-transfer"].data.substr(1, fi.rtmax));
  }
  // Past the largest plaintext size: FBIG, and nothing written.
  {
    const Fh mt = Path("d1/max-transfer");
    EXPECT_EQ(client_->Write(mt, fi.maxfilesize, ToBytes("x"), 2).status,
              static_cast<uint32_t>(NFS3ERR_FBIG));
    CheckFile("d1/max-transfer");
    EXPECT_EQ(client_->SetAttr(mt, {.size = fi.maxfilesize + 1}).status,
              static_cast<uint32_t>(NFS3ERR_FBIG));
    CheckFile("d1/max-transfer");
  }
  // EXCLUSIVE create of a long name, retransmitted: the same verifier succeeds again, another
  // one finds the file there.
  const std::string excl_name = "excl-" + std::string(190, 'e');
  CreateRes ex1 = client_->Create(root, excl_name, 2, {}, {9, 9, 9, 9, 1, 1, 1, 1});
  ASSERT_TRUE(ex1.ok()) << Why(ex1);
  CreateRes ex2 = client_->Create(root, excl_name, 2, {}, {9, 9, 9, 9, 1, 1, 1, 1});
  EXPECT_TRUE(ex2.ok()) << "retransmitted EXCLUSIVE create: " << Why(ex2);
  EXPECT_EQ(client_->Create(root, excl_name, 2, {}, {2, 2, 2, 2, 2, 2, 2, 2}).status,
            static_cast<uint32_t>(NFS3ERR_EXIST));
  model_[excl_name] = Node{};
  // A FIFO.
  CreateRes fifo = client_->MkNod(Path("d1"), "fifo", NF3FIFO, {.mode = 0644});
  ASSERT_TRUE(fifo.ok()) << Why(fifo);
  model_["d1/fifo"] = Node{Node::Kind::kFifo, ""};
  // UNCHECKED create of an existing file keeps it.
  CreateRes again = client_->Create(root, "grow", kUnchecked);
  EXPECT_TRUE(again.ok()) << Why(again);

  // loopfs's own view first, then the real gocryptfs's.
  EXPECT_EQ(DiffTrees(model_, ReadNfsTree(*client_, root)), "") << "through loopfs";
  // Handles outlive a restart, and names decrypt again with the IV cache empty.
  const Fh grow_fh = Path("grow");
  ASSERT_TRUE(server_->Restart()) << server_->LogTail();
  client_ = NewClient();
  ASSERT_NE(client_, nullptr);
  ReadRes after_restart = client_->Read(grow_fh, 0, 100000);
  ASSERT_TRUE(after_restart.ok()) << Why(after_restart);
  EXPECT_TRUE(ToString(after_restart.data) == model_["grow"].data);
  EXPECT_EQ(DiffTrees(model_, ReadNfsTree(*client_, client_->root())), "") << "after restart";
  StopServer();

  Mount();
  const PlainTree seen = ReadLocalTree(mnt_);
  EXPECT_EQ(DiffTrees(model_, seen), "") << "through gocryptfs";
  struct stat st;
  ASSERT_EQ(lstat((mnt_ + "/grow").c_str(), &st), 0);
  EXPECT_EQ(st.st_nlink, 3u);
  ASSERT_EQ(lstat((mnt_ + "/readonly").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0555u);
  Unmount();
  std::string out;
  EXPECT_EQ(Fsck(&out), 0) << out;
  EXPECT_EQ(CheckCipherBookkeeping(cipher_), "");
}

// Many random writes and truncations, each checked at once through loopfs, then all of it
// through gocryptfs: sizes wander across block boundaries, holes open and close.
TEST_F(EncryptWriteTest, RandomWritesAndTruncationsMatchModel) {
  InitVault();
  StartServer();
  const std::vector<std::string> files = {"f0", "f1", std::string(230, 'F')};
  for (const std::string& f : files) Create("", f);
  std::mt19937 rng(777);
  auto pick_offset = [&](uint64_t size) -> uint64_t {
    switch (rng() % 6) {
      case 0:
        return size;  // append exactly at EOF
      case 1:
        return 4096 * (rng() % 12);  // on a block boundary
      case 2:
        return 4096 * (1 + rng() % 12) - 1 + (rng() % 3);  // next to one
      case 3:
        return size + rng() % 20000;  // past EOF: a gap, maybe whole holes
      default:
        return rng() % (size + 1);
    }
  };
  for (int i = 0; i < 250; i++) {
    const std::string& path = files[rng() % files.size()];
    const uint64_t size = model_[path].data.size();
    if (rng() % 4 == 0) {
      uint64_t to = rng() % 3 == 0 ? 4096 * (rng() % 10) : rng() % (size + 12000);
      if (rng() % 10 == 0) to = 0;
      Truncate(path, to);
    } else {
      const uint64_t off = pick_offset(size);
      size_t len = 1 + rng() % 10000;
      if (rng() % 5 == 0) len = 4096 * (1 + rng() % 3) - (off % 4096);  // ends on a boundary
      Write(path, off, Pattern(len, 5000 + static_cast<unsigned>(i)));
    }
    if (HasFatalFailure()) return;
  }
  // CREATE with a size, UNCHECKED over an existing file with size 0, EXCLUSIVE.
  CreateRes sized = client_->Create(client_->root(), "sized", kGuarded, {.mode = 0644, .size = 5000});
  ASSERT_TRUE(sized.ok()) << Why(sized);
  ASSERT_TRUE(sized.attr.has_value());
  EXPECT_EQ(sized.attr->size, 5000u) << "CREATE's attributes";
  model_["sized"] = Node{Node::Kind::kFile, std::string(5000, '\0')};
  CheckFile("sized");
  CreateRes trunc = client_->Create(client_->root(), "f0", kUnchecked, {.size = 0});
  ASSERT_TRUE(trunc.ok()) << Why(trunc);
  model_["f0"].data.clear();
  CheckFile("f0");
  CreateRes excl = client_->Create(client_->root(), "exclusive", 2, {}, {1, 2, 3, 4, 5, 6, 7, 8});
  ASSERT_TRUE(excl.ok()) << Why(excl);
  model_["exclusive"] = Node{};
  Write("exclusive", 3, "after exclusive create");
  CommitRes cm = client_->Commit(Path("exclusive"));
  ASSERT_TRUE(cm.ok()) << Why(cm);
  ASSERT_TRUE(cm.wcc.after.has_value());
  EXPECT_EQ(cm.wcc.after->size, 25u) << "COMMIT's post-op size";
  if (cm.wcc.has_before) {
    EXPECT_EQ(cm.wcc.before_size, 25u) << "COMMIT's pre-op size";
  }
  // Post-op attributes of every other kind of reply carry plaintext sizes too.
  SetAttrRes chmod = client_->SetAttr(Path("exclusive"), {.mode = 0640});
  ASSERT_TRUE(chmod.ok()) << Why(chmod);
  ASSERT_TRUE(chmod.wcc.after.has_value());
  EXPECT_EQ(chmod.wcc.after->size, 25u) << "SETATTR's post-op size";
  if (chmod.wcc.has_before) {
    EXPECT_EQ(chmod.wcc.before_size, 25u) << "SETATTR's pre-op size";
  }
  AccessRes acc = client_->Access(Path("exclusive"), 0x3f);
  ASSERT_TRUE(acc.ok()) << Why(acc);
  ASSERT_TRUE(acc.attr.has_value());
  EXPECT_EQ(acc.attr->size, 25u) << "ACCESS's attributes";
  LinkRes lk = client_->Link(Path("exclusive"), client_->root(), "exclusive-link");
  ASSERT_TRUE(lk.ok()) << Why(lk);
  ASSERT_TRUE(lk.attr.has_value());
  EXPECT_EQ(lk.attr->size, 25u) << "LINK's attributes";
  model_["exclusive-link"] = model_["exclusive"];
  LookupRes lu = client_->Lookup(client_->root(), "exclusive-link");
  ASSERT_TRUE(lu.ok() && lu.attr.has_value()) << Why(lu);
  EXPECT_EQ(lu.attr->size, 25u) << "LOOKUP's attributes";
  ASSERT_TRUE(client_->Remove(client_->root(), "exclusive-link").ok());
  model_.erase("exclusive-link");

  EXPECT_EQ(DiffTrees(model_, ReadNfsTree(*client_, client_->root())), "") << "through loopfs";
  StopServer();
  Mount();
  EXPECT_EQ(DiffTrees(model_, ReadLocalTree(mnt_)), "") << "through gocryptfs";
  Unmount();
  std::string out;
  EXPECT_EQ(Fsck(&out), 0) << out;
  EXPECT_EQ(CheckCipherBookkeeping(cipher_), "");
}

}  // namespace
}  // namespace loopfs::testing::encrypt_it
