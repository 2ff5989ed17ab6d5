# SPDX-License-Identifier: GPL-2.0
#
# make            module (for KVER), allocator host build, selftests
# make check      every lane; ends with "N passed, N failed"  (T=, L= narrow it)
# make demo       load the module in a VM and show it working
# make bench      benchmarks (host allocator core)
# make clean
#
# KVER/KDIR select the kernel the module is built for; the default is the
# Debian 12 cloud kernel's headers (the build machine's own kernel has none).

BUILD		?= build
KVER		?= $(shell bash -c '. scripts/lib.sh && kernel_release 6.1')
KDIR		?= /lib/modules/$(KVER)/build
MOD_DIR		:= $(BUILD)/kmod-$(KVER)

CC		?= cc
USER_CFLAGS	:= -std=gnu11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE
KSFT_DIR	:= $(BUILD)/ksft
SELFTEST_DIR	:= $(BUILD)/selftests
SELFTEST_SRCS	:= $(wildcard selftests/arena/*_test.c)
SELFTEST_SCRIPTS := $(wildcard selftests/arena/*.sh)
SELFTEST_PROGS	:= $(patsubst selftests/arena/%.c,$(SELFTEST_DIR)/%,$(SELFTEST_SRCS))

# The allocator core built natively: the same kmod/ sources as arena.ko.
HOST_DIR	:= $(BUILD)/host
CORE_SRCS	:= kmod/bitmap.c kmod/slots.c kmod/buddy.c kmod/core_stats.c \
		   kmod/host/compat.c
CORE_HDRS	:= $(wildcard kmod/*.h kmod/host/*.h)
HOST_TESTS	:= $(patsubst kmod/host/%.c,$(HOST_DIR)/%,$(wildcard kmod/host/*_test.c))
SANITIZE	:= -fsanitize=address,undefined -fno-sanitize-recover=all
CLANG		?= clang

# Benchmarks that run inside the VM against the module.
BENCH_DIR	:= $(BUILD)/bench
BENCH_PROGS	:= $(patsubst bench/%.c,$(BENCH_DIR)/%,$(wildcard bench/*.c))

.PHONY: all module importer selftests host benches check demo bench clean FORCE

all: module host selftests benches

# Kbuild of 6.1 writes objects next to the sources, so every kernel gets its
# own copy of the tree; cp -p keeps mtimes so that rebuilds stay incremental.
module:
	@mkdir -p $(MOD_DIR)
	@find $(MOD_DIR) -name '*.[ch]' -delete	# sources removed here go there too
	@cp -pR Kbuild kmod uapi $(MOD_DIR)/
	$(MAKE) -C $(KDIR) M=$(abspath $(MOD_DIR)) KCFLAGS=-Werror modules
	@cp $(MOD_DIR)/kmod/arena.ko $(BUILD)/arena-$(KVER).ko

# The selftests' dma-buf importer, a test-only module, for the same KVER.
IMPORTER_DIR	:= $(BUILD)/importer-$(KVER)

importer:
	@mkdir -p $(IMPORTER_DIR)
	@cp -p selftests/arena/importer/* $(IMPORTER_DIR)/
	$(MAKE) -C $(KDIR) M=$(abspath $(IMPORTER_DIR)) KCFLAGS=-Werror modules
	@cp $(IMPORTER_DIR)/arena_importer.ko $(BUILD)/arena_importer-$(KVER).ko

# The kselftest harness comes from the kernel source, unpacked in the cache.
# Tests include "../kselftest_harness.h" as they do inside a kernel tree; it
# is a system header here because it is not -Wextra clean.
$(KSFT_DIR)/kselftest_harness.h:
	@mkdir -p $(KSFT_DIR)
	src=$$(bash -c '. scripts/lib.sh && kernel_source') && \
		cp $$src/tools/testing/selftests/kselftest_harness.h \
		   $$src/tools/testing/selftests/kselftest.h $(KSFT_DIR)/

$(SELFTEST_DIR)/%: selftests/arena/%.c selftests/arena/arena_util.h uapi/linux/arena.h \
		   $(KSFT_DIR)/kselftest_harness.h
	@mkdir -p $(SELFTEST_DIR) $(KSFT_DIR)/arena
	$(CC) $(USER_CFLAGS) -isystem $(KSFT_DIR)/arena -Iuapi -Iselftests/arena/importer \
		-o $@ $< -lpthread $(LDLIBS)

$(SELFTEST_DIR)/io_test: LDLIBS += -luring

# Unit and model tests run under ASan and UBSan; the stress test and the
# benchmark run optimised and uninstrumented.
$(HOST_DIR)/%_test: kmod/host/%_test.c $(CORE_SRCS) $(CORE_HDRS) $(KSFT_DIR)/kselftest_harness.h
	@mkdir -p $(HOST_DIR) $(KSFT_DIR)/arena
	$(CC) $(USER_CFLAGS) $(if $(filter stress_test,$*_test),,$(SANITIZE)) \
		-isystem $(KSFT_DIR)/arena -o $@ $< $(CORE_SRCS) -lpthread

$(HOST_DIR)/core_bench: kmod/host/core_bench.c $(CORE_SRCS) $(CORE_HDRS)
	@mkdir -p $(HOST_DIR)
	$(CC) $(USER_CFLAGS) -O3 -o $@ $< $(CORE_SRCS) -lpthread

# libFuzzer needs clang.
$(HOST_DIR)/core_fuzz: kmod/host/core_fuzz.c $(CORE_SRCS) $(CORE_HDRS)
	@mkdir -p $(HOST_DIR)
	$(CLANG) $(USER_CFLAGS) -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -o $@ $< $(CORE_SRCS)

host: $(HOST_TESTS) $(HOST_DIR)/core_bench $(HOST_DIR)/core_fuzz

$(BENCH_DIR)/%: bench/%.c selftests/arena/arena_util.h uapi/linux/arena.h
	@mkdir -p $(BENCH_DIR)
	$(CC) $(USER_CFLAGS) -Iuapi -o $@ $<

benches: $(BENCH_PROGS)

selftests: $(SELFTEST_PROGS)
	@mkdir -p $(SELFTEST_DIR)
	$(if $(SELFTEST_SCRIPTS),@cp -p $(SELFTEST_SCRIPTS) $(SELFTEST_DIR)/)

check:
	@scripts/check

demo:
	@scripts/demo

bench:
	@scripts/bench

clean:
	rm -rf $(BUILD)
