# The two commands: `make demo` and `make test`. Everything else is a building block.
PRESET ?= release
BUILD_DIR := build/$(PRESET)
JOBS ?= $(shell nproc)

.PHONY: deps configure build test demo bench check-deep fuzz clean

deps:
	./scripts/install-deps

configure: deps
	cmake --preset $(PRESET) -DCIVITAS_WERROR=ON >/dev/null

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS) --timeout 300

demo: build
	mkdir -p data
	$(BUILD_DIR)/civitas serve --data-dir data/serve --http 127.0.0.1:8080

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
