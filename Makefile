# sopsfs - build, test and demo.
#   make          build build/sopsfs
#   make check    install dependencies, build, run every test (unit tests under ASan+UBSan)
#   make demo     install dependencies, build, run the demo
#   make bench    benchmarks (docs/benchmarks.md)

CC      ?= cc
PKGS    := fuse3 yaml-0.1 jansson openssl libsodium gpgme libcurl libpcre2-8 libgit2
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN    := -Wall -Wextra -Werror
CFLAGS  ?= -O2 -g
BASEFLAGS := -std=c11 -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 $(WARN) $(PKG_CFLAGS)
SANFLAGS  := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

# Layers, bottom up: common -> crypto -> providers -> codec -> fs, cli.
LIB_SRC  := $(sort $(shell find common crypto providers codec fs cli -name '*.c' ! -name main.c))
MAIN_SRC := cli/main.c
TEST_SRC := $(wildcard tests/unit/test_*.c)
TEST_LIB := tests/unit/check.c

OBJ      := $(LIB_SRC:%.c=build/obj/%.o)
ASAN_OBJ := $(LIB_SRC:%.c=build/asan/%.o)
TEST_BIN := $(TEST_SRC:tests/unit/%.c=build/tests/%)

.PHONY: all check demo bench deps clean test-unit
all: build/sopsfs

build/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

build/asan/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) $(SANFLAGS) -MMD -MP -c $< -o $@

build/sopsfs: $(OBJ) build/obj/cli/main.o
	$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS) -lm

# The same binary under ASan+UBSan, used by the interop tests.
build/sopsfs-asan: $(ASAN_OBJ) build/asan/cli/main.o
	$(CC) $(SANFLAGS) -o $@ $^ $(PKG_LIBS) -lm

# Unit tests link against an archive so each test pulls only what it uses.
build/asan/libsopsfs.a: $(ASAN_OBJ)
	@rm -f $@
	ar rcs $@ $^

build/tests/%: tests/unit/%.c $(TEST_LIB) build/asan/libsopsfs.a
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) $(SANFLAGS) -Itests/unit -o $@ $< $(TEST_LIB) build/asan/libsopsfs.a $(PKG_LIBS) -lm

test-unit: $(TEST_BIN)

deps:
	@bash scripts/install-deps.sh

check: deps
	@$(MAKE) --no-print-directory build/sopsfs build/sopsfs-asan $(TEST_BIN)
	@bash tests/run.sh

demo: deps
	@$(MAKE) --no-print-directory build/sopsfs
	@bash scripts/demo.sh

bench: deps
	@$(MAKE) --no-print-directory build/sopsfs
	@bash scripts/bench.sh
	@bash scripts/bench_guard.sh

clean:
	rm -rf build

-include $(OBJ:.o=.d) $(ASAN_OBJ:.o=.d) build/obj/cli/main.d build/asan/cli/main.d
