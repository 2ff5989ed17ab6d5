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

.PHONY: all module selftests check demo bench clean FORCE

all: module selftests

# Kbuild of 6.1 writes objects next to the sources, so every kernel gets its
# own copy of the tree; cp -p keeps mtimes so that rebuilds stay incremental.
module:
	@mkdir -p $(MOD_DIR)
	@cp -pR Kbuild kmod uapi $(MOD_DIR)/
	$(MAKE) -C $(KDIR) M=$(abspath $(MOD_DIR)) KCFLAGS=-Werror modules
	@cp $(MOD_DIR)/kmod/arena.ko $(BUILD)/arena-$(KVER).ko

# The kselftest harness comes from the kernel source, unpacked in the cache.
# Tests include "../kselftest_harness.h" as they do inside a kernel tree; it
# is a system header here because it is not -Wextra clean.
$(KSFT_DIR)/kselftest_harness.h:
	@mkdir -p $(KSFT_DIR)/arena
	src=$$(bash -c '. scripts/lib.sh && kernel_source') && \
		cp $$src/tools/testing/selftests/kselftest_harness.h \
		   $$src/tools/testing/selftests/kselftest.h $(KSFT_DIR)/

$(SELFTEST_DIR)/%: selftests/arena/%.c uapi/linux/arena.h $(KSFT_DIR)/kselftest_harness.h
	@mkdir -p $(SELFTEST_DIR)
	$(CC) $(USER_CFLAGS) -isystem $(KSFT_DIR)/arena -Iuapi -o $@ $< -lpthread

selftests: $(SELFTEST_PROGS)
	@mkdir -p $(SELFTEST_DIR)
	@cp -p $(SELFTEST_SCRIPTS) $(SELFTEST_DIR)/

check:
	@scripts/check

demo:
	@scripts/demo

bench:
	@scripts/bench

clean:
	rm -rf $(BUILD)
