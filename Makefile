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
