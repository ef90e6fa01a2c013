#include <absl/base/thread_annotations.h>
#include <absl/container/flat_hash_map.h>
#include <absl/synchronization/mutex.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "civitas/core/check.h"
#include "civitas/model/context.h"
#include "src/model/bundled_contexts.h"
#include "src/model/context_processing.h"

namespace civitas::model {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

// Resolved contexts kept for reuse. Requests cite few distinct contexts, so these bounds are
// rarely reached; past them arbitrary entries are evicted. The term budget (a few hundred bytes
// per term, so tens of MB at most) stops large inline contexts from making the cache huge; a
// context larger than the whole budget is not cached.
constexpr std::size_t kMaxCachedContexts = 1024;
constexpr std::size_t kMaxCachedTerms = 256 * 1024;
constexpr std::string_view kHostedUrlPrefix = "urn:ngsi-ld:jsonldContext:";
constexpr std::string_view kHosted = "Hosted";
constexpr std::string_view kCached = "Cached";

std::uint64_t Fnv1a64(std::string_view s) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string Hex16(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016" PRIx64, v);
  return buf;
}

Result<json::value> ParseJson(std::string_view text, const std::string& what) {
  boost::system::error_code ec;
  json::value value = json::parse(json::string_view(text.data(), text.size()), ec);
  if (ec) return BadRequestData(what + " is not valid JSON: " + ec.message());
  return value;
}

Status CheckDocumentShape(const json::value& document, const std::string& what) {
  if (!document.is_object() || !document.get_object().contains("@context")) {
    return BadRequestData(what + " must be a JSON object with an \"@context\" member");
  }
  return Status::Ok();
}

class InMemoryContextStore final : public ContextStore {
 public:
  InMemoryContextStore() {
    loader_ = [this](std::string_view url) { return Load(url); };
  }
  InMemoryContextStore(const InMemoryContextStore&) = delete;
  InMemoryContextStore& operator=(const InMemoryContextStore&) = delete;

  // Registers the bundled documents and builds the core context. Called once, before sharing.
  Status LoadBundled();
  // Registers a document of kind "Cached" at url, replacing any earlier one at that URL.
  void AddCached(std::string url, json::value document);

  std::shared_ptr<const Context> Core() const override { return core_; }
  Result<std::shared_ptr<const Context>> Resolve(const json::value& context) override;
  Result<HostedContext> Add(const json::value& document) override;
  Status Restore(std::string_view id, const json::value& document) override {
    // Ids derive from the content, so re-adding the document yields the id it had.
    CIVITAS_ASSIGN_OR_RETURN(HostedContext added, Add(document));
    if (added.id != id) {
      return Internal("hosted context " + std::string(id) + " came back as " + added.id);
    }
    return Status::Ok();
  }
  Result<HostedContext> Get(std::string_view id_or_url) const override;
  std::vector<HostedContext> List() const override;
  Status Remove(std::string_view id_or_url) override;

 private:
  using Entry = std::shared_ptr<const HostedContext>;

  Result<std::shared_ptr<const json::value>> Load(std::string_view url) const;
  Entry Find(std::string_view id_or_url) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // The entry an url_by_id_ iterator names; the two maps always agree.
  template <typename It>
  const Entry& ById(It it) const ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    auto entry = by_url_.find(it->second);
    CIVITAS_CHECK(entry != by_url_.end());
    return entry->second;
  }

  // Set up in LoadBundled before the store is shared; immutable afterwards.
  json::value core_context_;  // the core document's "@context" member
  std::shared_ptr<const Context> core_;
  internal::DocumentLoader loader_;

  // Lock order: never hold mu_ and cache_mu_ together.
  mutable absl::Mutex mu_;
  internal::StringMap<std::string, Entry> by_url_ ABSL_GUARDED_BY(mu_);
  internal::StringMap<std::string, std::string> url_by_id_ ABSL_GUARDED_BY(mu_);

  absl::Mutex cache_mu_;
  // Keyed by the serialized @context value.
  struct Cached {
    std::shared_ptr<const Context> context;
    std::size_t terms;  // its cost against kMaxCachedTerms
  };
  internal::StringMap<std::string, Cached> cache_ ABSL_GUARDED_BY(cache_mu_);
  std::size_t cached_terms_ ABSL_GUARDED_BY(cache_mu_) = 0;
  // Bumped by Remove: a Resolve that started before it must not cache what it built.
  std::uint64_t cache_generation_ ABSL_GUARDED_BY(cache_mu_) = 0;
};

Status InMemoryContextStore::LoadBundled() {
  for (internal::BundledContext& bundled : internal::BundledContexts()) {
    Result<json::value> document = ParseJson(bundled.text, "bundled context " + bundled.url);
    if (!document.ok()) return Internal(document.status().message());
    AddCached(std::move(bundled.url), std::move(document).value());
  }
  Result<std::shared_ptr<const json::value>> core = Load(kCoreContextUrl);
  if (!core.ok() || !(*core)->is_object() || !(*core)->get_object().contains("@context")) {
    return Internal("the bundled core context " + std::string(kCoreContextUrl) + " is missing");
  }
  core_context_ = *(*core)->get_object().if_contains("@context");
  Result<std::shared_ptr<const internal::ActiveContext>> built = internal::ProcessContext(
      json::value(), core_context_, loader_, json::value(json::string(kCoreContextUrl)));
  if (!built.ok()) return Internal("the bundled core context: " + built.status().message());
  core_ = std::move(built).value();
  return Status::Ok();
}

void InMemoryContextStore::AddCached(std::string url, json::value document) {
  std::string id = Hex16(Fnv1a64(url));
  auto entry = std::make_shared<const HostedContext>(
      HostedContext{id, url, std::string(kCached), std::move(document)});
  absl::MutexLock lock(&mu_);
  url_by_id_[id] = url;
  by_url_[std::move(url)] = std::move(entry);
}

Result<std::shared_ptr<const json::value>> InMemoryContextStore::Load(std::string_view url) const {
  Entry entry;
  {
    absl::ReaderMutexLock lock(&mu_);
    if (auto it = by_url_.find(url); it != by_url_.end()) entry = it->second;
  }
  if (!entry) {
    return Status(StatusCode::kLdContextNotAvailable,
                  "@context " + std::string(url) +
                      " is not in the broker's local context store (the broker never fetches "
                      "contexts from the network); add it with --context-dir or "
                      "POST /ngsi-ld/v1/jsonldContexts");
  }
  // Aliasing: the document lives as long as the entry, even if it is removed meanwhile.
  return std::shared_ptr<const json::value>(entry, &entry->document);
}

Result<std::shared_ptr<const Context>> InMemoryContextStore::Resolve(const json::value& context) {
  if (context.is_null()) return core_;
  if (context.is_string() && context.get_string() == kCoreContextUrl) return core_;
  std::string key = json::serialize(context);
  std::uint64_t generation;
  {
    absl::MutexLock lock(&cache_mu_);
    if (auto it = cache_.find(key); it != cache_.end()) return it->second.context;
    generation = cache_generation_;
  }
  // Built without holding a lock: processing loads documents under mu_ and may take a while.
  // The source is copied into the default storage: `context` may live in a request's arena,
  // which must not outlive the request nor be allocated from by the threads sharing the cache.
  CIVITAS_ASSIGN_OR_RETURN(std::shared_ptr<const internal::ActiveContext> built,
                           internal::ProcessContext(context, core_context_, loader_,
                                                    json::value(context, json::storage_ptr())));
  std::size_t terms = built->terms().size() + 1;
  std::shared_ptr<const Context> context_ptr = std::move(built);
  absl::MutexLock lock(&cache_mu_);
  if (generation != cache_generation_ || terms > kMaxCachedTerms) {
    return context_ptr;
  }
  // A concurrent Resolve of the same value may have won; hand out its pointer so equal inputs
  // share one Context.
  if (auto it = cache_.find(key); it != cache_.end()) return it->second.context;
  while (!cache_.empty() &&
         (cache_.size() >= kMaxCachedContexts || cached_terms_ + terms > kMaxCachedTerms)) {
    cached_terms_ -= cache_.begin()->second.terms;
    cache_.erase(cache_.begin());
  }
  cached_terms_ += terms;
  cache_.emplace(std::move(key), Cached{context_ptr, terms});
  return context_ptr;
}

Result<ContextStore::HostedContext> InMemoryContextStore::Add(const json::value& document) {
  CIVITAS_RETURN_IF_ERROR(CheckDocumentShape(document, "a JSON-LD context document"));
  // Validates the context, including the remote contexts it cites, before accepting it.
  CIVITAS_RETURN_IF_ERROR(internal::ProcessContext(*document.get_object().if_contains("@context"),
                                                   core_context_, loader_, json::value())
                              .status());
  // The id derives from the content, so re-adding a document (e.g. after a restart) gives it
  // back its id and URL; adding identical content twice returns the existing entry.
  std::string serialized = json::serialize(document);
  absl::MutexLock lock(&mu_);
  for (std::uint64_t salt = 0;; ++salt) {
    std::string id = Hex16(Fnv1a64(serialized) + salt);
    auto it = url_by_id_.find(id);
    if (it != url_by_id_.end()) {
      const Entry& existing = ById(it);
      if (existing->kind == kHosted && existing->document == document) return *existing;
      continue;  // a 64-bit collision with other content: take the next id
    }
    std::string url = std::string(kHostedUrlPrefix) + id;
    // In the default storage, as the cached contexts' sources (Resolve).
    auto entry = std::make_shared<const HostedContext>(
        HostedContext{id, url, std::string(kHosted), json::value(document, json::storage_ptr())});
    url_by_id_.emplace(id, url);
    by_url_.emplace(std::move(url), entry);
    return *entry;
  }
}

InMemoryContextStore::Entry InMemoryContextStore::Find(std::string_view id_or_url) const {
  if (auto it = url_by_id_.find(id_or_url); it != url_by_id_.end()) {
    return ById(it);
  }
  if (auto it = by_url_.find(id_or_url); it != by_url_.end()) return it->second;
  return nullptr;
}

Result<ContextStore::HostedContext> InMemoryContextStore::Get(std::string_view id_or_url) const {
  absl::ReaderMutexLock lock(&mu_);
  Entry entry = Find(id_or_url);
  if (!entry) return NotFound("no JSON-LD context with id or URL " + std::string(id_or_url));
  return *entry;
}

std::vector<ContextStore::HostedContext> InMemoryContextStore::List() const {
  std::vector<HostedContext> out;
  {
    absl::ReaderMutexLock lock(&mu_);
    out.reserve(by_url_.size());
    for (const auto& [url, entry] : by_url_) out.push_back(*entry);
  }
  std::sort(out.begin(), out.end(), [](const HostedContext& a, const HostedContext& b) {
    return std::tie(a.kind, a.url) < std::tie(b.kind, b.url);
  });
  return out;
}

Status InMemoryContextStore::Remove(std::string_view id_or_url) {
  {
    absl::MutexLock lock(&mu_);
    Entry entry = Find(id_or_url);
    if (!entry) return NotFound("no JSON-LD context with id or URL " + std::string(id_or_url));
    if (entry->kind != kHosted) {
      return BadRequestData("JSON-LD context " + entry->url +
                            " is bundled with the broker or loaded from --context-dir and "
                            "cannot be deleted");
    }
    url_by_id_.erase(entry->id);
    by_url_.erase(entry->url);
  }
  // Contexts built from the removed document must not be served any more.
  absl::MutexLock lock(&cache_mu_);
  ++cache_generation_;
  cache_.clear();
  cached_terms_ = 0;
  return Status::Ok();
}

// Reads context_dir into `store`. See OpenContextStore for the layout.
Status LoadContextDir(const std::string& context_dir, InMemoryContextStore& store) {
  std::error_code ec;
  fs::path dir = fs::absolute(context_dir, ec);
  if (ec) return IoError("cannot read context dir " + context_dir + ": " + ec.message());
  std::vector<fs::path> files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path& path = it->path();
    std::string ext = path.extension().string();
    if (path.filename() == "urls.json" || (ext != ".jsonld" && ext != ".json")) continue;
    if (it->is_regular_file(ec)) files.push_back(path);
  }
  if (ec) return IoError("cannot read context dir " + dir.string() + ": " + ec.message());
  std::sort(files.begin(), files.end());

  auto read = [](const fs::path& path) -> Result<std::string> {
    std::ifstream in(path, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) return IoError("cannot read " + path.string());
    return text;
  };

  // file name → the URLs it is served at, from urls.json when present.
  std::map<std::string, std::vector<std::string>> urls_by_file;
  fs::path urls_path = dir / "urls.json";
  if (fs::exists(urls_path, ec)) {
    CIVITAS_ASSIGN_OR_RETURN(std::string text, read(urls_path));
    CIVITAS_ASSIGN_OR_RETURN(json::value urls, ParseJson(text, urls_path.string()));
    if (!urls.is_object()) {
      return BadRequestData(urls_path.string() + " must be an object {\"<url>\": \"<file name>\"}");
    }
    for (const json::key_value_pair& member : urls.get_object()) {
      if (!member.value().is_string()) {
        return BadRequestData(urls_path.string() + ": the file name for " +
                              std::string(member.key()) + " must be a string");
      }
      std::string file(member.value().get_string());
      if (std::find(files.begin(), files.end(), dir / file) == files.end()) {
        return BadRequestData(urls_path.string() + " maps " + std::string(member.key()) + " to " +
                              file + ", which is not a *.jsonld or *.json file in " + dir.string());
      }
      urls_by_file[file].emplace_back(member.key());
    }
  }

  std::vector<std::pair<std::string, std::string>> loaded;  // url, file
  for (const fs::path& path : files) {
    CIVITAS_ASSIGN_OR_RETURN(std::string text, read(path));
    CIVITAS_ASSIGN_OR_RETURN(json::value document, ParseJson(text, path.string()));
    CIVITAS_RETURN_IF_ERROR(CheckDocumentShape(document, path.string()));
    auto it = urls_by_file.find(path.filename().string());
    std::vector<std::string> urls =
        it != urls_by_file.end() ? it->second : std::vector<std::string>{"file://" + path.string()};
    for (std::string& url : urls) {
      loaded.emplace_back(url, path.string());
      store.AddCached(std::move(url), document);
    }
  }
  // Fail at start-up, not on the first request that cites a broken file.
  for (const auto& [url, file] : loaded) {
    Result<std::shared_ptr<const Context>> resolved = store.Resolve(json::value(json::string(url)));
    if (!resolved.ok()) {
      return Status(resolved.status().code(), file + ": " + resolved.status().message());
    }
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<ContextStore>> OpenContextStore(const std::string& context_dir) {
  auto store = std::make_unique<InMemoryContextStore>();
  CIVITAS_RETURN_IF_ERROR(store->LoadBundled());
  if (!context_dir.empty()) CIVITAS_RETURN_IF_ERROR(LoadContextDir(context_dir, *store));
  return std::unique_ptr<ContextStore>(std::move(store));
}

}  // namespace civitas::model
