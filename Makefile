# SPDX-License-Identifier: GPL-2.0
#
# make            module (for KVER), allocator host build, selftests
# make check      every lane; ends with "N passed, N failed"  (T=, L= narrow it)
# make demo       load the module in a VM and show it working
# make bench      benchmarks (host allocator core)
# make fuzz       the ioctl fuzzer, long, on the debug kernel (FUZZ_MINUTES=30)
# make install    module, library, headers, arena.pc, arenactl, man pages,
#                 udev rule, modprobe.d example (DESTDIR, PREFIX, KVER)
# make dkms-source  the module's sources and dkms.conf in /usr/src/arena-VERSION
# make clean
#
# KVER/KDIR select the kernel the module is built for; the default is the
# Debian 12 cloud kernel's headers (the build machine's own kernel has none).

BUILD		?= build
KVER		?= $(shell bash -c '. scripts/lib.sh && kernel_release 6.1')
KDIR		?= /lib/modules/$(KVER)/build
MOD_DIR		:= $(BUILD)/kmod-$(KVER)

CC		?= cc
PREFIX		?= /usr/local
USER_CFLAGS	:= -std=gnu11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE
KSFT_DIR	:= $(BUILD)/ksft
SELFTEST_DIR	:= $(BUILD)/selftests
SELFTEST_SRCS	:= $(wildcard selftests/arena/*_test.c)
SELFTEST_SCRIPTS := $(wildcard selftests/arena/*.sh)
SELFTEST_PROGS	:= $(patsubst selftests/arena/%.c,$(SELFTEST_DIR)/%,$(SELFTEST_SRCS))

# The allocator core built natively: the same kmod/core/ sources as arena.ko.
HOST_DIR	:= $(BUILD)/host
CORE_SRCS	:= $(wildcard kmod/core/*.c) kmod/core/host/compat.c
CORE_HDRS	:= $(wildcard kmod/core/*.h kmod/core/host/*.h)
HOST_TESTS	:= $(patsubst kmod/core/host/%.c,$(HOST_DIR)/%,$(wildcard kmod/core/host/*_test.c))
SANITIZE	:= -fsanitize=address,undefined -fno-sanitize-recover=all
CLANG		?= clang

# libarena: a shared library (versioned soname, only the API exported), a
# static one and a pkg-config file.
LIB_DIR		:= $(BUILD)/userlib
LIB_VERSION	:= 0.5.0
LIB_SONAME	:= libarena.so.0
LIB_SRCS	:= $(wildcard userlib/*.c)
LIB_OBJS	:= $(patsubst userlib/%.c,$(LIB_DIR)/%.o,$(LIB_SRCS))
LIB_CFLAGS	:= -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror -fPIC \
		   -fvisibility=hidden -Iuapi
LIB_SO		:= $(LIB_DIR)/libarena.so.$(LIB_VERSION)
LIB_A		:= $(LIB_DIR)/libarena.a
# Programs linked with the library, found where it was built.
LIB_LINK	:= -Iuserlib -L$(LIB_DIR) -larena -Wl,-rpath,$(abspath $(LIB_DIR)) -lpthread

# Benchmarks that run inside the VM against the module.
BENCH_DIR	:= $(BUILD)/bench
BENCH_PROGS	:= $(patsubst bench/%.c,$(BENCH_DIR)/%,$(wildcard bench/*.c))

.PHONY: all module importer userlib selftests host host-contenders benches check demo bench fuzz install dkms-source \
	clean FORCE

all: module host userlib selftests benches

$(LIB_DIR)/%.o: userlib/%.c userlib/arena.h userlib/internal.h uapi/linux/arena.h
	@mkdir -p $(LIB_DIR)
	$(CC) $(LIB_CFLAGS) -c -o $@ $<

$(LIB_SO): $(LIB_OBJS) userlib/libarena.map
	$(CC) -shared -Wl,-soname,$(LIB_SONAME) -Wl,--version-script=userlib/libarena.map \
		-Wl,-z,defs -o $@ $(LIB_OBJS) -lpthread
	ln -sf libarena.so.$(LIB_VERSION) $(LIB_DIR)/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $(LIB_DIR)/libarena.so

$(LIB_A): $(LIB_OBJS)
	$(AR) rcs $@ $^

$(LIB_DIR)/arena.pc: userlib/arena.pc.in
	sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(PREFIX)/lib|' \
	    -e 's|@INCLUDEDIR@|$(PREFIX)/include|; s|@VERSION@|$(LIB_VERSION)|' $< > $@

$(LIB_DIR)/arena_demo $(LIB_DIR)/library_example: $(LIB_DIR)/%: userlib/examples/%.c $(LIB_SO)
	$(CC) $(USER_CFLAGS) -Iuapi -o $@ $< $(LIB_LINK)

# arenactl, the administration tool, speaks the generic netlink family
# through libmnl; it does not use libarena.
ARENACTL_SRCS	:= $(wildcard userlib/arenactl/*.c)
$(LIB_DIR)/arenactl: $(ARENACTL_SRCS) $(wildcard userlib/arenactl/*.h) uapi/linux/arena.h
	@mkdir -p $(LIB_DIR)
	$(CC) $(USER_CFLAGS) -Iuapi -o $@ $(ARENACTL_SRCS) -lmnl

userlib: $(LIB_SO) $(LIB_A) $(LIB_DIR)/arena.pc $(LIB_DIR)/arena_demo $(LIB_DIR)/library_example \
	 $(LIB_DIR)/arenactl

# Kbuild of 6.1 writes objects next to the sources, so every kernel gets its
# own copy of the tree; cp -p keeps mtimes so that rebuilds stay incremental.
module:
	@mkdir -p $(MOD_DIR)
	@find $(MOD_DIR) -name '*.[ch]' -delete	# sources removed here go there too
	@cp -pR Kbuild kmod uapi $(MOD_DIR)/
	$(MAKE) -C $(KDIR) M=$(abspath $(MOD_DIR)) KCFLAGS=-Werror modules
	@cp $(MOD_DIR)/kmod/arena.ko $(BUILD)/arena-$(KVER).ko
	@# The KUnit module exists where the kernel has CONFIG_KUNIT.
	@if [ -e $(MOD_DIR)/kmod/arena_kunit.ko ]; then \
		cp $(MOD_DIR)/kmod/arena_kunit.ko $(BUILD)/arena_kunit-$(KVER).ko; fi
	@# The dma-buf heap companion exists where the kernel exports dma_heap_add().
	@rm -f $(BUILD)/arena_heap-$(KVER).ko
	@if [ -e $(MOD_DIR)/kmod/arena_heap.ko ]; then \
		cp $(MOD_DIR)/kmod/arena_heap.ko $(BUILD)/arena_heap-$(KVER).ko; fi

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

$(SELFTEST_DIR)/%: selftests/arena/%.c selftests/arena/arena_util.h selftests/arena/arena_nl.h \
		   selftests/arena/libarena_util.h uapi/linux/arena.h userlib/arenactl/genl.h \
		   $(KSFT_DIR)/kselftest_harness.h
	@mkdir -p $(SELFTEST_DIR) $(KSFT_DIR)/arena
	$(CC) $(USER_CFLAGS) -isystem $(KSFT_DIR)/arena -Iuapi -Iselftests/arena/importer \
		-Iuserlib/arenactl -o $@ $< -lpthread $(LDLIBS)

$(SELFTEST_DIR)/io_test: LDLIBS += -luring
$(SELFTEST_DIR)/rdma_test: LDLIBS += -libverbs
$(SELFTEST_DIR)/arenactl_test $(SELFTEST_DIR)/faults_test $(SELFTEST_DIR)/heap_test \
	$(SELFTEST_DIR)/hostile_test $(SELFTEST_DIR)/netlink_test \
	$(SELFTEST_DIR)/stress_test: LDLIBS += -lmnl
$(SELFTEST_DIR)/libarena_test $(SELFTEST_DIR)/libarena_threads_test: LDLIBS += $(LIB_LINK)
$(SELFTEST_DIR)/libarena_test $(SELFTEST_DIR)/libarena_threads_test: $(LIB_SO)

# The threaded libarena tests again, with the library compiled in, under
# ThreadSanitizer (gcc's libtsan; the VM gets it with the program).
$(SELFTEST_DIR)/libarena_tsan_test: selftests/arena/libarena_threads_test.c $(LIB_SRCS) \
		userlib/arena.h userlib/internal.h selftests/arena/libarena_util.h \
		selftests/arena/arena_util.h uapi/linux/arena.h $(KSFT_DIR)/kselftest_harness.h
	@mkdir -p $(SELFTEST_DIR) $(KSFT_DIR)/arena
	$(CC) $(USER_CFLAGS) -O1 -fsanitize=thread -isystem $(KSFT_DIR)/arena -Iuapi -Iuserlib \
		-o $@ $< $(LIB_SRCS) -lpthread

# Unit and model tests run under ASan and UBSan; the stress test and the
# benchmark run optimised and uninstrumented.
$(HOST_DIR)/%_test: kmod/core/host/%_test.c $(CORE_SRCS) $(CORE_HDRS) $(KSFT_DIR)/kselftest_harness.h
	@mkdir -p $(HOST_DIR) $(KSFT_DIR)/arena
	$(CC) $(USER_CFLAGS) $(if $(filter stress_test,$*_test),,$(SANITIZE)) \
		-isystem $(KSFT_DIR)/arena -o $@ $< $(CORE_SRCS) -lpthread

$(HOST_DIR)/core_bench: kmod/core/host/core_bench.c $(CORE_SRCS) $(CORE_HDRS)
	@mkdir -p $(HOST_DIR)
	$(CC) $(USER_CFLAGS) -O3 -o $@ $< $(CORE_SRCS) -lpthread

# The same benchmark against jemalloc's and mimalloc's malloc (linked, they
# replace glibc's), and DPDK's mempool: the host core's contenders
# (scripts/bench-host).
$(HOST_DIR)/core_bench-%: kmod/core/host/core_bench.c $(CORE_SRCS) $(CORE_HDRS)
	@mkdir -p $(HOST_DIR)
	$(CC) $(USER_CFLAGS) -O3 -DMALLOC_NAME='"$*"' -o $@ $< $(CORE_SRCS) -l$* -lpthread

$(HOST_DIR)/mempool_bench: bench/host/mempool_bench.c
	@mkdir -p $(HOST_DIR)
	$(CC) $(USER_CFLAGS) -O3 $$(pkg-config --cflags libdpdk) -o $@ $< \
		$$(pkg-config --libs libdpdk) -lpthread

host-contenders: $(HOST_DIR)/core_bench-jemalloc $(HOST_DIR)/core_bench-mimalloc \
	$(HOST_DIR)/mempool_bench

# libFuzzer needs clang.
$(HOST_DIR)/core_fuzz: kmod/core/host/core_fuzz.c $(CORE_SRCS) $(CORE_HDRS)
	@mkdir -p $(HOST_DIR)
	$(CLANG) $(USER_CFLAGS) -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -o $@ $< $(CORE_SRCS)

host: $(HOST_TESTS) $(HOST_DIR)/core_bench $(HOST_DIR)/core_fuzz

$(BENCH_DIR)/%: bench/%.c selftests/arena/arena_util.h uapi/linux/arena.h
	@mkdir -p $(BENCH_DIR)
	$(CC) $(USER_CFLAGS) -Iuapi -o $@ $< -lpthread $(LDLIBS)

$(BENCH_DIR)/libarena_bench $(BENCH_DIR)/compare_bench: $(LIB_SO)
$(BENCH_DIR)/libarena_bench $(BENCH_DIR)/compare_bench: LDLIBS += $(LIB_LINK)

benches: $(BENCH_PROGS)

selftests: $(SELFTEST_PROGS) $(SELFTEST_DIR)/libarena_tsan_test
	@mkdir -p $(SELFTEST_DIR)
	$(if $(SELFTEST_SCRIPTS),@cp -p $(SELFTEST_SCRIPTS) $(SELFTEST_DIR)/)

# make install [DESTDIR=DIR] [PREFIX=/usr/local] [KVER=...]: the module for
# KVER (modules_install into /lib/modules/KVER/extra, then depmod), libarena
# (.so with its soname links, .a), arena.h and the uapi header, arena.pc,
# arenactl, the man pages, the udev rule and a modprobe.d example (not
# over an existing one).  System paths (/lib/modules, udev, modprobe.d) do
# not move with PREFIX; all paths move under DESTDIR.
LIBDIR		?= $(PREFIX)/lib
INCLUDEDIR	?= $(PREFIX)/include
SBINDIR		?= $(PREFIX)/sbin
MANDIR		?= $(PREFIX)/share/man
UDEVRULESDIR	?= /lib/udev/rules.d
MODPROBEDIR	?= /etc/modprobe.d
# depmod is not in a user's PATH on Debian.
DEPMOD		?= /sbin/depmod

install: module userlib
	$(MAKE) -C $(KDIR) M=$(abspath $(MOD_DIR)) INSTALL_MOD_PATH=$(abspath $(DESTDIR)/) \
		INSTALL_MOD_DIR=extra modules_install
	$(DEPMOD) $(if $(DESTDIR),-b $(abspath $(DESTDIR))) $(KVER)
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)/linux \
		$(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man3 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(UDEVRULESDIR) $(DESTDIR)$(MODPROBEDIR)
	install -m 755 $(LIB_SO) $(DESTDIR)$(LIBDIR)/
	ln -sf libarena.so.$(LIB_VERSION) $(DESTDIR)$(LIBDIR)/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $(DESTDIR)$(LIBDIR)/libarena.so
	install -m 644 $(LIB_A) $(DESTDIR)$(LIBDIR)/
	sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|; s|@VERSION@|$(LIB_VERSION)|' \
	    userlib/arena.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/arena.pc
	install -m 644 userlib/arena.h $(DESTDIR)$(INCLUDEDIR)/
	install -m 644 uapi/linux/arena.h $(DESTDIR)$(INCLUDEDIR)/linux/
	install -m 755 $(LIB_DIR)/arenactl $(DESTDIR)$(SBINDIR)/
	install -m 644 userlib/man/*.3 $(DESTDIR)$(MANDIR)/man3/
	@# man arena_buf_put finds its group's page: a .so link per function.
	for page in userlib/man/arena_*.3; do \
		sed -n '/^\.SH NAME/,/\\-/p' $$page | sed '1d; s/\\-.*//' | tr ',' '\n' | \
		while read -r fn; do \
			[ -z "$$fn" ] || [ "$$fn.3" = "$${page##*/}" ] || \
			echo ".so man3/$${page##*/}" > $(DESTDIR)$(MANDIR)/man3/$$fn.3; \
		done; \
	done
	install -m 644 userlib/arenactl/arenactl.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 644 packaging/60-arena.rules $(DESTDIR)$(UDEVRULESDIR)/
	test -e $(DESTDIR)$(MODPROBEDIR)/arena.conf || \
		install -m 644 packaging/arena.conf $(DESTDIR)$(MODPROBEDIR)/

# The module's sources and dkms.conf as DKMS wants them:
# /usr/src/arena-VERSION (DESTDIR moves it), then dkms add/build/install.
DKMS_VERSION	:= $(LIB_VERSION)
DKMS_SRC	?= /usr/src/arena-$(DKMS_VERSION)

dkms-source:
	install -d $(DESTDIR)$(DKMS_SRC)
	cp -R Kbuild kmod uapi $(DESTDIR)$(DKMS_SRC)/
	rm -rf $(DESTDIR)$(DKMS_SRC)/kmod/core/host
	sed 's|@VERSION@|$(DKMS_VERSION)|' packaging/dkms.conf > $(DESTDIR)$(DKMS_SRC)/dkms.conf

check:
	@scripts/check

demo:
	@scripts/demo

bench:
	@scripts/bench

fuzz:
	@scripts/fuzz

clean:
	rm -rf $(BUILD)
