// SPDX-License-Identifier: GPL-2.0
/* The upper layer: calls down, as it may, and is called from below. */
#include <linux/module.h>

int lower_feature(void);

int upper_feature(void)
{
	return 41;
}

static int __init layered_init(void)
{
	return lower_feature() == 42 ? 0 : -EINVAL;
}
module_init(layered_init);

MODULE_DESCRIPTION("A planted upward call, for scripts/layer-check");
MODULE_LICENSE("GPL");
