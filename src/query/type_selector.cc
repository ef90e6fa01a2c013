#include <algorithm>

#include "civitas/query/entity_query.h"

namespace civitas::query {
namespace {

// Recursive descent over: expr = term (('|' | ',') term)* ; term = factor (';' factor)* ;
// factor = name | '(' expr ')'. Results are in disjunctive normal form.
class TypeParser {
 public:
  TypeParser(std::string_view text, const TermExpander& expand) : text_(text), expand_(expand) {}

  Result<TypeSelector> Parse() {
    CIVITAS_ASSIGN_OR_RETURN(TypeSelector result, Expression(0));
    if (pos_ != text_.size()) return Error("unexpected '" + std::string(1, text_[pos_]) + "'");
    return result;
  }

 private:
  Result<TypeSelector> Expression(int depth) {
    if (depth > 16) return Error("too deeply nested");
    CIVITAS_ASSIGN_OR_RETURN(TypeSelector result, Term(depth));
    while (pos_ < text_.size() && (text_[pos_] == '|' || text_[pos_] == ',')) {
      ++pos_;
      CIVITAS_ASSIGN_OR_RETURN(TypeSelector more, Term(depth));
      result.insert(result.end(), more.begin(), more.end());
    }
    return result;
  }

  Result<TypeSelector> Term(int depth) {
    CIVITAS_ASSIGN_OR_RETURN(TypeSelector result, Factor(depth));
    while (pos_ < text_.size() && text_[pos_] == ';') {
      ++pos_;
      CIVITAS_ASSIGN_OR_RETURN(TypeSelector rhs, Factor(depth));
      TypeSelector product;
      for (const auto& a : result) {
        for (const auto& b : rhs) {
          auto both = a;
          both.insert(both.end(), b.begin(), b.end());
          std::sort(both.begin(), both.end());
          both.erase(std::unique(both.begin(), both.end()), both.end());
          product.push_back(std::move(both));
        }
      }
      if (product.size() > 64) return Error("expression expands to too many alternatives");
      result = std::move(product);
    }
    return result;
  }

  Result<TypeSelector> Factor(int depth) {
    if (pos_ < text_.size() && text_[pos_] == '(') {
      ++pos_;
      CIVITAS_ASSIGN_OR_RETURN(TypeSelector inner, Expression(depth + 1));
      if (pos_ >= text_.size() || text_[pos_] != ')') return Error("missing ')'");
      ++pos_;
      return inner;
    }
    size_t start = pos_;
    while (pos_ < text_.size() && std::string_view("|,;()").find(text_[pos_]) == std::string_view::npos) {
      ++pos_;
    }
    std::string_view name = text_.substr(start, pos_ - start);
    if (name.empty()) return Error("expected a type name");
    return TypeSelector{{expand_(name)}};
  }

  Status Error(const std::string& what) const {
    return InvalidRequest("type: " + what + " at offset " + std::to_string(pos_) + " in '" +
                          std::string(text_) + "'");
  }

  std::string_view text_;
  const TermExpander& expand_;
  size_t pos_ = 0;
};

}  // namespace

Result<TypeSelector> ParseTypeSelector(std::string_view expression, const TermExpander& expand) {
  if (expression.empty()) return InvalidRequest("type: empty type expression");
  return TypeParser(expression, expand).Parse();
}

}  // namespace civitas::query
