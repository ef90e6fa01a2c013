#pragma once

// Evaluation of a parsed q expression tree against one entity; see q.h for the semantics.

#include "civitas/model/entity.h"
#include "src/query/q_ast.h"

namespace civitas::query::internal {

// Strings longer than this never match a pattern: matching time grows with length times pattern
// size, and a request must not be able to buy seconds of CPU per entity.
inline constexpr size_t kMaxPatternSubjectLength = 4096;

// True when the entity satisfies the node. Never throws; thread-safe for a shared node.
bool Evaluate(const QNode& node, const model::Entity& entity);

}  // namespace civitas::query::internal
