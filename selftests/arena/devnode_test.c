// SPDX-License-Identifier: GPL-2.0
/*
 * The device node that arena.ko registers: present, a misc character device
 * with the default mode, and openable.  Needs the module loaded.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/arena.h>

#include "../kselftest_harness.h"

#define DEV_PATH	"/dev/" ARENA_DEVICE_NAME
#define MISC_MAJOR	10

TEST(node_is_misc_char_device)
{
	struct stat st;

	ASSERT_EQ(0, stat(DEV_PATH, &st)) TH_LOG("stat %s: %s", DEV_PATH, strerror(errno));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(MISC_MAJOR, major(st.st_rdev));
}

TEST(node_default_mode_is_0600)
{
	struct stat st;

	ASSERT_EQ(0, stat(DEV_PATH, &st));
	EXPECT_EQ(0600, st.st_mode & 07777);
}

TEST(open_and_close)
{
	int fd = open(DEV_PATH, O_RDWR | O_CLOEXEC);

	ASSERT_LE(0, fd) TH_LOG("open %s: %s", DEV_PATH, strerror(errno));
	EXPECT_EQ(0, close(fd));
}

TEST_HARNESS_MAIN
