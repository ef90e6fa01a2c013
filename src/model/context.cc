#include <algorithm>
#include <array>
#include <string>
#include <utility>

#include "src/model/active_context.h"

namespace civitas::model::internal {
namespace {

// The JSON-LD 1.1 keywords (§1.7).
constexpr std::array<std::string_view, 23> kKeywords = {
    "@base",   "@container", "@context", "@direction", "@graph",     "@id",
    "@import", "@included",  "@index",   "@json",      "@language",  "@list",
    "@nest",   "@none",      "@prefix",  "@propagate", "@protected", "@reverse",
    "@set",    "@type",      "@value",   "@version",   "@vocab"};

// Shorter first, then lexicographically: the JSON-LD preference among equivalent terms.
bool Preferable(std::string_view a, std::string_view b) {
  return a.size() != b.size() ? a.size() < b.size() : a < b;
}

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

bool IsKeyword(std::string_view s) {
  return std::find(kKeywords.begin(), kKeywords.end(), s) != kKeywords.end();
}

bool IsScheme(std::string_view s) {
  if (s.empty() || !IsAlpha(s[0])) return false;
  return std::all_of(s.begin() + 1, s.end(), [](char c) {
    return IsAlpha(c) || IsDigit(c) || c == '+' || c == '-' || c == '.';
  });
}

bool EndsWithGenDelim(std::string_view s) {
  return !s.empty() && std::string_view(":/?#[]@").find(s.back()) != std::string_view::npos;
}

ActiveContext::ActiveContext(TermMap terms, std::string vocab, boost::json::value source)
    : terms_(std::move(terms)), vocab_(std::move(vocab)), source_(std::move(source)) {
  // Built once here so that compaction needs no search over the terms per call. The tables hold
  // pointers into terms_, which is never modified after this point.
  for (const auto& [term, definition] : terms_) {
    auto [it, inserted] = inverse_.try_emplace(definition.iri, Preferred{&term, &definition});
    if (!inserted && Preferable(term, *it->second.term)) it->second = {&term, &definition};
    if (definition.prefix) prefixes_[definition.iri].push_back(&term);
  }
  for (auto& [iri, names] : prefixes_) {
    std::sort(names.begin(), names.end(),
              [](const std::string* a, const std::string* b) { return Preferable(*a, *b); });
    prefix_lengths_.push_back(iri.size());
  }
  std::sort(prefix_lengths_.begin(), prefix_lengths_.end(), std::greater<>());
  prefix_lengths_.erase(std::unique(prefix_lengths_.begin(), prefix_lengths_.end()),
                        prefix_lengths_.end());
}

// JSON-LD 1.1 IRI Expansion (§5.2) with vocab = true, over the processed terms only.
ActiveContext::Expansion ActiveContext::Expand(std::string_view term) const {
  // Keywords, and anything shaped like one, are never terms (JSON-LD ignores such definitions).
  if (!term.empty() && term.front() == '@') return {term, {}};
  if (auto it = terms_.find(term); it != terms_.end()) return {it->second.iri, {}};
  if (std::size_t colon = term.find(':'); colon != std::string_view::npos) {
    std::string_view prefix = term.substr(0, colon);
    std::string_view suffix = term.substr(colon + 1);
    if (prefix == "_" || suffix.starts_with("//")) return {term, {}};
    if (auto it = terms_.find(prefix); it != terms_.end() && it->second.prefix) {
      return {it->second.iri, suffix};
    }
    if (IsScheme(prefix)) return {term, {}};
  }
  return {vocab_, term};
}

bool ActiveContext::ExpandsTo(std::string_view term, std::string_view iri) const {
  Expansion e = Expand(term);
  return e.head.size() + e.tail.size() == iri.size() && iri.starts_with(e.head) &&
         iri.ends_with(e.tail);
}

std::string ActiveContext::ExpandTerm(std::string_view term) const {
  Expansion e = Expand(term);
  std::string out;
  out.reserve(e.head.size() + e.tail.size());
  out.append(e.head).append(e.tail);
  return out;
}

// JSON-LD 1.1 IRI Compaction (§6.2) order: a term, then vocabulary-relative, then a compact IRI,
// then the IRI. Every candidate is checked to expand back to iri, which is what makes
// ExpandTerm(CompactIri(x)) == x hold even when a suffix collides with some other term.
std::string ActiveContext::CompactIri(std::string_view iri) const {
  if (auto it = inverse_.find(iri); it != inverse_.end()) return *it->second.term;
  if (iri.size() > vocab_.size() && iri.starts_with(vocab_)) {
    std::string_view suffix = iri.substr(vocab_.size());
    if (ExpandsTo(suffix, iri)) return std::string(suffix);
  }
  for (std::size_t length : prefix_lengths_) {
    if (length >= iri.size()) continue;
    auto it = prefixes_.find(iri.substr(0, length));
    if (it == prefixes_.end()) continue;
    std::string_view suffix = iri.substr(length);
    for (const std::string* prefix : it->second) {
      std::string candidate;
      candidate.reserve(prefix->size() + 1 + suffix.size());
      candidate.append(*prefix).append(1, ':').append(suffix);
      if (ExpandsTo(candidate, iri)) return candidate;
    }
  }
  return std::string(iri);
}

std::optional<std::string> ActiveContext::TermType(std::string_view expanded_iri) const {
  auto it = inverse_.find(expanded_iri);
  if (it == inverse_.end()) return std::nullopt;
  return it->second.definition->type;
}

}  // namespace civitas::model::internal
