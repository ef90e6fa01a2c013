#pragma once

// Evaluation of a parsed q expression tree against one entity; see q.h for the semantics.

#include "civitas/model/entity.h"
#include "src/query/q_ast.h"

namespace civitas::query::internal {

// Strings longer than this never match a pattern: std::regex recurses once per character and
// could exhaust the stack on very long values.
inline constexpr size_t kMaxPatternSubjectLength = 4096;

// True when the entity satisfies the node. Never throws; thread-safe for a shared node.
bool Evaluate(const QNode& node, const model::Entity& entity);

}  // namespace civitas::query::internal
