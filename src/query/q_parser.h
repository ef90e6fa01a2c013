#pragma once

// Parser of the NGSI-LD query language into the private expression tree; see q.h for the
// public contract and README.md for the accepted grammar.

#include <cstddef>
#include <memory>
#include <string_view>

#include "civitas/core/result.h"
#include "civitas/query/q.h"
#include "src/query/q_ast.h"

namespace civitas::query::internal {

inline constexpr size_t kMaxQLength = 16 * 1024;  // longer: kInvalidRequest
inline constexpr int kMaxQDepth = 64;             // deeper parentheses: kTooComplexQuery
inline constexpr size_t kMaxPatternLength = 256;  // longer regular expressions: kInvalidRequest

// Builds the tree for q, calling expand once per attribute name (and once per string literal,
// for VocabProperty comparisons). kInvalidRequest with "q: ... at offset N" on syntax errors,
// bad regular expressions or an overlong query; kTooComplexQuery past kMaxQDepth levels.
// The returned tree is never null.
Result<std::unique_ptr<const QNode>> ParseQTree(std::string_view q, const TermExpander& expand);

}  // namespace civitas::query::internal
