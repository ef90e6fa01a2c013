#pragma once

// A test fixture holding the bundled contexts (core and Smart Data Models): the ingest tests
// parse and expand names with them. Private to src/ingest tests.

#include <gtest/gtest.h>

#include <memory>

#include "civitas/model/context.h"

namespace civitas::ingest {

class ContextsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto contexts = model::OpenContextStore("");
    ASSERT_TRUE(contexts.ok());
    contexts_ = std::move(*contexts);
    core_ = contexts_->Core();
  }
  std::unique_ptr<model::ContextStore> contexts_;
  std::shared_ptr<const model::Context> core_;
};

}  // namespace civitas::ingest
