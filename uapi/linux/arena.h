/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * arena: huge-page-backed, physically contiguous memory through /dev/arena.
 *
 * The userspace ABI.  Documentation/abi.rst describes every definition here
 * and the compatibility promise.
 */
#ifndef _UAPI_LINUX_ARENA_H
#define _UAPI_LINUX_ARENA_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* The character device, relative to /dev. */
#define ARENA_DEVICE_NAME	"arena"

#endif /* _UAPI_LINUX_ARENA_H */
