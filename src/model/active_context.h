#pragma once

#include <absl/container/flat_hash_map.h>

#include <boost/json/value.hpp>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "civitas/model/context.h"

// Internal to src/model: the immutable result of context processing.
namespace civitas::model::internal {

// The NGSI-LD default vocabulary: what undefined terms expand under when no @vocab is set.
inline constexpr std::string_view kDefaultVocab = "https://uri.etsi.org/ngsi-ld/default-context/";

// Hash and equality for string-keyed maps that are looked up by std::string_view without building
// a std::string (the Debian Abseil's own string hash takes absl::string_view only).
struct StringViewHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};
struct StringViewEq {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const noexcept { return a == b; }
};
template <typename K, typename V>
using StringMap = absl::flat_hash_map<K, V, StringViewHash, StringViewEq>;

// One term definition after processing (JSON-LD 1.1 §4.2 "Create Term Definition").
struct TermDefinition {
  std::string iri;                  // absolute IRI, blank node id, or a keyword ("id" → "@id")
  std::optional<std::string> type;  // @type coercion: a keyword ("@id", "@vocab", "@json") or IRI
  std::string container;            // @container values joined by ',' ("" when none)
  bool prefix = false;              // may be used as the prefix of a compact IRI
  bool is_protected = false;
};

using TermMap = StringMap<std::string, TermDefinition>;

// True for the JSON-LD 1.1 keywords.
bool IsKeyword(std::string_view s);

// True when s has the form of an IRI scheme (ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )).
bool IsScheme(std::string_view s);

// True when the last character of s is a URI gen-delim (: / ? # [ ] @).
bool EndsWithGenDelim(std::string_view s);

// A Context over a fixed term map. Builds its inverse (IRI → preferred term) and prefix tables in
// the constructor so ExpandTerm / CompactIri are hash lookups. Immutable; thread-safe.
class ActiveContext final : public Context {
 public:
  // vocab must be non-empty (processing substitutes kDefaultVocab for "no @vocab").
  ActiveContext(TermMap terms, std::string vocab, boost::json::value source);
  // The inverse tables point into terms_, so the object stays where it was built.
  ActiveContext(const ActiveContext&) = delete;
  ActiveContext& operator=(const ActiveContext&) = delete;

  std::string ExpandTerm(std::string_view term) const override;
  std::string CompactIri(std::string_view iri) const override;
  std::optional<std::string> TermType(std::string_view expanded_iri) const override;
  const boost::json::value& Source() const override { return source_; }

  const TermMap& terms() const { return terms_; }
  const std::string& vocab() const { return vocab_; }

 private:
  // ExpandTerm(term) == head + tail, without building the string.
  struct Expansion {
    std::string_view head;
    std::string_view tail;
  };
  Expansion Expand(std::string_view term) const;
  bool ExpandsTo(std::string_view term, std::string_view iri) const;

  TermMap terms_;
  std::string vocab_;
  boost::json::value source_;
  struct Preferred {
    const std::string* term;
    const TermDefinition* definition;
  };
  // IRI → the term CompactIri returns for it (shortest, then lexicographically first).
  StringMap<std::string, Preferred> inverse_;
  // Prefix IRI → the prefix terms mapping to it, shortest then lexicographically first.
  StringMap<std::string, std::vector<const std::string*>> prefixes_;
  // The distinct lengths of the keys of prefixes_, longest first.
  std::vector<std::size_t> prefix_lengths_;
};

}  // namespace civitas::model::internal
