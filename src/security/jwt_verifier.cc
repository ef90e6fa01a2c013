#include "civitas/security/jwt_verifier.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <sodium.h>

#include <boost/json.hpp>

#include "src/security/base64url.h"

namespace civitas::security {
namespace json = boost::json;

struct JwtVerifier::Key {
  std::string kid;  // empty for a PEM key
  EVP_PKEY* pkey = nullptr;
  ~Key() { EVP_PKEY_free(pkey); }
  bool IsRsa() const { return EVP_PKEY_is_a(pkey, "RSA") == 1; }
  bool IsP256() const { return EVP_PKEY_is_a(pkey, "EC") == 1 && EVP_PKEY_get_bits(pkey) == 256; }
};

namespace {

constexpr size_t kMaxCacheEntries = 10000;
constexpr size_t kMaxTokenBytes = 16 * 1024;

Status Refused(std::string message) {
  return Status(StatusCode::kUnauthenticated, "JWT " + std::move(message));
}

EVP_PKEY* KeyFromParams(const char* type, OSSL_PARAM_BLD* bld) {
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
  EVP_PKEY* pkey = nullptr;
  if (params == nullptr || ctx == nullptr || EVP_PKEY_fromdata_init(ctx) != 1 ||
      EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) {
    pkey = nullptr;
  }
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  return pkey;
}

std::optional<std::string> Member(const json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return DecodeBase64Url(v->as_string());
}

// One JWK (RSA n/e or EC P-256 x/y) as an OpenSSL key; null when unusable.
EVP_PKEY* KeyFromJwk(const json::object& jwk) {
  const auto* kty = jwk.if_contains("kty");
  if (kty == nullptr || !kty->is_string()) return nullptr;
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  if (bld == nullptr) return nullptr;
  EVP_PKEY* pkey = nullptr;
  if (kty->as_string() == "RSA") {
    auto n = Member(jwk, "n");
    auto e = Member(jwk, "e");
    if (n && e && !n->empty() && !e->empty() && n->size() <= 1024 && e->size() <= 16) {
      BIGNUM* bn_n = BN_bin2bn(reinterpret_cast<const uint8_t*>(n->data()),
                               static_cast<int>(n->size()), nullptr);
      BIGNUM* bn_e = BN_bin2bn(reinterpret_cast<const uint8_t*>(e->data()),
                               static_cast<int>(e->size()), nullptr);
      if (bn_n != nullptr && bn_e != nullptr &&
          OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) == 1 &&
          OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) == 1) {
        pkey = KeyFromParams("RSA", bld);
      }
      BN_free(bn_n);
      BN_free(bn_e);
    }
  } else if (kty->as_string() == "EC") {
    const auto* crv = jwk.if_contains("crv");
    auto x = Member(jwk, "x");
    auto y = Member(jwk, "y");
    if (crv != nullptr && crv->is_string() && crv->as_string() == "P-256" && x && y &&
        x->size() == 32 && y->size() == 32) {
      std::string point = "\x04" + *x + *y;  // uncompressed SEC 1 point
      char group[] = "prime256v1";
      if (OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) == 1 &&
          OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                           point.size()) == 1) {
        pkey = KeyFromParams("EC", bld);
      }
    }
  }
  OSSL_PARAM_BLD_free(bld);
  return pkey;
}

// A JWS ES256 signature is r||s (32 bytes each); OpenSSL verifies DER.
std::optional<std::string> EcdsaDer(std::string_view raw) {
  if (raw.size() != 64) return std::nullopt;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const uint8_t*>(raw.data()), 32, nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const uint8_t*>(raw.data()) + 32, 32, nullptr);
  std::optional<std::string> out;
  if (sig != nullptr && r != nullptr && s != nullptr && ECDSA_SIG_set0(sig, r, s) == 1) {
    r = s = nullptr;  // owned by sig now
    uint8_t* der = nullptr;
    int len = i2d_ECDSA_SIG(sig, &der);
    if (len > 0) out.emplace(reinterpret_cast<char*>(der), static_cast<size_t>(len));
    OPENSSL_free(der);
  }
  BN_free(r);
  BN_free(s);
  ECDSA_SIG_free(sig);
  return out;
}

bool VerifyWithKey(EVP_PKEY* pkey, std::string_view data, std::string_view signature) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok =
      ctx != nullptr && EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, pkey) == 1 &&
      EVP_DigestVerify(ctx, reinterpret_cast<const uint8_t*>(signature.data()), signature.size(),
                       reinterpret_cast<const uint8_t*>(data.data()), data.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

}  // namespace

bool LooksLikeJwt(std::string_view token) {
  size_t first = token.find('.');
  if (first == std::string_view::npos) return false;
  size_t second = token.find('.', first + 1);
  return second != std::string_view::npos && token.find('.', second + 1) == std::string_view::npos;
}

JwtVerifier::JwtVerifier(JwtOptions options) : options_(std::move(options)) {}
JwtVerifier::~JwtVerifier() = default;

Result<std::unique_ptr<JwtVerifier>> JwtVerifier::Create(JwtOptions options) {
  if (sodium_init() < 0) return Internal("libsodium failed to initialise");
  std::unique_ptr<JwtVerifier> verifier(new JwtVerifier(std::move(options)));
  const JwtOptions& o = verifier->options_;
  if (!o.public_key_pem.empty()) {
    BIO* bio = BIO_new_mem_buf(o.public_key_pem.data(), static_cast<int>(o.public_key_pem.size()));
    EVP_PKEY* pkey = bio != nullptr ? PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr) : nullptr;
    BIO_free(bio);
    auto key = std::make_unique<Key>();
    key->pkey = pkey;
    if (pkey == nullptr || (!key->IsRsa() && !key->IsP256())) {
      return InvalidRequest("the JWT public key is not a PEM RSA or P-256 public key");
    }
    verifier->keys_.push_back(std::move(key));
  }
  if (!o.jwks.empty()) {
    json::parse_options parse_options;
    parse_options.max_depth = 8;
    boost::system::error_code ec;
    json::value doc = json::parse(o.jwks, ec, {}, parse_options);
    const json::value* keys =
        !ec && doc.is_object() ? doc.as_object().if_contains("keys") : nullptr;
    if (keys == nullptr || !keys->is_array()) {
      return InvalidRequest("the JWKS is not a JSON object with a 'keys' array");
    }
    for (const auto& jwk : keys->as_array()) {
      if (!jwk.is_object()) return InvalidRequest("a JWKS key is not an object");
      auto key = std::make_unique<Key>();
      key->pkey = KeyFromJwk(jwk.as_object());
      if (key->pkey == nullptr) {
        return InvalidRequest("a JWKS key is neither a usable RSA nor an EC P-256 public key");
      }
      if (const auto* kid = jwk.as_object().if_contains("kid"); kid && kid->is_string()) {
        key->kid = kid->as_string();
      }
      verifier->keys_.push_back(std::move(key));
    }
  }
  if (o.hs256_secret.empty() && verifier->keys_.empty()) {
    return InvalidRequest("JWT verification needs an HS256 secret, a public key or a JWKS");
  }
  return verifier;
}

Status JwtVerifier::CheckSignature(std::string_view alg, std::string_view kid,
                                   std::string_view signed_part, std::string_view signature) const {
  if (alg == "HS256") {
    if (options_.hs256_secret.empty()) return Refused("alg HS256 is not configured");
    crypto_auth_hmacsha256_state state;
    uint8_t mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_init(&state,
                                reinterpret_cast<const uint8_t*>(options_.hs256_secret.data()),
                                options_.hs256_secret.size());
    crypto_auth_hmacsha256_update(&state, reinterpret_cast<const uint8_t*>(signed_part.data()),
                                  signed_part.size());
    crypto_auth_hmacsha256_final(&state, mac);
    if (signature.size() != sizeof mac || sodium_memcmp(mac, signature.data(), sizeof mac) != 0) {
      return Refused("signature does not verify");
    }
    return Status::Ok();
  }
  const bool rsa = alg == "RS256";
  if (!rsa && alg != "ES256") return Refused("alg '" + std::string(alg) + "' is not accepted");
  std::optional<std::string> der;
  if (!rsa) {
    der = EcdsaDer(signature);
    if (!der) return Refused("ES256 signature is not 64 bytes");
  }
  bool any_key = false;
  for (const auto& key : keys_) {
    if (rsa ? !key->IsRsa() : !key->IsP256()) continue;
    if (!kid.empty() && !key->kid.empty() && key->kid != kid) continue;
    any_key = true;
    if (VerifyWithKey(key->pkey, signed_part, rsa ? signature : std::string_view(*der))) {
      return Status::Ok();
    }
  }
  if (!any_key) return Refused("no configured key for alg " + std::string(alg));
  return Refused("signature does not verify");
}

Result<Principal> JwtVerifier::Verify(std::string_view token, Timestamp now) const {
  if (token.size() > kMaxTokenBytes || !LooksLikeJwt(token)) return Refused("is malformed");
  uint8_t digest[32];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const uint8_t*>(token.data()),
                     token.size(), nullptr, 0);
  std::string cache_key(reinterpret_cast<const char*>(digest), sizeof digest);
  {
    absl::MutexLock lock(&mu_);
    auto it = cache_.find(cache_key);
    if (it != cache_.end()) {
      if (it->second.expires + options_.leeway > now) return it->second.principal;
      cache_.erase(it);
    }
  }
  size_t first = token.find('.');
  size_t second = token.find('.', first + 1);
  auto header_text = DecodeBase64Url(token.substr(0, first));
  auto claims_text = DecodeBase64Url(token.substr(first + 1, second - first - 1));
  auto signature = DecodeBase64Url(token.substr(second + 1));
  if (!header_text || !claims_text || !signature) return Refused("is not base64url");
  boost::system::error_code ec;
  json::value header = json::parse(*header_text, ec);
  if (ec || !header.is_object()) return Refused("header is not a JSON object");
  const auto* alg = header.as_object().if_contains("alg");
  if (alg == nullptr || !alg->is_string()) return Refused("header has no 'alg'");
  std::string_view kid;
  if (const auto* k = header.as_object().if_contains("kid"); k != nullptr && k->is_string()) {
    kid = k->as_string();
  }
  CIVITAS_RETURN_IF_ERROR(
      CheckSignature(alg->as_string(), kid, token.substr(0, second), *signature));
  CIVITAS_ASSIGN_OR_RETURN(Principal principal, PrincipalFromClaims(*claims_text, options_, now));
  absl::MutexLock lock(&mu_);
  // Crude bound: an attacker needs valid signed tokens to fill it; dropping all is safe.
  if (cache_.size() >= kMaxCacheEntries) cache_.clear();
  // A token not valid yet (nbf) was refused above; expiry is rechecked on every hit.
  cache_.emplace(std::move(cache_key), Cached{principal, *principal.expires});
  return principal;
}

}  // namespace civitas::security
