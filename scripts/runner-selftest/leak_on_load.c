// SPDX-License-Identifier: GPL-2.0
/*
 * A planted failure for the runner's self-test: memory allocated at load
 * and never referenced again.  kmemleak reports it only from a scan that
 * runs after it is 5 s old; vm-run must scan at the end of the run and
 * fail it, naming this function in the backtrace.
 */
#include <linux/module.h>
#include <linux/slab.h>

static int __init leak_on_load_init(void)
{
	/* The only pointer to it is dropped at once. */
	return kmalloc(128, GFP_KERNEL) ? 0 : -ENOMEM;
}

static void __exit leak_on_load_exit(void)
{
}

module_init(leak_on_load_init);
module_exit(leak_on_load_exit);
MODULE_DESCRIPTION("arena runner self-test: a leak only kmemleak sees");
MODULE_LICENSE("GPL");
