# Syncline: `make run` serves a demo on 127.0.0.1:8080, `make test` runs every test (what CI runs):
# the suite, Clang's thread-safety analysis, then the unit and integration tests again under
# ASan + UBSan, then a short fuzz run.
# `make check` is the suite alone; `make fuzz` fuzzes longer (FUZZ_SECONDS per target).
BUILD_DIR ?= build
SAN_DIR ?= build-asan
FUZZ_DIR ?= build-fuzz
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= 2
CMAKE_FLAGS ?=
FUZZ_SECONDS ?= 60
TEST_FUZZ_SECONDS ?= 20
# Sanitizer findings abort the process (tests fail); leaks are reported at exit.
SAN_ENV = ASAN_OPTIONS=abort_on_error=1:detect_leaks=1:quarantine_size_mb=64:detect_stack_use_after_return=0 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

.PHONY: all deps build serve-build run cluster install package test check thread-safety sanitize fuzz fuzz-build bench format clean

all: build

deps:
	@scripts/deps

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS)

build: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS)

# What `make run` and `make cluster` serve, and only that (ADOPT-010): the server (its web
# assets are embedded) and the CLI; the tests build with `make build` / `make test`.
serve-build: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS) --target syncline syncline-cli

run: serve-build
	scripts/run $(BUILD_DIR)/syncline

cluster: serve-build
	scripts/cluster $(BUILD_DIR)/syncline

# cmake --install: binaries, libsyncline-client + headers, CMake package, pkg-config, units.
PREFIX ?= /usr/local
install: build
	cmake --install $(BUILD_DIR) --prefix $(PREFIX)

# Debian packages (CPack): syncline, libsyncline-client0, libsyncline-client-dev in $(BUILD_DIR).
package: build
	cd $(BUILD_DIR) && cpack

check: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 900

test: check
	$(MAKE) thread-safety
	$(MAKE) sanitize
	$(MAKE) fuzz FUZZ_SECONDS=$(TEST_FUZZ_SECONDS)

# Clang's thread-safety analysis of src/ (common/mutex.h's annotations; g++ ignores them).
thread-safety: build
	scripts/thread-safety $(BUILD_DIR)

# The unit and integration tests once more, everything built with ASan + UBSan (SEC-038).
sanitize: deps
	cmake -S . -B $(SAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug '-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g' \
	  -DSYNCLINE_SANITIZE=ON
	cmake --build $(SAN_DIR) -j $(JOBS)
	cd $(SAN_DIR) && $(SAN_ENV) ctest --output-on-failure -j $(JOBS) --timeout 900 -LE browser

fuzz-build: deps
	cmake -S . -B $(FUZZ_DIR) -G Ninja -DCMAKE_CXX_COMPILER=clang++-15 -DSYNCLINE_FUZZ=ON
	cmake --build $(FUZZ_DIR) -j $(JOBS)

fuzz: fuzz-build
	scripts/fuzz $(FUZZ_DIR) $(FUZZ_SECONDS)

bench: build
	scripts/bench-write $(BUILD_DIR)
	scripts/bench-cdc $(BUILD_DIR)
	scripts/bench-fanout $(BUILD_DIR)
	scripts/bench-offline $(BUILD_DIR)
	scripts/bench-hostile $(BUILD_DIR)
	scripts/bench-schema $(BUILD_DIR)
	scripts/bench-front $(BUILD_DIR)
	scripts/bench-shapes $(BUILD_DIR)
	scripts/bench-collab $(BUILD_DIR)
	scripts/bench-react $(BUILD_DIR)
	scripts/bench-hydrate $(BUILD_DIR)
	scripts/bench-retention $(BUILD_DIR)

format:
	clang-format -i $$(git ls-files '*.cpp' '*.h')

clean:
	rm -rf $(BUILD_DIR) $(SAN_DIR) $(FUZZ_DIR)
