// SPDX-License-Identifier: GPL-2.0
/* The lower layer, which wrongly calls the upper one. */
#include <linux/module.h>

int upper_feature(void);

int lower_feature(void)
{
	return upper_feature() + 1;
}
