#pragma once

// Integration-test harness: runs the real `civitas` binary on 127.0.0.1 (port 0) against a
// fresh temporary data dir, and talks to it over real HTTP with Boost.Beast.

#include <sys/types.h>

#include <boost/json.hpp>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace civitas::testing {

// Every ServerProcess gets this as CIVITAS_ADMIN_TOKEN, and every HttpClient sends it unless
// told otherwise, so tests that are not about security run as admin with auth on.
inline constexpr const char* kTestAdminToken = "civitas-test-admin-token-0123456789";

struct HttpResult {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names; repeats joined by ", "
  std::string body;

  boost::json::value Json() const;  // parsed body; aborts the test on invalid JSON
  std::string Header(const std::string& lower_name) const;
};

// One keep-alive connection. Not thread-safe; use one per thread.
class HttpClient {
 public:
  // With `tolerate_disconnects`, a refused or dropped connection yields status 0 instead of a
  // test failure (for tests that kill the server on purpose).
  explicit HttpClient(int port, bool tolerate_disconnects = false);
  ~HttpClient();
  HttpResult Send(const std::string& method, const std::string& target,
                  const std::string& body = "",
                  const std::map<std::string, std::string>& headers = {});
  // Shorthands with Content-Type application/json.
  HttpResult Get(const std::string& target, const std::map<std::string, std::string>& headers = {});
  HttpResult Post(const std::string& target, const boost::json::value& body,
                  const std::map<std::string, std::string>& headers = {});
  HttpResult Patch(const std::string& target, const boost::json::value& body,
                   const std::map<std::string, std::string>& headers = {});
  HttpResult Put(const std::string& target, const boost::json::value& body,
                 const std::map<std::string, std::string>& headers = {});
  HttpResult Delete(const std::string& target,
                    const std::map<std::string, std::string>& headers = {});

  // The bearer token sent with every request ("" sends no Authorization header); a request's
  // own "Authorization" header wins. Default: kTestAdminToken.
  void SetBearer(std::string token) { bearer_ = std::move(token); }
  // Connect from this local address (e.g. "127.0.0.2") instead of the kernel's choice.
  void SetSourceAddress(std::string address) { source_address_ = std::move(address); }

 private:
  struct Connection;
  int port_;
  bool tolerate_disconnects_;
  std::string bearer_ = kTestAdminToken;
  std::string source_address_;
  std::unique_ptr<Connection> connection_;
};

// Starts argv[0] (argv ends with nullptr) with environment `envp`; its stdout is `stdout_fd`
// (-1: ours), its stderr appends to `stderr_file` (empty: ours). The child is killed when this
// process dies (PR_SET_PDEATHSIG), so a test that crashes leaves no server holding ctest's
// pipes open (ctest would wait for them until its timeout). -1 when fork fails.
pid_t SpawnTiedChild(const std::vector<char*>& argv, char* const* envp, int stdout_fd = -1,
                     const std::filesystem::path& stderr_file = {});

// The civitas server as a child process.
class ServerProcess {
 public:
  // Starts `civitas <command>` (serve, or demo: anything that takes --data-dir, --http and
  // --log-level and prints the "listening" line) on a free port with `data_dir`; waits for its
  // "listening" line. With `stderr_file`, the server's log goes there (tests that inspect it)
  // instead of ours.
  explicit ServerProcess(std::filesystem::path data_dir, std::vector<std::string> extra_args = {},
                         std::string command = "serve", std::filesystem::path stderr_file = {});
  ~ServerProcess();  // SIGTERM, then wait

  int port() const { return port_; }
  void Kill();      // SIGKILL and reap: a crash
  int Terminate();  // SIGTERM and reap; the exit status

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

// A fresh directory under the system temp dir, removed with the object.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// The path of the civitas binary under test (CIVITAS_BINARY, set by CMake).
std::string CivitasBinary();

// Runs `civitas <args>` to its end (for commands that exit by themselves, or fail to start);
// returns the exit status (-1 if it did not exit normally) and what it printed on stdout and
// stderr.
std::pair<int, std::string> RunCivitas(const std::string& args);

}  // namespace civitas::testing
