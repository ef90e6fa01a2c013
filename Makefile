# The two commands: `make demo` and `make test`. Everything else is a building block.
PRESET ?= release
BUILD_DIR := build/$(PRESET)
JOBS ?= $(shell nproc)

.PHONY: deps configure build test fuzz-smoke demo bench check-deep fuzz clean

deps:
	./scripts/install-deps

configure: deps
	cmake --preset $(PRESET) -DCIVITAS_WERROR=ON >/dev/null

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS) --timeout 300
	$(MAKE) fuzz-smoke

FUZZ_TARGETS := entity_fuzz entity_record_fuzz q_fuzz context_fuzz geometry_fuzz geo_query_fuzz time_series_chunk_fuzz ultralight_fuzz iota_json_fuzz provisioning_fuzz config_fuzz bulk_fuzz csv_mapping_fuzz line_protocol_fuzz subscription_fuzz
FUZZ_TARGETS += jwt_fuzz token_spec_fuzz jwks_fuzz bulk_history_fuzz temporal_catalog_fuzz iso_duration_fuzz
FUZZ_SECONDS ?= 10

# A short libFuzzer run (clang, ASan + UBSan) of every parser, seeded from its corpus.
fuzz-smoke: deps
	cmake --preset fuzz >/dev/null
	cmake --build build/fuzz -j $(JOBS) --target $(FUZZ_TARGETS)
	for t in $(FUZZ_TARGETS); do \
	  seeds=$$(find src -type d -name "$${t}_corpus"); \
	  mkdir -p build/fuzz/corpus/$$t; \
	  build/fuzz/$$(dirname $$seeds)/$$t -max_total_time=$(FUZZ_SECONDS) -timeout=5 \
	    -rss_limit_mb=2048 build/fuzz/corpus/$$t $$seeds >build/fuzz/$$t.log 2>&1 \
	    || { tail -40 build/fuzz/$$t.log; exit 1; }; \
	  echo "fuzz $$t: ok ($(FUZZ_SECONDS)s)"; \
	done

# The demo city (data in data/demo; a second run resumes it). Options: DEMO_ARGS="--speed 600".
demo: build
	$(BUILD_DIR)/civitas demo $(DEMO_ARGS)

bench: build
	./bench/run.sh $(BUILD_DIR)

# Sanitizer builds and long fuzzing: too slow for every CI run.
check-deep: deps
	cmake --preset debug >/dev/null && cmake --build build/debug -j $(JOBS)
	ctest --test-dir build/debug --output-on-failure -j $(JOBS)
	cmake --preset tsan >/dev/null && cmake --build build/tsan -j $(JOBS)
	ctest --test-dir build/tsan --output-on-failure -L unit -j $(JOBS)

fuzz: deps
	cmake --preset fuzz >/dev/null && cmake --build build/fuzz -j $(JOBS)
	ctest --test-dir build/fuzz --output-on-failure -L fuzz

clean:
	rm -rf build
