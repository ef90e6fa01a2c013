#include "auth_support.h"

#include <gtest/gtest.h>
#include <openssl/hmac.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cstdio>
#include <fstream>

namespace civitas::testing {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

boost::json::object CreateToken(HttpClient& admin, const boost::json::object& spec) {
  auto r = admin.Post("/api/v1/tokens", spec);
  EXPECT_EQ(r.status, 201) << r.body;
  if (r.status != 201) return {};
  return r.Json().as_object();
}

int RunCli(const std::vector<std::string>& args, std::string& out) {
  std::string command = CivitasBinary();
  for (const auto& a : args) command += " '" + a + "'";
  command += " 2>/dev/null";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return -1;
  std::array<char, 4096> buf;
  out.clear();
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  int status = pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool MakeTestCertificate(const std::filesystem::path& dir) {
  std::string command =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
      "-days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 "
      "-keyout '" +
      (dir / "key.pem").string() + "' -out '" + (dir / "cert.pem").string() + "' >/dev/null 2>&1";
  return std::system(command.c_str()) == 0;
}

TlsResult HttpsGet(int port, const std::string& ca_file, const std::string& target,
                   const std::string& bearer, bool tls11_only) {
  TlsResult result;
  net::io_context ioc;
  net::ssl::context ctx(net::ssl::context::tls_client);
  ctx.set_verify_mode(net::ssl::verify_peer);
  ctx.load_verify_file(ca_file);
  if (tls11_only) {
    SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_1_VERSION);
    SSL_CTX_set_max_proto_version(ctx.native_handle(), TLS1_1_VERSION);
    SSL_CTX_set_security_level(ctx.native_handle(), 0);
  }
  beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
  stream.set_verify_callback(net::ssl::host_name_verification("127.0.0.1"));
  beast::error_code ec;
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(10));
  beast::get_lowest_layer(stream).connect(
      {net::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port)}, ec);
  if (ec) return result;
  stream.handshake(net::ssl::stream_base::client, ec);
  if (ec) return result;
  result.handshake_ok = true;
  http::request<http::string_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "127.0.0.1");
  if (!bearer.empty()) req.set(http::field::authorization, "Bearer " + bearer);
  http::write(stream, req, ec);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  if (!ec) http::read(stream, buffer, res, ec);
  if (ec) return result;
  result.status = static_cast<int>(res.result_int());
  result.body = res.body();
  return result;
}

bool ServerClosesWithin(int port, const std::string& bytes, std::chrono::seconds deadline) {
  net::io_context ioc;
  net::ip::tcp::socket socket(ioc);
  beast::error_code ec;
  socket.connect({net::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port)}, ec);
  if (ec) return false;
  net::write(socket, net::buffer(bytes), ec);
  if (ec) return false;
  // A blocking read with a receive timeout: returns 0 bytes (EOF) when the server closes.
  timeval tv{static_cast<time_t>(deadline.count()), 0};
  setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char buf[4096];
  for (;;) {
    ssize_t n = ::recv(socket.native_handle(), buf, sizeof buf, 0);
    if (n == 0) return true;
    if (n < 0) return errno == ECONNRESET;  // timeout (EAGAIN): the server kept it open
  }
}

std::string Base64Url(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(acc >> bits) & 63]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (6 - bits)) & 63]);
  return out;
}

std::string SignHs256(const std::string& secret, const std::string& claims) {
  auto b64 = Base64Url;
  std::string signed_part = b64(R"({"alg":"HS256","typ":"JWT"})") + "." + b64(claims);
  unsigned char mac[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(signed_part.data()), signed_part.size(), mac, &len);
  return signed_part + "." + b64(std::string_view(reinterpret_cast<char*>(mac), len));
}

namespace {

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string Shell(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  pclose(pipe);
  return out;
}

}  // namespace

bool MakeRsaKey(const std::filesystem::path& dir) {
  const std::string key = (dir / "rsa.pem").string();
  if (std::system(("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out '" + key +
                   "' >/dev/null 2>&1 && openssl pkey -in '" + key + "' -pubout -out '" +
                   (dir / "rsa_pub.pem").string() + "' >/dev/null 2>&1")
                      .c_str()) != 0) {
    return false;
  }
  // "Modulus=<hex>" → the JWK's n; e is 65537 (AQAB), openssl's default.
  std::string modulus = Shell("openssl rsa -in '" + key + "' -noout -modulus 2>/dev/null");
  auto eq = modulus.find('=');
  if (eq == std::string::npos) return false;
  std::string hex = modulus.substr(eq + 1);
  while (!hex.empty() && (hex.back() == '\n' || hex.back() == '\r')) hex.pop_back();
  std::string bytes;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  std::ofstream(dir / "jwks.json")
      << R"({"keys":[{"kty":"RSA","kid":"k1","n":")" << Base64Url(bytes) << R"(","e":"AQAB"}]})";
  return true;
}

std::string SignRs256(const std::filesystem::path& dir, const std::string& claims,
                      const std::string& kid) {
  std::string header = R"({"alg":"RS256","typ":"JWT")";
  if (!kid.empty()) header += R"(,"kid":")" + kid + "\"";
  header += "}";
  std::string signed_part = Base64Url(header) + "." + Base64Url(claims);
  std::ofstream(dir / "signing-input", std::ios::binary) << signed_part;
  std::system(("openssl dgst -sha256 -sign '" + (dir / "rsa.pem").string() + "' -out '" +
               (dir / "sig.bin").string() + "' '" + (dir / "signing-input").string() + "'")
                  .c_str());
  return signed_part + "." + Base64Url(ReadAll(dir / "sig.bin"));
}

}  // namespace civitas::testing
