#pragma once

// Helpers of the security integration tests: token creation over HTTP, a raw socket probe,
// the `civitas` CLI as a child process, and an HTTPS client verifying the server certificate.

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "harness.h"

namespace civitas::testing {

// POST /api/v1/tokens as admin; returns {"id", "token"} or fails the test.
boost::json::object CreateToken(HttpClient& admin, const boost::json::object& spec);

// Runs `civitas <args>`; returns the exit status and fills `out` with its stdout.
int RunCli(const std::vector<std::string>& args, std::string& out);

// Writes a fresh self-signed P-256 certificate for 127.0.0.1 (openssl CLI) into `dir`:
// dir/cert.pem, dir/key.pem. False when openssl fails.
bool MakeTestCertificate(const std::filesystem::path& dir);

struct TlsResult {
  bool handshake_ok = false;
  int status = 0;
  std::string body;
};
// One HTTPS GET that verifies the server against `ca_file` and the name 127.0.0.1.
// `max_tls12_only`/`tls11_only` pin the client's protocol version.
TlsResult HttpsGet(int port, const std::string& ca_file, const std::string& target,
                   const std::string& bearer, bool tls11_only = false);

// Connects, sends `bytes`, and returns true when the server closes the connection within
// `deadline` (without answering more than `max_response_bytes`).
bool ServerClosesWithin(int port, const std::string& bytes, std::chrono::seconds deadline);

// An HS256 JWT over `claims` (OpenSSL HMAC in the test).
std::string SignHs256(const std::string& secret, const std::string& claims);

// Base64url without padding.
std::string Base64Url(std::string_view bytes);

// An RS256 JWT over `claims` signed by `dir`/rsa.pem with the openssl CLI; `kid` optional.
// MakeRsaKey writes dir/rsa.pem, dir/rsa_pub.pem and dir/jwks.json (kid "k1").
bool MakeRsaKey(const std::filesystem::path& dir);
std::string SignRs256(const std::filesystem::path& dir, const std::string& claims,
                      const std::string& kid = "");

}  // namespace civitas::testing
