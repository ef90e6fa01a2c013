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

  // The IRI for a term used as a key or type: a defined term → its @id; "prefix:suffix" with a
  // defined prefix → expanded; an absolute IRI (scheme:...) → itself; otherwise @vocab + term
  // (the NGSI-LD default vocabulary https://uri.etsi.org/ngsi-ld/default-context/ when none).
  virtual std::string ExpandTerm(std::string_view term) const = 0;

  // The shortest way to write an IRI under this context: a term whose @id is exactly the IRI
  // (shortest, then lexicographically first); else a compact IRI with the longest matching
  // prefix; else the suffix when the IRI lies under @vocab and the suffix is not itself a term;
  // else the IRI unchanged. ExpandTerm(CompactIri(x)) == x for every IRI x.
  virtual std::string CompactIri(std::string_view iri) const = 0;

  // The "@type" coercion of a term's definition (e.g. "@id", "@vocab", "@json"), if any.
  virtual std::optional<std::string> TermType(std::string_view expanded_iri) const = 0;

  // What a response puts in its @context member or Link header to reproduce this context: the
  // original URL(s) and inline objects, without the core context when it was implicit.
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
    std::string kind;     // "Hosted" (added via API), "Cached" (bundled / context dir), "ImplicitlyCreated"
    boost::json::value document;  // the whole document: {"@context": ...}
  };

  virtual ~ContextStore() = default;

  // The core context alone (what requests with no @context and no Link header use).
  virtual std::shared_ptr<const Context> Core() const = 0;

  // Builds the active context from an @context value (URL string, inline object, or array of
  // both), with the core context applied. Results for identical inputs are cached.
  // kLdContextNotAvailable when a URL is not in the store (message names the URL);
  // kBadRequestData when a context document is malformed.
  virtual Result<std::shared_ptr<const Context>> Resolve(const boost::json::value& context) = 0;

  // Adds a context document ({"@context": ...}) under a new id; returns it. kBadRequestData when
  // the document is not a valid context.
  virtual Result<HostedContext> Add(const boost::json::value& document) = 0;
  // Re-adds a hosted context under the id it had before a restart (the server persists hosted
  // contexts in its store). kBadRequestData when the document is not a valid context.
  virtual Status Restore(std::string_view id, const boost::json::value& document) = 0;
  // The context with this id or URL, or kNotFound.
  virtual Result<HostedContext> Get(std::string_view id_or_url) const = 0;
  // Every known context (bundled ones included).
  virtual std::vector<HostedContext> List() const = 0;
  // Removes a hosted context; kNotFound if absent, kBadRequestData for bundled ones.
  virtual Status Remove(std::string_view id_or_url) = 0;
};

// A store with the bundled contexts, plus every *.jsonld / *.json file under context_dir (if not
// empty) served at the URL given by the file's "url" map in context_dir/urls.json or, failing
// that, at file://<absolute path>. kIoError / kBadRequestData when context_dir cannot be read.
Result<std::unique_ptr<ContextStore>> OpenContextStore(const std::string& context_dir);

// The canonical URL of the core context the broker uses by default (v1.8).
inline constexpr std::string_view kCoreContextUrl =
    "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld";

}  // namespace civitas::model
