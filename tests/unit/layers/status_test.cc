#include "layers/status.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <set>
#include <string>

namespace loopfs {
namespace {

TEST(StatusFromErrno, MapsEveryNfsErrorToItsErrno) {
  // The errnos whose number is the nfsstat3 value (RFC 1813 chose them so).
  for (int err : {EPERM, ENOENT, EIO, ENXIO, EACCES, EEXIST, EXDEV, ENODEV, ENOTDIR, EISDIR,
                  EINVAL, EFBIG, ENOSPC, EROFS, EMLINK}) {
    EXPECT_EQ(static_cast<int>(StatusFromErrno(err).code()), err) << err;
  }
  EXPECT_EQ(StatusFromErrno(ENAMETOOLONG), Status(Nfsstat3::kNametoolong));
  EXPECT_EQ(StatusFromErrno(ENOTEMPTY), Status(Nfsstat3::kNotempty));
  EXPECT_EQ(StatusFromErrno(EDQUOT), Status(Nfsstat3::kDquot));
  EXPECT_EQ(StatusFromErrno(ESTALE), Status(Nfsstat3::kStale));
  EXPECT_EQ(StatusFromErrno(EOPNOTSUPP), Status(Nfsstat3::kNotsupp));
  EXPECT_EQ(StatusFromErrno(ELOOP), Status(Nfsstat3::kInval));
}

TEST(StatusFromErrno, TransientShortagesAreJukebox) {
  for (int err : {EAGAIN, ENOMEM, EMFILE, ENFILE, EINTR}) {
    EXPECT_EQ(StatusFromErrno(err), Status(Nfsstat3::kJukebox)) << err;
  }
}

TEST(StatusFromErrno, ZeroIsOk) { EXPECT_TRUE(StatusFromErrno(0).ok()); }

TEST(StatusFromErrno, UnknownAndGarbageValuesAreServerfault) {
  for (int err : {EBADF, EFAULT, ECHILD, -1, -4096, 100000, INT32_MAX, INT32_MIN}) {
    EXPECT_EQ(StatusFromErrno(err), Status(Nfsstat3::kServerfault)) << err;
  }
}

TEST(StatusName, NamesAreTheProtocolNamesAndDistinct) {
  EXPECT_EQ(StatusName(Status::Ok()), "NFS3_OK");
  EXPECT_EQ(StatusName(Nfsstat3::kNoent), "NFS3ERR_NOENT");
  EXPECT_EQ(StatusName(Nfsstat3::kBadCookie), "NFS3ERR_BAD_COOKIE");
  EXPECT_EQ(StatusName(Nfsstat3::kJukebox), "NFS3ERR_JUKEBOX");
  std::set<std::string_view> names;
  for (uint32_t v = 0; v < 10010; ++v) {
    std::string_view n = StatusName(Status(static_cast<Nfsstat3>(v)));
    if (n != "NFS3ERR_UNKNOWN") {
      EXPECT_TRUE(names.insert(n).second) << n;
    }
  }
  EXPECT_EQ(names.size(), 29u);
  EXPECT_EQ(StatusName(Status(static_cast<Nfsstat3>(4242))), "NFS3ERR_UNKNOWN");
}

TEST(Result, HoldsValueOrStatus) {
  Result<int> good = 5;
  EXPECT_TRUE(good.ok());
  EXPECT_EQ(*good, 5);
  Result<int> bad = Nfsstat3::kStale;
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.status(), Status(Nfsstat3::kStale));
}

}  // namespace
}  // namespace loopfs
