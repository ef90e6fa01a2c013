# Every third-party library comes from a Debian 12 package (see scripts/install-deps).
find_package(Threads REQUIRED)
find_package(Boost 1.81 REQUIRED COMPONENTS json)
find_package(RocksDB REQUIRED CONFIG)
find_package(simdjson REQUIRED)
find_package(absl REQUIRED)
find_package(spdlog REQUIRED)
find_package(fmt REQUIRED)
find_package(CLI11 REQUIRED)
find_package(GTest REQUIRED)
find_package(benchmark REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(ZLIB REQUIRED)  # gzip files for civitas import
find_package(yaml-cpp REQUIRED)

# jemalloc for the server binary (as RocksDB recommends): the write path allocates per attribute,
# and glibc's malloc/free took a fifth of its CPU. Sanitizer builds keep their own allocator.
find_library(JEMALLOC_LIBRARY jemalloc REQUIRED)

# libs2 ships no CMake config on Debian.
find_library(S2_LIBRARY s2 REQUIRED)
add_library(s2 INTERFACE)
target_link_libraries(s2 INTERFACE ${S2_LIBRARY} absl::base absl::strings absl::flat_hash_map
  absl::flat_hash_set absl::btree absl::log_severity absl::raw_logging_internal
  OpenSSL::Crypto)

# libsodium (keyed BLAKE2b, randombytes, constant-time compare) ships no CMake config.
find_library(SODIUM_LIBRARY sodium REQUIRED)
find_path(SODIUM_INCLUDE_DIR sodium.h REQUIRED)
add_library(Sodium::sodium INTERFACE IMPORTED)
target_link_libraries(Sodium::sodium INTERFACE ${SODIUM_LIBRARY})
target_include_directories(Sodium::sodium INTERFACE ${SODIUM_INCLUDE_DIR})
