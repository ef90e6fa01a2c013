#include "civitas/query/q.h"

#include <algorithm>
#include <utility>

#include "src/query/q_ast.h"
#include "src/query/q_eval.h"
#include "src/query/q_parser.h"

namespace civitas::query {
namespace {

using internal::QNode;
using internal::QOp;

// Terms that can only hold when their attribute exists. Negations (!attr, !=, !~=) are left
// out even though != needs the attribute too: callers treat the list as a positive filter.
bool IsPositiveTerm(const QNode& node) {
  switch (node.kind) {
    case QNode::Kind::kExists:
      return true;
    case QNode::Kind::kCompare:
    case QNode::Kind::kList:
    case QNode::Kind::kRange:
    case QNode::Kind::kPattern:
      return node.op != QOp::kNe && node.op != QOp::kNoMatch;
    default:
      return false;
  }
}

std::vector<std::string> CollectRequired(const QNode& root) {
  std::vector<std::string> required;
  auto add = [&required](const QNode& term) {
    if (!IsPositiveTerm(term)) return;
    const std::string& iri = term.path.attrs.front();
    if (std::find(required.begin(), required.end(), iri) == required.end()) {
      required.push_back(iri);
    }
  };
  if (root.kind == QNode::Kind::kAnd) {
    for (const auto& child : root.children) add(*child);
  } else {
    add(root);
  }
  return required;
}

class CompiledQ final : public QExpression {
 public:
  explicit CompiledQ(std::unique_ptr<const QNode> root)
      : root_(std::move(root)), required_(CollectRequired(*root_)) {}

  bool Matches(const model::Entity& entity) const override {
    return internal::Evaluate(*root_, entity);
  }
  std::vector<std::string> RequiredAttributes() const override { return required_; }

 private:
  const std::unique_ptr<const QNode> root_;
  const std::vector<std::string> required_;
};

}  // namespace

Result<std::unique_ptr<QExpression>> ParseQ(std::string_view q, const TermExpander& expand) {
  CIVITAS_ASSIGN_OR_RETURN(std::unique_ptr<const QNode> root, internal::ParseQTree(q, expand));
  return std::unique_ptr<QExpression>(std::make_unique<CompiledQ>(std::move(root)));
}

}  // namespace civitas::query
