#include "layers/forwarding_layer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/layers/mock_layer.h"

namespace loopfs {
namespace {

using ::testing::_;
using ::testing::Eq;
using ::testing::Ref;
using ::testing::Return;
using ::testing::StrictMock;

class Passthrough : public ForwardingLayer {
 public:
  using ForwardingLayer::ForwardingLayer;
  std::string_view type() const override { return "passthrough"; }
};

class DummySink : public DirSink {
 public:
  bool Add(const DirEntry&) override { return true; }
};

class ForwardingLayerTest : public ::testing::Test {
 protected:
  ForwardingLayerTest() {
    auto mock = std::make_unique<StrictMock<testing::MockLayer>>();
    lower_ = mock.get();
    layer_ = std::make_unique<Passthrough>(std::move(mock));
    fh_.Assign(std::vector<uint8_t>{1, 2, 3});
    dir_.Assign(std::vector<uint8_t>{4, 5});
  }
  StrictMock<testing::MockLayer>* lower_;
  std::unique_ptr<Passthrough> layer_;
  RequestContext ctx_;
  NodeHandle fh_, dir_;
};

// Every operation reaches the lower layer with the same arguments, and the
// lower layer's status (a distinct one per call) comes back unchanged.
TEST_F(ForwardingLayerTest, ForwardsEveryOperation) {
  EXPECT_EQ(layer_->lower(), lower_);
  NodeHandle root;
  EXPECT_CALL(*lower_, Root(Ref(ctx_), &root)).WillOnce(Return(Nfsstat3::kPerm));
  EXPECT_EQ(layer_->Root(ctx_, &root), Status(Nfsstat3::kPerm));

  Attr attr;
  EXPECT_CALL(*lower_, GetAttr(Ref(ctx_), Eq(fh_), &attr)).WillOnce(Return(Nfsstat3::kNoent));
  EXPECT_EQ(layer_->GetAttr(ctx_, fh_, &attr), Status(Nfsstat3::kNoent));

  SetAttrArgs sa;
  std::optional<NfsTime> guard = NfsTime{1, 2};
  Wcc wcc;
  EXPECT_CALL(*lower_, SetAttr(Ref(ctx_), Eq(fh_), Ref(sa), Ref(guard), &wcc))
      .WillOnce(Return(Nfsstat3::kNotSync));
  EXPECT_EQ(layer_->SetAttr(ctx_, fh_, sa, guard, &wcc), Status(Nfsstat3::kNotSync));

  LookupRes lr;
  EXPECT_CALL(*lower_, Lookup(Ref(ctx_), Eq(dir_), Eq("name"), &lr))
      .WillOnce(Return(Nfsstat3::kIo));
  EXPECT_EQ(layer_->Lookup(ctx_, dir_, "name", &lr), Status(Nfsstat3::kIo));

  AccessRes ar;
  EXPECT_CALL(*lower_, Access(Ref(ctx_), Eq(fh_), 0x3f, &ar)).WillOnce(Return(Nfsstat3::kNxio));
  EXPECT_EQ(layer_->Access(ctx_, fh_, 0x3f, &ar), Status(Nfsstat3::kNxio));

  ReadLinkRes rl;
  EXPECT_CALL(*lower_, ReadLink(Ref(ctx_), Eq(fh_), &rl)).WillOnce(Return(Nfsstat3::kAcces));
  EXPECT_EQ(layer_->ReadLink(ctx_, fh_, &rl), Status(Nfsstat3::kAcces));

  uint8_t buf[16];
  ReadRes rr;
  EXPECT_CALL(*lower_, Read(Ref(ctx_), Eq(fh_), 77, _, &rr))
      .WillOnce([&](auto&, auto&, uint64_t, std::span<uint8_t> b, ReadRes*) {
        EXPECT_EQ(b.data(), buf);
        EXPECT_EQ(b.size(), sizeof(buf));
        return Status(Nfsstat3::kExist);
      });
  EXPECT_EQ(layer_->Read(ctx_, fh_, 77, buf, &rr), Status(Nfsstat3::kExist));

  const uint8_t data[3] = {9, 8, 7};
  WriteRes wr;
  EXPECT_CALL(*lower_, Write(Ref(ctx_), Eq(fh_), 5, _, StableHow::kFileSync, &wr))
      .WillOnce([&](auto&, auto&, uint64_t, std::span<const uint8_t> d, StableHow, WriteRes*) {
        EXPECT_EQ(d.data(), data);
        EXPECT_EQ(d.size(), 3u);
        return Status(Nfsstat3::kXdev);
      });
  EXPECT_EQ(layer_->Write(ctx_, fh_, 5, data, StableHow::kFileSync, &wr),
            Status(Nfsstat3::kXdev));

  CommitRes cr;
  EXPECT_CALL(*lower_, Commit(Ref(ctx_), Eq(fh_), 10, 20, &cr)).WillOnce(Return(Nfsstat3::kNodev));
  EXPECT_EQ(layer_->Commit(ctx_, fh_, 10, 20, &cr), Status(Nfsstat3::kNodev));

  CreateVerifier verf{1, 2, 3, 4, 5, 6, 7, 8};
  CreateRes cres;
  EXPECT_CALL(*lower_,
              Create(Ref(ctx_), Eq(dir_), Eq("f"), CreateMode::kExclusive, Ref(sa), Ref(verf), &cres))
      .WillOnce(Return(Nfsstat3::kNotdir));
  EXPECT_EQ(layer_->Create(ctx_, dir_, "f", CreateMode::kExclusive, sa, verf, &cres),
            Status(Nfsstat3::kNotdir));

  EXPECT_CALL(*lower_, MkDir(Ref(ctx_), Eq(dir_), Eq("d"), Ref(sa), &cres))
      .WillOnce(Return(Nfsstat3::kIsdir));
  EXPECT_EQ(layer_->MkDir(ctx_, dir_, "d", sa, &cres), Status(Nfsstat3::kIsdir));

  EXPECT_CALL(*lower_, SymLink(Ref(ctx_), Eq(dir_), Eq("l"), Eq("t"), Ref(sa), &cres))
      .WillOnce(Return(Nfsstat3::kInval));
  EXPECT_EQ(layer_->SymLink(ctx_, dir_, "l", "t", sa, &cres), Status(Nfsstat3::kInval));

  EXPECT_CALL(*lower_, MkNod(Ref(ctx_), Eq(dir_), Eq("n"), FileType::kChr, Ref(sa), 3, 4, &cres))
      .WillOnce(Return(Nfsstat3::kFbig));
  EXPECT_EQ(layer_->MkNod(ctx_, dir_, "n", FileType::kChr, sa, 3, 4, &cres),
            Status(Nfsstat3::kFbig));

  RemoveRes rm;
  EXPECT_CALL(*lower_, Remove(Ref(ctx_), Eq(dir_), Eq("f"), &rm)).WillOnce(Return(Nfsstat3::kNospc));
  EXPECT_EQ(layer_->Remove(ctx_, dir_, "f", &rm), Status(Nfsstat3::kNospc));
  EXPECT_CALL(*lower_, RmDir(Ref(ctx_), Eq(dir_), Eq("d"), &rm)).WillOnce(Return(Nfsstat3::kRofs));
  EXPECT_EQ(layer_->RmDir(ctx_, dir_, "d", &rm), Status(Nfsstat3::kRofs));

  RenameRes rn;
  EXPECT_CALL(*lower_, Rename(Ref(ctx_), Eq(dir_), Eq("a"), Eq(fh_), Eq("b"), &rn))
      .WillOnce(Return(Nfsstat3::kMlink));
  EXPECT_EQ(layer_->Rename(ctx_, dir_, "a", fh_, "b", &rn), Status(Nfsstat3::kMlink));

  LinkRes lk;
  EXPECT_CALL(*lower_, Link(Ref(ctx_), Eq(fh_), Eq(dir_), Eq("h"), &lk))
      .WillOnce(Return(Nfsstat3::kNametoolong));
  EXPECT_EQ(layer_->Link(ctx_, fh_, dir_, "h", &lk), Status(Nfsstat3::kNametoolong));

  DummySink sink;
  CookieVerifier cv{8, 7, 6, 5, 4, 3, 2, 1};
  ReadDirRes rd;
  EXPECT_CALL(*lower_, ReadDir(Ref(ctx_), Eq(dir_), 99, Ref(cv), true, Ref(sink), &rd))
      .WillOnce(Return(Nfsstat3::kBadCookie));
  EXPECT_EQ(layer_->ReadDir(ctx_, dir_, 99, cv, true, sink, &rd), Status(Nfsstat3::kBadCookie));

  FsStatRes fs;
  EXPECT_CALL(*lower_, FsStat(Ref(ctx_), Eq(fh_), &fs)).WillOnce(Return(Nfsstat3::kNotempty));
  EXPECT_EQ(layer_->FsStat(ctx_, fh_, &fs), Status(Nfsstat3::kNotempty));
  FsInfoRes fi;
  EXPECT_CALL(*lower_, FsInfo(Ref(ctx_), Eq(fh_), &fi)).WillOnce(Return(Nfsstat3::kDquot));
  EXPECT_EQ(layer_->FsInfo(ctx_, fh_, &fi), Status(Nfsstat3::kDquot));
  PathConfRes pc;
  EXPECT_CALL(*lower_, PathConf(Ref(ctx_), Eq(fh_), &pc)).WillOnce(Return(Nfsstat3::kStale));
  EXPECT_EQ(layer_->PathConf(ctx_, fh_, &pc), Status(Nfsstat3::kStale));
}

}  // namespace
}  // namespace loopfs
