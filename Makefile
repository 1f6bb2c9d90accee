# sopsfs - build, test and demo.
#   make          build build/sopsfs
#   make check    install dependencies, build, run every test (unit tests under ASan+UBSan)
#   make demo     install dependencies, build, run the demo
#   make bench    benchmarks (docs/benchmarks.md)
#   make install  binary, man page, bash completion, systemd user unit under
#                 $(DESTDIR)$(PREFIX) (PREFIX=/usr/local); make uninstall
#   make deb      a Debian package in build/ (installs dpkg-dev, debhelper)
#   make fuzz     libFuzzer harnesses, FUZZ_SECONDS each (docs/testing.md)
#   make stress   random-operation, concurrency and limits tests (TSan daemon)
#   make tsan     the daemon under ThreadSanitizer (build/sopsfs-tsan)
#   make memcheck the mount suites under valgrind memcheck

CC      ?= cc
PKGS    := fuse3 yaml-0.1 jansson openssl libsodium gpgme libcurl libpcre2-8 libgit2
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libcurl, libgit2 and gpgme are not linked: common/lazy/ opens them on
# first use (a plain age decrypt would otherwise load some forty libraries).
LAZY_PKGS  := libcurl libgit2 gpgme
PKG_LIBS   := $(shell pkg-config --libs $(filter-out $(LAZY_PKGS),$(PKGS)) 2>/dev/null)

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

.PHONY: all check demo bench deps clean test-unit install uninstall deb FORCE
all: build/sopsfs

# `sopsfs --version` names the commit: a COMMIT file (written by `make deb`
# into the package source, which has no .git) or git; else "unknown".
SOPSFS_COMMIT ?= $(shell cat COMMIT 2>/dev/null || git rev-parse --short HEAD 2>/dev/null || echo unknown)
build/commit.stamp: FORCE
	@mkdir -p build
	@echo '$(SOPSFS_COMMIT)' | cmp -s - $@ || echo '$(SOPSFS_COMMIT)' > $@
build/obj/cli/main.o build/asan/cli/main.o: build/commit.stamp
build/obj/cli/main.o build/asan/cli/main.o: BASEFLAGS += -DSOPSFS_COMMIT='"$(SOPSFS_COMMIT)"'

build/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

build/asan/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) $(SANFLAGS) -MMD -MP -c $< -o $@

build/sopsfs: $(OBJ) build/obj/cli/main.o
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

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
	@$(MAKE) --no-print-directory build/sopsfs build/sopsfs-asan $(TEST_BIN) fuzz-build
	@bash tests/run.sh

demo: deps
	@$(MAKE) --no-print-directory build/sopsfs
	@bash scripts/demo.sh

bench: deps
	@$(MAKE) --no-print-directory build/sopsfs
	@bash scripts/bench.sh
	@bash scripts/bench_guard.sh
	@bash scripts/bench_single.sh
	@bash scripts/bench_scale.sh

# ---- installing ----
PREFIX      ?= /usr/local
DESTDIR     ?=
BINDIR      := $(PREFIX)/bin
MAN1DIR     := $(PREFIX)/share/man/man1
BASHCOMPDIR := $(PREFIX)/share/bash-completion/completions
USERUNITDIR := $(PREFIX)/lib/systemd/user
INSTALLED   := $(BINDIR)/sopsfs $(MAN1DIR)/sopsfs.1 $(BASHCOMPDIR)/sopsfs \
	       $(USERUNITDIR)/sopsfs@.service

build/sopsfs@.service: dist/systemd/sopsfs@.service.in FORCE
	@mkdir -p build
	@sed 's|@BINDIR@|$(BINDIR)|g' $< > $@.tmp && mv $@.tmp $@

install: build/sopsfs build/sopsfs@.service
	install -D -m 0755 build/sopsfs $(DESTDIR)$(BINDIR)/sopsfs
	install -D -m 0644 man/sopsfs.1 $(DESTDIR)$(MAN1DIR)/sopsfs.1
	install -D -m 0644 dist/bash-completion/sopsfs $(DESTDIR)$(BASHCOMPDIR)/sopsfs
	install -D -m 0644 build/sopsfs@.service $(DESTDIR)$(USERUNITDIR)/sopsfs@.service

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))

# The package is built from a copy of the tree in build/deb (dpkg-buildpackage
# writes its results next to the source directory); the .deb ends in build/.
deb:
	@bash scripts/install-deps.sh --deb
	rm -rf build/deb && mkdir -p build/deb/sopsfs
	git ls-files -z 2>/dev/null | xargs -0 cp --parents -t build/deb/sopsfs 2>/dev/null || \
		tar --exclude=./build --exclude=./.git -cf - . | tar -xf - -C build/deb/sopsfs
	echo '$(SOPSFS_COMMIT)' > build/deb/sopsfs/COMMIT
	cd build/deb/sopsfs && dpkg-buildpackage -us -uc -b
	cp build/deb/sopsfs_*.deb build/
	@ls -1 build/sopsfs_*.deb

clean:
	rm -rf build

# ---- hardening: fuzzing, stress, race and leak checkers (docs/testing.md) ----
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_FLAGS   := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_SRC     := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN     := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
FUZZ_OBJ     := $(LIB_SRC:%.c=build/fuzz/obj/%.o)
TSAN_FLAGS   := -O1 -g -fno-omit-frame-pointer -fsanitize=thread
TSAN_OBJ     := $(LIB_SRC:%.c=build/tsan/%.o)

.PHONY: fuzz fuzz-build stress tsan memcheck

build/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(BASEFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

build/fuzz/libsopsfs.a: $(FUZZ_OBJ)
	@rm -f $@
	ar rcs $@ $^

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_common.h build/fuzz/libsopsfs.a
	$(FUZZ_CC) $(BASEFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $< build/fuzz/libsopsfs.a $(PKG_LIBS) -lm

# Seed corpora, made from the fixtures at build time (never committed).
build/fuzz/corpus/.done: tests/fuzz/seeds.py
	@python3 tests/fuzz/seeds.py build/fuzz/corpus
	@touch $@

fuzz-build: $(FUZZ_BIN) build/fuzz/corpus/.done

fuzz: deps
	@$(MAKE) --no-print-directory fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) bash tests/fuzz/fuzz.sh

build/tsan/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(BASEFLAGS) $(TSAN_FLAGS) -MMD -MP -c $< -o $@

build/sopsfs-tsan: $(TSAN_OBJ) build/tsan/cli/main.o
	$(FUZZ_CC) $(TSAN_FLAGS) -o $@ $^ $(PKG_LIBS) -lm

tsan: build/sopsfs-tsan

stress: deps
	@$(MAKE) --no-print-directory build/sopsfs build/sopsfs-asan build/sopsfs-tsan
	@bash tests/stress/stress.sh

memcheck: deps
	@$(MAKE) --no-print-directory build/sopsfs
	@bash tests/stress/memcheck.sh

-include $(FUZZ_OBJ:.o=.d) $(TSAN_OBJ:.o=.d) build/tsan/cli/main.d

-include $(OBJ:.o=.d) $(ASAN_OBJ:.o=.d) build/obj/cli/main.d build/asan/cli/main.d
