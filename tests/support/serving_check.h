// The check every hostile and integration test ends with: a well-behaved
// client is still served (MOUNT, NFS NULL and GETATTR of the root).
#pragma once

#include <gtest/gtest.h>

#include "tests/support/test_server.h"

namespace loopfs::testing {

::testing::AssertionResult StillServing(TestServer& server);

}  // namespace loopfs::testing
