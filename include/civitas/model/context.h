#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "civitas/core/result.h"

namespace civitas::model {

// An active JSON-LD context (JSON-LD 1.1 §4.1 "Context Processing"), restricted to what NGSI-LD
// payloads need: term definitions (string or expanded object with @id, @type, @container,
// @protected, @prefix), compact IRIs (prefix:suffix), @vocab, and nested/arrays of contexts.
// The NGSI-LD core context is always applied last, so its terms cannot be redefined.
// Immutable once built; share it as shared_ptr<const Context> across threads.
class Context {
 public:
  virtual ~Context() = default;

  // The IRI for a term used as a key or type (JSON-LD IRI expansion with vocab = true): a
  // keyword or anything starting with '@' → itself; a defined term → its @id (a keyword for
  // aliases such as "id" → "@id"); "prefix:suffix" with a defined prefix term → expanded; an
  // absolute IRI (scheme:..., "_:" blank nodes, "x://...") → itself; otherwise @vocab + term
  // (the NGSI-LD default vocabulary https://uri.etsi.org/ngsi-ld/default-context/ when none).
  // A term serves as a prefix when it has "@prefix": true, or when it contains no ':' or '/',
  // has no "@prefix": false, and its IRI ends with a gen-delim (: / ? # [ ] @).
  // Hash lookups only; allocates just the returned string.
  virtual std::string ExpandTerm(std::string_view term) const = 0;

  // The shortest way to write an IRI under this context, in JSON-LD 1.1 IRI compaction order:
  // a term whose @id is exactly the IRI (shortest, then lexicographically first); else the
  // suffix when the IRI lies under @vocab and the suffix does not expand to something else
  // (so default-vocabulary attributes come back as plain names, not "ngsi-ld:default-context/x");
  // else a compact IRI with the longest matching prefix; else the IRI unchanged. Every candidate
  // is checked to expand back, so ExpandTerm(CompactIri(x)) == x for every x that ExpandTerm
  // returns. Hash lookups only; allocates just the returned string.
  virtual std::string CompactIri(std::string_view iri) const = 0;

  // The "@type" coercion of the term CompactIri(expanded_iri) would pick, if that is a term and
  // it has one: a keyword ("@id", "@vocab", "@json", "@none") or an expanded IRI (observedAt →
  // "https://uri.etsi.org/ngsi-ld/DateTime").
  virtual std::optional<std::string> TermType(std::string_view expanded_iri) const = 0;

  // What a response puts in its @context member or Link header to reproduce this context: the
  // @context value given to ContextStore::Resolve, unchanged (URLs, inline objects, arrays); the
  // core URL string (kCoreContextUrl) for ContextStore::Core().
  virtual const boost::json::value& Source() const = 0;
};

// Where @context documents come from. Never touches the network: URLs resolve from the bundled
// core and Smart Data Models contexts, the --context-dir directory, and contexts added through
// the /jsonldContexts API. Thread-safe.
class ContextStore {
 public:
  struct HostedContext {
    std::string id;       // as used in /ngsi-ld/v1/jsonldContexts/{id}
    std::string url;      // the URL it answers to
    std::string kind;     // "Hosted" (added via API), "Cached" (bundled / context dir);
                          // "ImplicitlyCreated" is reserved and not produced by this store
    boost::json::value document;  // the whole document: {"@context": ...}
  };

  virtual ~ContextStore() = default;

  // The core context alone (what requests with no @context and no Link header use).
  virtual std::shared_ptr<const Context> Core() const = 0;

  // Builds the active context from an @context value (URL string, inline object, null, or an
  // array of these, processed in order, later definitions overriding earlier ones; null resets),
  // then applies the core context so that its terms win. An @vocab set by the value is kept over
  // the core's default vocabulary, expanded under the core's prefixes too ("ngsi-ld:x/" works).
  // URLs, including those cited inside context documents (up to 8 levels, loops rejected),
  // resolve from the store only, never from the network.
  // Results are cached by the serialized value (up to 1,024 entries and 256Ki term definitions
  // in total; arbitrary entries are evicted past that), so repeating a value costs
  // one serialization and one hash lookup and returns the same pointer; null and the
  // kCoreContextUrl string return Core(). Removing a hosted context clears the cache.
  // kLdContextNotAvailable when a URL is not in the store (message names the URL and how to add
  // it); kBadRequestData when a context is malformed (message says what and where).
  // Not supported (kBadRequestData): @import. Ignored: scoped @context in term definitions,
  // @language, @direction, @base, @propagate, @index, @nest; @protected is validated, but later
  // definitions still replace earlier ones.
  virtual Result<std::shared_ptr<const Context>> Resolve(const boost::json::value& context) = 0;

  // Adds a context document ({"@context": ...}) as kind "Hosted", kept in memory only. Its id is
  // 16 hex digits derived from the content, its URL "urn:ngsi-ld:jsonldContext:<id>", and
  // Resolve accepts that URL from now on. Adding identical content again returns the existing
  // entry (so re-adding after a restart restores id and URL). kBadRequestData when the document
  // is not an object with "@context" or the context is invalid; kLdContextNotAvailable when it
  // cites an unknown URL.
  virtual Result<HostedContext> Add(const boost::json::value& document) = 0;
  // Re-adds a hosted context under the id it had before a restart (the server persists hosted
  // contexts in its store). kBadRequestData when the document is not a valid context.
  virtual Status Restore(std::string_view id, const boost::json::value& document) = 0;
  // The context with this id or URL, or kNotFound.
  virtual Result<HostedContext> Get(std::string_view id_or_url) const = 0;
  // Every known context (bundled ones included), sorted by kind, then URL. A document served at
  // several URLs is listed once per URL.
  virtual std::vector<HostedContext> List() const = 0;
  // Removes a hosted context by id or URL; kNotFound if absent, kBadRequestData for "Cached"
  // ones (bundled or from --context-dir), which cannot be removed.
  virtual Status Remove(std::string_view id_or_url) = 0;
};

// A store with the bundled contexts (compiled into the binary; see docs/formats/jsonld-contexts.md
// for their URLs), plus every regular *.jsonld / *.json file directly in context_dir (if not
// empty), kind "Cached". A file is served at each URL that context_dir/urls.json
// ({"<url>": "<file name>", ...}) maps to it, or, when urls.json does not name it, at
// file://<absolute path>. A context_dir URL replaces a bundled one. Every file is resolved once
// here, so a broken file fails start-up rather than a request.
// kIoError when context_dir cannot be read; kBadRequestData when a file or urls.json is not valid
// JSON, not a context document, or urls.json names a missing file; kLdContextNotAvailable when
// a file cites a URL that is not in the store.
Result<std::unique_ptr<ContextStore>> OpenContextStore(const std::string& context_dir);

// The canonical URL of the core context the broker uses by default (v1.8).
inline constexpr std::string_view kCoreContextUrl =
    "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld";

}  // namespace civitas::model
