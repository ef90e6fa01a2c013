// Fuzzes @context processing: the input is parsed as JSON and resolved as an @context value (or,
// when it is a {"@context": ...} document, added as a hosted context and resolved by its URL).
// Every term found in the input must then survive compaction: ExpandTerm(CompactIri(x)) == x.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "civitas/core/check.h"
#include "civitas/model/context.h"

namespace {

namespace json = boost::json;
using civitas::model::Context;
using civitas::model::ContextStore;

constexpr std::size_t kMaxTerms = 64;

ContextStore& Store() {
  static ContextStore* store = [] {
    auto opened = civitas::model::OpenContextStore("");
    CIVITAS_CHECK(opened.ok());
    return std::move(opened).value().release();
  }();
  return *store;
}

void CollectStrings(const json::value& v, std::vector<std::string>& out, int depth) {
  if (out.size() >= kMaxTerms || depth > 8) return;
  if (v.is_string()) {
    out.emplace_back(v.get_string());
  } else if (v.is_array()) {
    for (const json::value& item : v.get_array()) CollectStrings(item, out, depth + 1);
  } else if (v.is_object()) {
    for (const json::key_value_pair& member : v.get_object()) {
      if (out.size() >= kMaxTerms) return;
      out.emplace_back(member.key());
      CollectStrings(member.value(), out, depth + 1);
    }
  }
}

void CheckRoundTrips(const Context& context, const std::vector<std::string>& terms) {
  for (const std::string& term : terms) {
    std::string iri = context.ExpandTerm(term);
    std::string compacted = context.CompactIri(iri);
    CIVITAS_CHECK(context.ExpandTerm(compacted) == iri);
    // Compaction of arbitrary strings must not crash either.
    (void)context.CompactIri(term);
    (void)context.TermType(iri);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  boost::system::error_code ec;
  json::value input = json::parse(json::string_view(reinterpret_cast<const char*>(data), size), ec);
  if (ec) return 0;

  std::vector<std::string> terms = {"location", "observedAt", "Property", "type", "id", "ngsi-ld:x",
                                    "urn:x:y",  "",           "a:b",      "_:b0", "@id"};
  CollectStrings(input, terms, 0);

  ContextStore& store = Store();
  if (input.is_object() && input.get_object().contains("@context")) {
    auto added = store.Add(input);
    if (!added.ok()) return 0;
    auto resolved = store.Resolve(json::string(added->url));
    CIVITAS_CHECK(resolved.ok());
    CheckRoundTrips(**resolved, terms);
    CIVITAS_CHECK(store.Remove(added->id).ok());
    return 0;
  }
  auto resolved = store.Resolve(input);
  if (!resolved.ok()) return 0;
  CheckRoundTrips(**resolved, terms);
  // Identical input resolves to the cached object (unless the cache was just cleared).
  auto again = store.Resolve(input);
  CIVITAS_CHECK(again.ok());
  return 0;
}
