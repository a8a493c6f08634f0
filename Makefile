# Tern: the two README commands (`make run`, `make test`) do all set-up themselves.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: setup configure build run test bench clean

setup:
	@scripts/setup

$(BUILD)/build.ninja: CMakeLists.txt
	cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS)

configure: setup $(BUILD)/build.ninja

build: configure
	cmake --build $(BUILD) -j $(JOBS)

run: build
	$(BUILD)/tern up -f $(BUILD)/examples/hello-c --listen 127.0.0.1:3000

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

bench: build
	bench/run-engine.sh $(BUILD)
	bench/http_bench.sh $(BUILD)
	bench/edge_bench.sh $(BUILD)

clean:
	rm -rf $(BUILD)

# --- Sanitizer and fuzzing builds (clang 19), each in its own folder ---
# `make test-asan`: every ctest test under ASan + UBSan (a UBSan finding aborts). The same build
# carries libFuzzer instrumentation, so `make fuzz` reuses it (FUZZ_BUILD) instead of a third
# full build. `make test-tsan`: the concurrency tests under ThreadSanitizer.
.PHONY: test-asan test-tsan fuzz ci
SAN_CC ?= clang-19
SAN_CXX ?= clang++-19
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
FUZZ_BUILD ?= $(ASAN_BUILD)
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= wasm manifest http_request cgi_response component oci_artifact
# The concurrency tests (engine threads, the HTTP server's thread pool, tern up end to end, the
# hostile suite under load): a ctest -R
# regex, and what to build for them (e2e needs tern and every example and guest: all).
TSAN_TESTS ?= ^(instance_test|http_test|trigger_test|e2e|hostile)$$
TSAN_TARGETS ?= all
# -O1 with line tables: much quicker to build than -O2 -g, stack traces still exact.
SAN_CMAKE_FLAGS = -G Ninja -DCMAKE_C_COMPILER=$(SAN_CC) -DCMAKE_CXX_COMPILER=$(SAN_CXX) \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only -DNDEBUG" \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only -DNDEBUG"
# The engine's SIGSEGV handler (guard-region traps) chains to the sanitizers' for other faults.
# alloc_dealloc_mismatch=0: Debian's prebuilt libLLVM (not instrumented) frees with free() what
# libstdc++'s temporary buffers got from operator new (llvm::stable_sort in verifyModule).
SAN_ENV = ASAN_OPTIONS=allow_user_segv_handler=1:detect_leaks=1:alloc_dealloc_mismatch=0 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1

$(ASAN_BUILD)/build.ninja: CMakeLists.txt
	cmake -S . -B $(ASAN_BUILD) $(SAN_CMAKE_FLAGS) -DTERN_SANITIZE=ON -DTERN_FUZZ=ON

$(TSAN_BUILD)/build.ninja: CMakeLists.txt
	cmake -S . -B $(TSAN_BUILD) $(SAN_CMAKE_FLAGS) -DTERN_TSAN=ON

test-asan: setup $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && $(SAN_ENV) ctest --output-on-failure -j $(JOBS)

test-tsan: setup $(TSAN_BUILD)/build.ninja
	cmake --build $(TSAN_BUILD) -j $(JOBS) --target $(TSAN_TARGETS)
	cd $(TSAN_BUILD) && $(SAN_ENV) ctest --output-on-failure -j $(JOBS) -R '$(TSAN_TESTS)'

ifneq ($(FUZZ_BUILD),$(ASAN_BUILD))
$(FUZZ_BUILD)/build.ninja: CMakeLists.txt
	cmake -S . -B $(FUZZ_BUILD) $(SAN_CMAKE_FLAGS) -DTERN_FUZZ=ON
endif

fuzz: setup $(FUZZ_BUILD)/build.ninja
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzzers
	$(SAN_ENV) tests/fuzz/run_fuzzers.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# CI (.ci/run): the plain test suite first, then the ASan/UBSan suite, each fuzzer for 60 s, and
# the TSan suite (~12 min from a clean clone on 2 cores).
# What CI runs (.ci/run): the sanitizer suite, 60 s per fuzzer, then the normal suite.
ci:
	.ci/run
