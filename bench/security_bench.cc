// What authentication and authorisation add to a request: the gate end to end (AccessControl
// in front of a real broker on RocksDB, API key, GET /ngsi-ld/v1/types) against the bare
// broker, and the pieces: API key verification, JWT verification cached and uncached, the
// rate limiter.
//
//   build/<preset>/bench/security_bench
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>

#include "civitas/api/access_control.h"
#include "src/security/jwt_test_keys.h"

namespace civitas {
namespace {

using security::testing::MakeJwt;
using security::testing::TestKey;

// The limiter still runs on every request, but never refuses one.
api::AccessOptions Unlimited() {
  api::AccessOptions options;
  options.per_address = options.per_principal = {.capacity = 1e12, .refill_per_second = 1e12};
  return options;
}

struct BenchServer {
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("civitas-security-bench-" + std::to_string(::getpid()));
  std::unique_ptr<store::Store> store;
  std::unique_ptr<model::ContextStore> contexts;
  std::unique_ptr<security::TokenStore> tokens;
  std::unique_ptr<security::AuditLog> audit;
  std::unique_ptr<api::Broker> broker;
  std::unique_ptr<api::AccessControl> gate;
  std::string api_key;

  BenchServer() {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    store = std::move(store::Store::Open({.data_dir = (dir / "db").string()})).value();
    contexts = std::move(model::OpenContextStore("")).value();
    tokens =
        std::move(security::TokenStore::Open(*store, dir / "token.key", Clock::System())).value();
    audit = std::make_unique<security::AuditLog>(*store, Clock::System());
    broker = std::make_unique<api::Broker>(*store, *contexts, Clock::System());
    gate = std::make_unique<api::AccessControl>(*broker, api::Credentials{.tokens = tokens.get()},
                                                *audit, Clock::System(), Unlimited());
    api_key = tokens->Create({.role = security::Role::kAnalyst, .tenants = {"default"}})->token;
  }
  ~BenchServer() {
    gate.reset();
    broker.reset();
    tokens.reset();
    audit.reset();
    store.reset();
    std::filesystem::remove_all(dir);
  }
};

BenchServer& Server() {
  static BenchServer server;
  return server;
}

api::HttpRequest TypesRequest(const std::string& bearer) {
  api::HttpRequest request{api::http::verb::get, "/ngsi-ld/v1/types", 11};
  if (!bearer.empty()) request.set(api::http::field::authorization, "Bearer " + bearer);
  return request;
}

void BM_BrokerBare(benchmark::State& state) {
  auto& s = Server();
  for (auto _ : state) {
    auto request = TypesRequest("");
    benchmark::DoNotOptimize(s.broker->Handle(request));
  }
}
BENCHMARK(BM_BrokerBare);

void BM_BrokerBehindGateWithApiKey(benchmark::State& state) {
  auto& s = Server();
  const api::Peer peer{.address = "127.0.0.1"};
  for (auto _ : state) {
    auto request = TypesRequest(s.api_key);
    auto reply = s.gate->Handle(request, peer);
    if (reply.response.result_int() >= 401 && reply.response.result_int() <= 429) {
      state.SkipWithError("the gate refused the request");
    }
    benchmark::DoNotOptimize(reply);
  }
}
BENCHMARK(BM_BrokerBehindGateWithApiKey);

void BM_ApiKeyVerify(benchmark::State& state) {
  auto& s = Server();
  for (auto _ : state) benchmark::DoNotOptimize(s.tokens->Verify(s.api_key));
}
BENCHMARK(BM_ApiKeyVerify);

std::string Claims(int i) {
  return R"({"sub":"u)" + std::to_string(i) +
         R"(","exp":4102444800,"roles":["analyst"],"tenants":["default"]})";
}

void BM_JwtHs256Cached(benchmark::State& state) {
  const std::string secret = "bench-secret-bench-secret-bench-secret";
  auto verifier = std::move(security::JwtVerifier::Create({.hs256_secret = secret})).value();
  std::string token = MakeJwt("HS256", Claims(0), nullptr, secret);
  const auto now = Clock::System().Now();
  for (auto _ : state) benchmark::DoNotOptimize(verifier->Verify(token, now));
}
BENCHMARK(BM_JwtHs256Cached);

// Every iteration verifies a token not seen before: the signature check itself.
void JwtUncached(benchmark::State& state, bool rsa) {
  TestKey key(rsa);
  auto verifier =
      std::move(security::JwtVerifier::Create({.public_key_pem = key.PublicPem()})).value();
  std::vector<std::string> tokens;
  for (int i = 0; i < 300; ++i) tokens.push_back(MakeJwt(rsa ? "RS256" : "ES256", Claims(i), &key));
  const auto now = Clock::System().Now();
  size_t i = 0;
  for (auto _ : state) {
    if (!verifier->Verify(tokens[i++], now).ok()) state.SkipWithError("verify failed");
  }
}
void BM_JwtRs256Uncached(benchmark::State& state) { JwtUncached(state, true); }
void BM_JwtEs256Uncached(benchmark::State& state) { JwtUncached(state, false); }
BENCHMARK(BM_JwtRs256Uncached)->Iterations(300);
BENCHMARK(BM_JwtEs256Uncached)->Iterations(300);

void BM_RateLimiterTake(benchmark::State& state) {
  security::RateLimiter limiter({.capacity = 1e12, .refill_per_second = 1e12});
  for (auto _ : state) benchmark::DoNotOptimize(limiter.Take("127.0.0.1"));
}
BENCHMARK(BM_RateLimiterTake);

}  // namespace
}  // namespace civitas

BENCHMARK_MAIN();
