#include "serve.h"

#include <csignal>
#include <cstdio>
#include <thread>

#include "civitas/core/log.h"
#include "embedded_server.h"

namespace civitas::cli {

sigset_t BlockShutdownSignals() {
  // Signals are taken by one thread with sigwait, so no handler runs on a server thread. They
  // are blocked before any thread starts (RocksDB's, the store's sync thread): threads inherit
  // the mask, and a SIGTERM delivered to a thread that does not block it would kill the process.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

int ExitCodeOf(const Status& status) {
  return status.code() == StatusCode::kInvalidRequest ? 2 : 1;
}

int Serve(const ServeOptions& options) {
  sigset_t signals = BlockShutdownSignals();
  log::Init(options.log_level);
  auto server = EmbeddedServer::Start(options);
  if (!server.ok()) {
    spdlog::error("{}", server.status().message());
    return ExitCodeOf(server.status());
  }
  std::printf("civitas listening on %s://%s:%u\n", (*server)->scheme().c_str(),
              (*server)->host().c_str(), (*server)->port());
  std::fflush(stdout);
  spdlog::info("serving NGSI-LD on {}://{}:{} with data in {}", (*server)->scheme(),
               (*server)->host(), (*server)->port(), options.data_dir);

  std::thread signal_thread([&server, signals] {
    int received = 0;
    sigwait(&signals, &received);
    spdlog::info("signal {} received, shutting down", received);
    (*server)->Stop();
  });
  (*server)->Run();
  // Wake the signal thread if the server stopped for another reason.
  pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
  server->reset();
  spdlog::info("stopped");
  return 0;
}

}  // namespace civitas::cli
