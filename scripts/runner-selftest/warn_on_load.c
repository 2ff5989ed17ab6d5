// SPDX-License-Identifier: GPL-2.0
/*
 * Test module for the VM runner's own test: WARNs when loaded, so that the
 * runner has to report a kernel log with a WARNING.
 */
#include <linux/bug.h>
#include <linux/module.h>

static int __init warn_on_load_init(void)
{
	WARN(1, "arena runner self-test: a deliberate warning\n");
	return 0;
}

static void __exit warn_on_load_exit(void)
{
}

module_init(warn_on_load_init);
module_exit(warn_on_load_exit);

MODULE_DESCRIPTION("Deliberate WARN for the arena VM runner's self-test");
MODULE_LICENSE("GPL");
