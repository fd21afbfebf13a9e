// A gmock Layer, for tests of anything that calls a layer (ForwardingLayer,
// stacked layers, nfsd's procedures).
#pragma once

#include <gmock/gmock.h>

#include "layers/layer.h"

namespace loopfs::testing {

class MockLayer : public Layer {
 public:
  MOCK_METHOD(std::string_view, type, (), (const, override));
  MOCK_METHOD(Status, Root, (const RequestContext&, NodeHandle*), (override));
  MOCK_METHOD(Status, GetAttr, (const RequestContext&, const NodeHandle&, Attr*), (override));
  MOCK_METHOD(Status, SetAttr,
              (const RequestContext&, const NodeHandle&, const SetAttrArgs&,
               const std::optional<NfsTime>&, Wcc*),
              (override));
  MOCK_METHOD(Status, Lookup,
              (const RequestContext&, const NodeHandle&, std::string_view, LookupRes*),
              (override));
  MOCK_METHOD(Status, Access, (const RequestContext&, const NodeHandle&, uint32_t, AccessRes*),
              (override));
  MOCK_METHOD(Status, ReadLink, (const RequestContext&, const NodeHandle&, ReadLinkRes*),
              (override));
  MOCK_METHOD(Status, Read,
              (const RequestContext&, const NodeHandle&, uint64_t, std::span<uint8_t>, ReadRes*),
              (override));
  MOCK_METHOD(Status, Write,
              (const RequestContext&, const NodeHandle&, uint64_t, std::span<const uint8_t>,
               StableHow, WriteRes*),
              (override));
  MOCK_METHOD(Status, Commit,
              (const RequestContext&, const NodeHandle&, uint64_t, uint32_t, CommitRes*),
              (override));
  MOCK_METHOD(Status, Create,
              (const RequestContext&, const NodeHandle&, std::string_view, CreateMode,
               const SetAttrArgs&, const CreateVerifier&, CreateRes*),
              (override));
  MOCK_METHOD(Status, MkDir,
              (const RequestContext&, const NodeHandle&, std::string_view, const SetAttrArgs&,
               CreateRes*),
              (override));
  MOCK_METHOD(Status, SymLink,
              (const RequestContext&, const NodeHandle&, std::string_view, std::string_view,
               const SetAttrArgs&, CreateRes*),
              (override));
  MOCK_METHOD(Status, MkNod,
              (const RequestContext&, const NodeHandle&, std::string_view, FileType,
               const SetAttrArgs&, uint32_t, uint32_t, CreateRes*),
              (override));
  MOCK_METHOD(Status, Remove,
              (const RequestContext&, const NodeHandle&, std::string_view, RemoveRes*),
              (override));
  MOCK_METHOD(Status, RmDir,
              (const RequestContext&, const NodeHandle&, std::string_view, RemoveRes*),
              (override));
  MOCK_METHOD(Status, Rename,
              (const RequestContext&, const NodeHandle&, std::string_view, const NodeHandle&,
               std::string_view, RenameRes*),
              (override));
  MOCK_METHOD(Status, Link,
              (const RequestContext&, const NodeHandle&, const NodeHandle&, std::string_view,
               LinkRes*),
              (override));
  MOCK_METHOD(Status, ReadDir,
              (const RequestContext&, const NodeHandle&, uint64_t, const CookieVerifier&, bool,
               DirSink&, ReadDirRes*),
              (override));
  MOCK_METHOD(Status, FsStat, (const RequestContext&, const NodeHandle&, FsStatRes*),
              (override));
  MOCK_METHOD(Status, FsInfo, (const RequestContext&, const NodeHandle&, FsInfoRes*),
              (override));
  MOCK_METHOD(Status, PathConf, (const RequestContext&, const NodeHandle&, PathConfRes*),
              (override));
};

}  // namespace loopfs::testing
