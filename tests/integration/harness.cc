#include "harness.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdio>
#include <cstdlib>
#include <random>

extern char** environ;

namespace civitas::testing {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

boost::json::value HttpResult::Json() const {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (ec) {
    ADD_FAILURE() << "response body is not JSON: " << body;
    return nullptr;
  }
  return v;
}

std::string HttpResult::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? "" : it->second;
}

struct HttpClient::Connection {
  net::io_context ioc;
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;
};

HttpClient::HttpClient(int port, bool tolerate_disconnects)
    : port_(port), tolerate_disconnects_(tolerate_disconnects) {}
HttpClient::~HttpClient() = default;

HttpResult HttpClient::Send(const std::string& method, const std::string& target,
                            const std::string& body,
                            const std::map<std::string, std::string>& headers) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!connection_) {
      connection_ = std::make_unique<Connection>();
      net::ip::tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), port_);
      beast::error_code ec;
      if (!source_address_.empty()) {
        auto& socket = connection_->stream.socket();
        socket.open(net::ip::tcp::v4(), ec);
        if (!ec) socket.bind({net::ip::make_address(source_address_), 0}, ec);
      }
      if (!ec) connection_->stream.connect(endpoint, ec);
      if (ec) {
        connection_.reset();
        if (tolerate_disconnects_) return {};
        ADD_FAILURE() << "cannot connect to 127.0.0.1:" << port_ << ": " << ec.message();
        return {};
      }
    }
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, "127.0.0.1");
    if (!bearer_.empty()) req.set(http::field::authorization, "Bearer " + bearer_);
    for (const auto& [name, value] : headers) {
      if (value.empty()) {
        req.erase(name);  // {"Authorization", ""}: send none
      } else {
        req.set(name, value);
      }
    }
    if (!body.empty()) {
      if (headers.find("Content-Type") == headers.end()) {
        req.set(http::field::content_type, "application/json");
      }
      req.body() = body;
    }
    req.prepare_payload();
    beast::error_code ec;
    http::write(connection_->stream, req, ec);
    http::response_parser<http::string_body> parser;
    parser.body_limit(1u << 30);
    if (!ec) http::read(connection_->stream, connection_->buffer, parser, ec);
    if (ec) {
      connection_.reset();  // the server closed a kept-alive connection: retry once afresh
      continue;
    }
    auto res = parser.release();
    HttpResult result;
    result.status = static_cast<int>(res.result_int());
    for (const auto& field : res) {
      std::string name(field.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      // A repeated field is one list, as HTTP defines it.
      auto [it, inserted] = result.headers.emplace(name, std::string(field.value()));
      if (!inserted) it->second.append(", ").append(field.value());
    }
    result.body = std::move(res.body());
    if (!res.keep_alive()) connection_.reset();
    return result;
  }
  if (!tolerate_disconnects_) ADD_FAILURE() << method << " " << target << ": no response";
  return {};
}

HttpResult HttpClient::Get(const std::string& target, const std::map<std::string, std::string>& h) {
  return Send("GET", target, "", h);
}
HttpResult HttpClient::Post(const std::string& target, const boost::json::value& body,
                            const std::map<std::string, std::string>& h) {
  return Send("POST", target, boost::json::serialize(body), h);
}
HttpResult HttpClient::Patch(const std::string& target, const boost::json::value& body,
                             const std::map<std::string, std::string>& h) {
  return Send("PATCH", target, boost::json::serialize(body), h);
}
HttpResult HttpClient::Put(const std::string& target, const boost::json::value& body,
                           const std::map<std::string, std::string>& h) {
  return Send("PUT", target, boost::json::serialize(body), h);
}
HttpResult HttpClient::Delete(const std::string& target,
                              const std::map<std::string, std::string>& h) {
  return Send("DELETE", target, "", h);
}

std::string CivitasBinary() {
  const char* path = std::getenv("CIVITAS_BINARY");
  return path != nullptr ? path : "civitas";
}

std::pair<int, std::string> RunCivitas(const std::string& args) {
  FILE* pipe = popen((CivitasBinary() + " " + args + " 2>&1").c_str(), "r");
  EXPECT_NE(pipe, nullptr);
  std::string output;
  char buffer[512];
  while (pipe && std::fgets(buffer, sizeof buffer, pipe)) output += buffer;
  int status = pipe ? pclose(pipe) : -1;
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

pid_t SpawnTiedChild(const std::vector<char*>& argv, char* const* envp, int stdout_fd,
                     const std::filesystem::path& stderr_file) {
  const pid_t parent = getpid();
  const std::string stderr_path = stderr_file.string();
  const pid_t pid = fork();
  if (pid != 0) return pid;
  // The child, until exec: async-signal-safe calls only. The death signal is armed after the
  // fork, so a parent that died in between is caught by the ppid check.
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) _exit(127);
  if (stdout_fd >= 0 && dup2(stdout_fd, STDOUT_FILENO) < 0) _exit(127);
  if (!stderr_path.empty()) {
    const int fd = open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd < 0 || dup2(fd, STDERR_FILENO) < 0) _exit(127);
    close(fd);
  }
  execve(argv[0], argv.data(), envp);
  _exit(127);
}

ServerProcess::ServerProcess(std::filesystem::path data_dir, std::vector<std::string> extra_args,
                             std::string command, std::filesystem::path stderr_file) {
  int pipe_fds[2];
  // Close-on-exec: the child keeps only the copy made its stdout.
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe failed";
    return;
  }
  std::vector<std::string> args = {CivitasBinary(),   command,  "--data-dir",
                                   data_dir.string(), "--http", "127.0.0.1:0"};
  // Quiet by default; a test may ask for another level.
  if (std::find(extra_args.begin(), extra_args.end(), "--log-level") == extra_args.end()) {
    args.insert(args.end(), {"--log-level", "warn"});
  }
  // Tests poll as fast as the server answers; the default per-address limit (5,000/s) is for
  // the open network. Rate-limit tests set their own.
  if (command == "serve" &&
      std::find(extra_args.begin(), extra_args.end(), "--rate-limit") == extra_args.end()) {
    args.insert(args.end(), {"--rate-limit", "1000000", "--rate-burst", "1000000"});
  }
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // The child's environment: ours plus the admin bootstrap token (unless a test set its own).
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
  if (std::getenv("CIVITAS_ADMIN_TOKEN") == nullptr) {
    env_strings.push_back(std::string("CIVITAS_ADMIN_TOKEN=") + kTestAdminToken);
  }
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_ = SpawnTiedChild(argv, envp.data(), pipe_fds[1], stderr_file);
  close(pipe_fds[1]);
  if (pid_ < 0) {
    close(pipe_fds[0]);
    ADD_FAILURE() << "cannot start " << args[0];
    pid_ = -1;
    return;
  }
  // The server prints "civitas listening on http://127.0.0.1:PORT" once it accepts requests.
  FILE* out = fdopen(pipe_fds[0], "r");
  char line[256];
  while (fgets(line, sizeof line, out) != nullptr) {
    std::string text(line);
    auto pos = text.rfind(':');
    if (text.find("listening on") != std::string::npos && pos != std::string::npos) {
      port_ = std::atoi(text.c_str() + pos + 1);
      break;
    }
  }
  fclose(out);
  if (port_ == 0) ADD_FAILURE() << "the server exited before listening";
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) Terminate();
}

void ServerProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

int ServerProcess::Terminate() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return status;
}

TempDir::TempDir() {
  std::random_device random;
  path_ = std::filesystem::temp_directory_path() /
          ("civitas-test-" + std::to_string(getpid()) + "-" + std::to_string(random()));
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace civitas::testing
