#include "src/model/context_processing.h"

#include <algorithm>
#include <boost/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace civitas::model::internal {
namespace {

namespace json = boost::json;

// Bounds the recursion of term definitions that refer to each other (a → "b:x", b → "c:y", ...),
// so that hostile input cannot exhaust the stack.
constexpr int kMaxTermDepth = 64;

std::string_view KindName(json::kind kind) {
  switch (kind) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      return "number";
    case json::kind::string:
      return "string";
    case json::kind::array:
      return "array";
    case json::kind::object:
      return "object";
  }
  return "value";
}

std::string_view View(const json::string& s) { return {s.data(), s.size()}; }

bool IsVersion11(const json::value& v) { return v.is_double() && v.get_double() == 1.1; }

// One run of the context processing algorithm. Not thread-safe; lives for one ProcessContext call.
class Processor {
 public:
  explicit Processor(const DocumentLoader& loader) : loader_(loader) {}

  Status Process(const json::value& context, int remote_depth);

  TermMap TakeTerms() { return std::move(terms_); }
  const std::string& vocab() const { return vocab_; }
  bool vocab_explicit() const { return vocab_explicit_; }
  // Sets @vocab to `value` IRI-expanded under the terms processed so far; Malformed unless that
  // is an absolute or compact IRI.
  Status SetVocab(std::string_view value);
  void set_vocab(std::string vocab) { vocab_ = std::move(vocab); }

 private:
  // Per local context: which terms are defined (true) or being defined (false).
  using Defined = StringMap<std::string_view, bool>;

  Status ProcessObject(const json::object& local);
  Status DefineTerm(const json::object& local, std::string_view term, bool context_protected,
                    Defined& defined, int depth);
  // JSON-LD IRI expansion with vocab = true; local/defined are null outside term definitions.
  Result<std::string> ExpandIri(const json::object* local, std::string_view value,
                                bool context_protected, Defined* defined, int depth);
  Status Malformed(std::string_view what) const;

  const DocumentLoader& loader_;
  std::vector<std::string> remote_stack_;  // remote contexts being processed, outermost first
  TermMap terms_;
  std::string vocab_{kDefaultVocab};
  bool vocab_explicit_ = false;
};

Status Processor::Malformed(std::string_view what) const {
  std::string where = remote_stack_.empty() ? std::string("the request's @context")
                                            : "the @context document at " + remote_stack_.back();
  return BadRequestData("invalid JSON-LD context in " + where + ": " + std::string(what));
}

Status Processor::Process(const json::value& context, int remote_depth) {
  switch (context.kind()) {
    case json::kind::null:
      terms_.clear();
      vocab_ = kDefaultVocab;
      vocab_explicit_ = false;
      return Status::Ok();
    case json::kind::array:
      for (const json::value& item : context.get_array()) {
        if (item.is_array()) return Malformed("an array of contexts may not contain an array");
        CIVITAS_RETURN_IF_ERROR(Process(item, remote_depth));
      }
      return Status::Ok();
    case json::kind::object:
      return ProcessObject(context.get_object());
    case json::kind::string:
      break;
    default:
      return Malformed("a context must be a URL, an object, an array or null, not a " +
                       std::string(KindName(context.kind())));
  }
  std::string url(View(context.get_string()));
  if (std::find(remote_stack_.begin(), remote_stack_.end(), url) != remote_stack_.end()) {
    std::string chain;
    for (const std::string& u : remote_stack_) chain += u + " → ";
    return Malformed("remote contexts reference each other in a loop: " + chain + url);
  }
  if (remote_depth >= kMaxRemoteContextDepth) {
    return Malformed("remote contexts nest more than " + std::to_string(kMaxRemoteContextDepth) +
                     " levels deep (at " + url + ")");
  }
  Result<std::shared_ptr<const json::value>> loaded = loader_(url);
  if (!loaded.ok()) {
    if (remote_stack_.empty()) return loaded.status();
    return Status(loaded.status().code(),
                  loaded.status().message() + " (cited by " + remote_stack_.back() + ")");
  }
  std::shared_ptr<const json::value> document = std::move(loaded).value();
  remote_stack_.push_back(url);
  const json::value* inner =
      document->is_object() ? document->get_object().if_contains("@context") : nullptr;
  Status status = inner != nullptr
                      ? Process(*inner, remote_depth + 1)
                      : Malformed("the document is not a JSON object with an \"@context\" member");
  remote_stack_.pop_back();
  return status;
}

Status Processor::ProcessObject(const json::object& local) {
  if (const json::value* v = local.if_contains("@version"); v && !IsVersion11(*v)) {
    return Malformed("@version must be the number 1.1");
  }
  if (local.contains("@import")) return Malformed("@import is not supported");
  if (const json::value* v = local.if_contains("@base"); v && !v->is_string() && !v->is_null()) {
    return Malformed("@base must be a string or null");
  }
  bool context_protected = false;
  if (const json::value* v = local.if_contains("@protected")) {
    if (!v->is_bool()) return Malformed("@protected must be true or false");
    context_protected = v->get_bool();
  }
  if (const json::value* v = local.if_contains("@vocab")) {
    if (v->is_null()) {
      vocab_ = kDefaultVocab;
      vocab_explicit_ = false;
    } else if (!v->is_string()) {
      return Malformed("@vocab must be a string or null");
    } else {
      CIVITAS_RETURN_IF_ERROR(SetVocab(View(v->get_string())));
    }
  }
  Defined defined;
  for (const json::key_value_pair& member : local) {
    std::string_view term = member.key();
    if (term.starts_with('@')) continue;  // keywords above; other @-forms are ignored by JSON-LD
    CIVITAS_RETURN_IF_ERROR(DefineTerm(local, term, context_protected, defined, 0));
  }
  return Status::Ok();
}

Status Processor::DefineTerm(const json::object& local, std::string_view term,
                             bool context_protected, Defined& defined, int depth) {
  if (auto it = defined.find(term); it != defined.end()) {
    return it->second ? Status::Ok()
                      : Malformed("cyclic IRI mapping: term \"" + std::string(term) +
                                  "\" is defined through itself");
  }
  if (depth > kMaxTermDepth) {
    return Malformed("term definitions depend on each other more than " +
                     std::to_string(kMaxTermDepth) + " levels deep (at \"" + std::string(term) +
                     "\")");
  }
  if (term.empty()) return Malformed("a term may not be the empty string");
  if (term.starts_with('@')) return Status::Ok();
  const json::value* value = local.if_contains(term);
  if (value == nullptr) return Status::Ok();  // only called for members of local
  defined[term] = false;
  // Later definitions replace earlier ones, protected or not: the core context, applied last,
  // is what keeps the NGSI-LD terms fixed.
  terms_.erase(term);

  auto bad_term = [&](std::string_view what) {
    return Malformed("term \"" + std::string(term) + "\": " + std::string(what));
  };
  TermDefinition definition;
  definition.is_protected = context_protected;
  std::optional<std::string_view> id;
  bool id_null = value->is_null();
  std::optional<bool> prefix_flag;
  if (value->is_string()) {
    id = View(value->get_string());
  } else if (value->is_object()) {
    const json::object& def = value->get_object();
    if (const json::value* v = def.if_contains("@id")) {
      if (v->is_string()) {
        id = View(v->get_string());
      } else if (v->is_null()) {
        id_null = true;
      } else {
        return bad_term("@id must be a string or null");
      }
    }
    if (const json::value* v = def.if_contains("@reverse")) {
      if (!v->is_string()) return bad_term("@reverse must be a string");
      if (!id) id = View(v->get_string());
    }
    if (const json::value* v = def.if_contains("@type")) {
      if (!v->is_string()) return bad_term("@type must be a string");
      std::string_view type = View(v->get_string());
      if (type == "@id" || type == "@vocab" || type == "@json" || type == "@none") {
        definition.type = std::string(type);
      } else {
        CIVITAS_ASSIGN_OR_RETURN(std::string iri,
                                 ExpandIri(&local, type, context_protected, &defined, depth + 1));
        definition.type = std::move(iri);
      }
    }
    if (const json::value* v = def.if_contains("@container")) {
      if (v->is_string()) {
        definition.container = std::string(View(v->get_string()));
      } else if (v->is_array()) {
        for (const json::value& c : v->get_array()) {
          if (!c.is_string()) return bad_term("@container entries must be strings");
          if (!definition.container.empty()) definition.container += ',';
          definition.container += View(c.get_string());
        }
      } else {
        return bad_term("@container must be a string or an array of strings");
      }
    }
    if (const json::value* v = def.if_contains("@prefix")) {
      if (!v->is_bool()) return bad_term("@prefix must be true or false");
      prefix_flag = v->get_bool();
    }
    if (const json::value* v = def.if_contains("@protected")) {
      if (!v->is_bool()) return bad_term("@protected must be true or false");
      definition.is_protected = v->get_bool();
    }
    // @context (scoped contexts), @language, @direction, @index and @nest do not change how
    // NGSI-LD expands attribute names and types, so they are accepted and ignored.
  } else if (!id_null) {
    return bad_term("a definition must be a string, an object or null, not a " +
                    std::string(KindName(value->kind())));
  }
  if (id_null) {
    // An explicitly undefined term: it falls back to @vocab, like any term not defined.
    defined[term] = true;
    return Status::Ok();
  }

  // JSON-LD 1.1 §4.2.2 step 14: an @id equal to the term itself ("attributeCount":
  // "attributeCount" in the v1.8 core) is derived from the term like an absent @id.
  if (id && *id != term) {
    if (id->starts_with('@')) {
      if (!IsKeyword(*id)) {  // JSON-LD ignores definitions mapping to keyword-like strings
        defined[term] = true;
        return Status::Ok();
      }
      definition.iri = std::string(*id);
    } else {
      CIVITAS_ASSIGN_OR_RETURN(definition.iri,
                               ExpandIri(&local, *id, context_protected, &defined, depth + 1));
    }
  } else if (std::size_t colon = term.find(':'); colon != std::string_view::npos && colon > 0) {
    std::string_view prefix = term.substr(0, colon);
    std::string_view suffix = term.substr(colon + 1);
    definition.iri = std::string(term);
    if (prefix != "_" && !suffix.starts_with("//")) {
      if (local.contains(prefix)) {
        CIVITAS_RETURN_IF_ERROR(DefineTerm(local, prefix, context_protected, defined, depth + 1));
      }
      if (auto it = terms_.find(prefix); it != terms_.end()) {
        definition.iri = it->second.iri + std::string(suffix);
      }
    }
  } else {
    definition.iri = vocab_ + std::string(term);
  }
  if (!IsKeyword(definition.iri) && definition.iri.find(':') == std::string::npos) {
    return bad_term("does not map to an absolute IRI (\"" + definition.iri + "\")");
  }

  bool simple_name = term.find_first_of(":/") == std::string_view::npos;
  if (prefix_flag) {
    if (*prefix_flag && !simple_name) return bad_term("@prefix may not be true on a compact IRI");
    definition.prefix = *prefix_flag;
  } else {
    definition.prefix =
        simple_name && !IsKeyword(definition.iri) && EndsWithGenDelim(definition.iri);
  }
  terms_.insert_or_assign(std::string(term), std::move(definition));
  defined[term] = true;
  return Status::Ok();
}

Status Processor::SetVocab(std::string_view value) {
  CIVITAS_ASSIGN_OR_RETURN(std::string vocab, ExpandIri(nullptr, value, false, nullptr, 0));
  if (vocab.starts_with('@') || vocab.find(':') == std::string::npos) {
    return Malformed("@vocab must be an absolute IRI or a compact IRI, not \"" +
                     std::string(value) + "\"");
  }
  vocab_ = std::move(vocab);
  vocab_explicit_ = true;
  return Status::Ok();
}

Result<std::string> Processor::ExpandIri(const json::object* local, std::string_view value,
                                         bool context_protected, Defined* defined, int depth) {
  if (value.starts_with('@')) return std::string(value);
  if (local != nullptr && local->contains(value)) {
    auto it = defined->find(value);
    if (it == defined->end() || !it->second) {
      CIVITAS_RETURN_IF_ERROR(DefineTerm(*local, value, context_protected, *defined, depth));
    }
  }
  if (auto it = terms_.find(value); it != terms_.end()) return it->second.iri;
  if (std::size_t colon = value.find(':'); colon != std::string_view::npos) {
    std::string_view prefix = value.substr(0, colon);
    std::string_view suffix = value.substr(colon + 1);
    if (prefix == "_" || suffix.starts_with("//")) return std::string(value);
    if (local != nullptr && local->contains(prefix) && !defined->contains(prefix)) {
      CIVITAS_RETURN_IF_ERROR(DefineTerm(*local, prefix, context_protected, *defined, depth));
    }
    if (auto it = terms_.find(prefix); it != terms_.end() && it->second.prefix) {
      return it->second.iri + std::string(suffix);
    }
    if (IsScheme(prefix)) return std::string(value);
  }
  return vocab_ + std::string(value);
}

}  // namespace

Result<std::shared_ptr<const ActiveContext>> ProcessContext(const json::value& context,
                                                            const json::value& core,
                                                            const DocumentLoader& loader,
                                                            json::value source) {
  Processor processor(loader);
  CIVITAS_RETURN_IF_ERROR(processor.Process(context, 0));
  // The request's own @vocab, if it set one, outlives the core context's default vocabulary;
  // its term definitions do not outlive the core's.
  std::optional<std::string> request_vocab;
  if (processor.vocab_explicit()) request_vocab = processor.vocab();
  CIVITAS_RETURN_IF_ERROR(processor.Process(core, 0));
  if (request_vocab) {
    // The core context is in force for every request, so a vocabulary written under one of its
    // prefixes ("ngsi-ld:...") means what it would had the core come first: kept verbatim, it
    // would read as that compact IRI wherever it is written back. Only the core's terms apply:
    // the request's own come after its @vocab, as JSON-LD has it.
    Processor core_only(loader);
    CIVITAS_RETURN_IF_ERROR(core_only.Process(core, 0));
    CIVITAS_RETURN_IF_ERROR(core_only.SetVocab(*request_vocab));
    processor.set_vocab(core_only.vocab());
  }
  std::string vocab = processor.vocab();
  auto active =
      std::make_shared<ActiveContext>(processor.TakeTerms(), std::move(vocab), std::move(source));
  // What is left is JSON-LD's "IRI confused with prefix": no way to write the vocabulary that
  // expands back to it.
  if (active->ExpandTerm(active->CompactIri(active->vocab())) != active->vocab()) {
    return BadRequestData("invalid JSON-LD context in the request's @context: @vocab \"" +
                          active->vocab() +
                          "\" reads as a compact IRI under this context; write it as a full IRI");
  }
  return std::shared_ptr<const ActiveContext>(std::move(active));
}

}  // namespace civitas::model::internal
