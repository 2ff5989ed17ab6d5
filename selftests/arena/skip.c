// SPDX-License-Identifier: GPL-2.0
/*
 * What the kselftest build makes in place of a program whose build needs
 * something the tree lacks (SKIP_REASON says what): a program that skips,
 * saying so, rather than one missing from the run.
 */
#include "../kselftest.h"

int main(void)
{
	ksft_print_header();
	ksft_exit_skip("%s\n", SKIP_REASON);
}
