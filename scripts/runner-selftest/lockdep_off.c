// SPDX-License-Identifier: GPL-2.0
/*
 * A planted failure for the runner's self-test: acquire a lock whose
 * lockdep map lives on the heap with no key.  Lockdep prints "INFO: trying
 * to register non-static key", no WARNING, and turns itself off for the
 * rest of the boot, so every later locking bug would pass unseen.  vm-run
 * must fail the run, on the report and on lockdep being off at the end.
 */
#include <linux/lockdep.h>
#include <linux/module.h>
#include <linux/slab.h>

static int __init lockdep_off_init(void)
{
	struct lockdep_map *map = kzalloc(sizeof(*map), GFP_KERNEL);

	if (!map)
		return -ENOMEM;
	lock_map_acquire(map);
	lock_map_release(map);
	kfree(map);
	return 0;
}

static void __exit lockdep_off_exit(void)
{
}

module_init(lockdep_off_init);
module_exit(lockdep_off_exit);
MODULE_DESCRIPTION("arena runner self-test: a lock lockdep cannot register");
MODULE_LICENSE("GPL");
