// SPDX-License-Identifier: GPL-2.0
/*
 * The ioctls of /dev/arena (uapi/linux/arena.h).
 *
 * Commands are matched on their number; the size field of the command is
 * the size of the struct userspace was built with.  Input structs are read
 * with copy_struct_from_user(), so older (shorter) structs are zero-extended
 * and newer ones fail with E2BIG if they set what this module does not
 * know.  Output is copied up to the caller's size and zero-filled beyond
 * ours.  Sizes below the first version of a struct are EINVAL.
 */

#include <linux/dma-buf.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/nospec.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "file.h"

/* The first published size of each struct; they only grow. */
#define ARENA_INFO_SIZE_VER0		offsetofend(struct arena_info, exported_grants)
#define ARENA_CREATE_SIZE_VER0		sizeof(struct arena_create)
#define ARENA_ALLOC_SIZE_VER0		offsetofend(struct arena_alloc, arena_offset)
#define ARENA_FREE_SIZE_VER0		sizeof(struct arena_free)
#define ARENA_ALLOC_BATCH_SIZE_VER0	sizeof(struct arena_alloc_batch)
#define ARENA_FREE_BATCH_SIZE_VER0	sizeof(struct arena_free_batch)
#define ARENA_EXPORT_SIZE_VER0		sizeof(struct arena_export)
#define ARENA_SYNC_SIZE_VER0		sizeof(struct arena_sync)

static int copy_out(void __user *uarg, size_t usize, const void *k, size_t ksize)
{
	if (copy_to_user(uarg, k, min(usize, ksize)))
		return -EFAULT;
	if (usize > ksize && clear_user(uarg + ksize, usize - ksize))
		return -EFAULT;
	return 0;
}

static long arena_ioc_info(struct file *file, void __user *uarg, size_t usize)
{
	struct arena *arena = arena_file_arena(file, false);
	struct arena_info info;

	if (IS_ERR(arena))
		return PTR_ERR(arena);
	arena_fill_info(arena, &info);
	return copy_out(uarg, usize, &info, sizeof(info));
}

static long arena_ioc_create(struct file *file, void __user *uarg, size_t usize)
{
	struct arena_file *af = file->private_data;
	struct arena_create c;
	struct arena *arena;
	int ret;

	ret = copy_struct_from_user(&c, sizeof(c), uarg, usize);
	if (ret)
		return ret;
	if (READ_ONCE(af->arena))
		return -EBUSY;	/* cheap early answer; binding decides */
	/* An ioctl has only its errno to say why (abi.rst lists them). */
	arena = arena_create(&c, ARENA_KIND_PRIVATE, true, NULL);
	if (IS_ERR(arena))
		return PTR_ERR(arena);
	ret = arena_register(arena) ?: arena_file_bind(file, arena);
	if (ret)
		arena_put(arena);
	return ret;
}

static void arena_describe(const struct arena_grant *grant, u32 handle,
			   struct arena_grant_desc *d)
{
	d->handle = handle;
	d->offset = arena_cookie(grant->arena, handle);
	d->granted = grant->capacity;
	d->arena_offset = grant->offset;
}

/*
 * Whether @file may export with @flags (O_CLOEXEC and an access mode): an
 * export gives no access its maker's file lacks (it has write).
 */
static int arena_export_allowed(struct file *file, u32 flags)
{
	if (flags & ~(O_CLOEXEC | O_ACCMODE) || (flags & O_ACCMODE) == O_ACCMODE)
		return -EINVAL;
	if ((flags & O_ACCMODE) != O_WRONLY && !(file->f_mode & FMODE_READ))
		return -EACCES;
	return 0;
}

/*
 * ARENA_ALLOC_EXPORT: export @grant, just made and held by our reference
 * alone, whole; the dma-buf takes the grant over.  Its fd is installed only
 * once userspace has learnt it, so a failed copy leaves nothing behind.
 */
static long arena_alloc_export(struct arena_grant *grant, struct arena_alloc *a,
			       void __user *uarg, size_t usize)
{
	struct dma_buf *dmabuf = arena_export_dmabuf(grant, 0, 0, a->export_flags);
	int ret, fd;

	arena_grant_put(grant);		/* the dma-buf's reference, if any, remains */
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	fd = get_unused_fd_flags(a->export_flags & O_CLOEXEC);
	if (fd < 0) {
		dma_buf_put(dmabuf);	/* ->release returns the grant */
		return fd;
	}
	a->fd = fd;
	ret = copy_out(uarg, usize, a, sizeof(*a));
	if (ret) {
		put_unused_fd(fd);
		dma_buf_put(dmabuf);
		return ret;
	}
	fd_install(fd, dmabuf->file);
	return 0;
}

static long arena_ioc_alloc(struct file *file, void __user *uarg, size_t usize)
{
	struct arena_grant *grant;
	struct arena *arena;
	struct arena_alloc a;
	u32 handle;
	int ret;

	ret = copy_struct_from_user(&a, sizeof(a), uarg, usize);
	if (ret)
		return ret;
	if (a.flags & ~ARENA_ALLOC_FLAGS || a.pad ||
	    (a.timeout_ns && !(a.flags & ARENA_ALLOC_WAIT)))
		return -EINVAL;
	if (a.flags & ARENA_ALLOC_EXPORT) {
		/* Too short a struct for the fd: nowhere to put it. */
		if (usize < offsetofend(struct arena_alloc, fd))
			return -EINVAL;
		ret = arena_export_allowed(file, a.export_flags);
		if (ret)
			return ret;
	} else if (a.export_flags) {
		return -EINVAL;
	}
	a.fd = 0;	/* an fd only with ARENA_ALLOC_EXPORT */
	arena = arena_file_arena(file, true);
	if (IS_ERR(arena))
		return PTR_ERR(arena);
	ret = a.flags & ARENA_ALLOC_CONTIG ? arena_contig_check(arena, a.size) : 0;
	if (ret)
		return ret;
	ret = arena_grant_alloc_wait(arena, a.size, a.flags & ARENA_ALLOC_WAIT,
				     a.timeout_ns, &grant);
	if (ret)
		return ret;
	if (a.flags & ARENA_ALLOC_EXPORT) {
		a.handle = 0;		/* out fields: whatever came in goes */
		a.offset = 0;
		a.granted = grant->capacity;
		a.arena_offset = grant->offset;
		return arena_alloc_export(grant, &a, uarg, usize);
	}
	/*
	 * The handle takes the allocation's reference.  Once it is in the
	 * xarray another thread may free it, so a reference of our own keeps
	 * the grant until it has been described.
	 */
	arena_grant_get(grant);
	ret = arena_add_handle(file, grant, &handle);
	if (ret) {
		arena_grant_put(grant);
		arena_grant_put(grant);
		return ret;
	}
	a.handle = handle;
	a.offset = arena_cookie(arena, handle);
	a.granted = grant->capacity;
	a.arena_offset = grant->offset;
	ret = copy_out(uarg, usize, &a, sizeof(a));
	if (ret)
		arena_drop_handle(file, handle, grant);	/* nobody learnt it */
	arena_grant_put(grant);
	return ret;
}

static long arena_ioc_free(struct file *file, void __user *uarg, size_t usize)
{
	struct arena_grant *grant;
	struct arena_free f;
	int ret;

	ret = copy_struct_from_user(&f, sizeof(f), uarg, usize);
	if (ret)
		return ret;
	if (f.flags || f.pad)
		return -EINVAL;
	grant = arena_take_handle(file, f.handle);
	if (!grant)
		return -ENOENT;
	arena_grant_put(grant);
	return 0;
}

/*
 * Give each of the @got grants a handle, for as many as can have one; the
 * rest go straight back.  As in arena_ioc_alloc(), each published grant
 * keeps a reference of the caller's until it has been described.
 *
 * Return: how many have a handle.
 */
static unsigned int arena_publish_batch(struct file *file, struct arena_grant **grants,
					unsigned int got, u32 *handles)
{
	unsigned int i, done;

	for (i = 0; i < got; i++) {
		arena_grant_get(grants[i]);
		if (arena_add_handle(file, grants[i], &handles[i])) {
			arena_grant_put(grants[i]);
			break;
		}
	}
	for (done = i; i < got; i++)
		arena_grant_put(grants[i]);
	return done;
}

/* Describe the @b->done published grants to userspace. */
static int arena_report_batch(struct arena_alloc_batch *b, void __user *uarg, size_t usize,
			      struct arena_grant **grants, const u32 *handles)
{
	struct arena_grant_desc __user *out = u64_to_user_ptr(b->grants);
	struct arena_grant_desc d;
	unsigned int i;

	for (i = 0; i < b->done; i++) {
		arena_describe(grants[i], handles[i], &d);
		if (copy_to_user(&out[i], &d, sizeof(d)))
			return -EFAULT;
	}
	return copy_out(uarg, usize, b, sizeof(*b));
}

static long arena_ioc_alloc_batch(struct file *file, void __user *uarg, size_t usize)
{
	struct arena_grant **grants;
	struct arena_alloc_batch b;
	struct arena *arena;
	unsigned int i;
	u32 *handles;
	int ret, got;

	ret = copy_struct_from_user(&b, sizeof(b), uarg, usize);
	if (ret)
		return ret;
	if (b.flags & ~ARENA_ALLOC_BATCH_FLAGS || b.pad || !b.count || b.count > ARENA_BATCH_MAX)
		return -EINVAL;
	arena = arena_file_arena(file, true);
	if (IS_ERR(arena))
		return PTR_ERR(arena);
	ret = b.flags & ARENA_ALLOC_CONTIG ? arena_contig_check(arena, b.size) : 0;
	if (ret)
		return ret;

	grants = kvmalloc_array(b.count, sizeof(*grants), GFP_KERNEL);
	handles = kvmalloc_array(b.count, sizeof(*handles), GFP_KERNEL);
	if (!grants || !handles) {
		ret = -ENOMEM;
		goto free;
	}
	got = arena_grants_alloc(arena, b.size, b.count, grants);
	if (got < 0) {
		ret = got;
		goto free;
	}
	b.done = arena_publish_batch(file, grants, got, handles);
	ret = b.done ? arena_report_batch(&b, uarg, usize, grants, handles) : -ENOMEM;
	for (i = 0; i < b.done; i++) {
		/* Nothing was learnt: every grant of this call goes back. */
		if (ret)
			arena_drop_handle(file, handles[i], grants[i]);
		arena_grant_put(grants[i]);
	}
free:
	kvfree(handles);
	kvfree(grants);
	return ret;
}

static long arena_ioc_free_batch(struct file *file, void __user *uarg, size_t usize)
{
	struct arena_free_batch b;
	struct arena_grant *grant;
	u64 __user *handles;
	u64 handle;
	int ret;

	ret = copy_struct_from_user(&b, sizeof(b), uarg, usize);
	if (ret)
		return ret;
	if (b.flags || b.pad || !b.count || b.count > ARENA_BATCH_MAX)
		return -EINVAL;
	handles = u64_to_user_ptr(b.handles);
	for (b.done = 0; b.done < b.count; b.done++) {
		if (get_user(handle, &handles[b.done])) {
			ret = -EFAULT;
			break;
		}
		grant = arena_take_handle(file, handle);
		if (!grant) {
			ret = -ENOENT;
			break;
		}
		arena_grant_put(grant);
	}
	/* done is reported also when the call fails part way. */
	if (copy_out(uarg, usize, &b, sizeof(b)) && !ret)
		ret = -EFAULT;
	return ret;
}

static long arena_ioc_export(struct file *file, void __user *uarg, size_t usize)
{
	struct arena_grant *grant;
	struct arena_export e;
	int ret, fd;

	ret = copy_struct_from_user(&e, sizeof(e), uarg, usize);
	if (ret)
		return ret;
	ret = arena_export_allowed(file, e.flags);
	if (ret)
		return ret;
	grant = arena_file_grant(file, e.handle);
	if (!grant)
		return -ENOENT;
	fd = arena_export(grant, e.offset, e.length, e.flags);
	arena_grant_put(grant);
	if (fd < 0)
		return fd;
	e.fd = fd;
	/*
	 * The descriptor is installed: if userspace cannot learn it, it stays
	 * open until exit, as with any fd-returning ioctl that faults here.
	 */
	return copy_out(uarg, usize, &e, sizeof(e));
}

static long arena_ioc_sync(struct file *file, void __user *uarg, size_t usize)
{
	struct arena_grant *grant;
	struct arena_sync sync;
	int ret;

	ret = copy_struct_from_user(&sync, sizeof(sync), uarg, usize);
	if (ret)
		return ret;
	if (sync.pad)
		return -EINVAL;
	grant = arena_file_grant(file, sync.handle);
	if (!grant)
		return -ENOENT;
	ret = arena_sync_range(grant, sync.offset, sync.length, sync.flags);
	arena_grant_put(grant);
	return ret;
}

/*
 * @writes: the command changes the arena or its grants, which a file opened
 * read-only may not do (it may look: INFO).
 */
static const struct {
	unsigned int dir;
	bool writes;
	size_t min_size;
	long (*fn)(struct file *file, void __user *uarg, size_t usize);
} arena_ioctls[] = {
	[_IOC_NR(ARENA_IOC_INFO)] = { _IOC_READ, false, ARENA_INFO_SIZE_VER0, arena_ioc_info },
	[_IOC_NR(ARENA_IOC_CREATE)] = { _IOC_WRITE, true, ARENA_CREATE_SIZE_VER0,
					arena_ioc_create },
	[_IOC_NR(ARENA_IOC_ALLOC)] = { _IOC_READ | _IOC_WRITE, true, ARENA_ALLOC_SIZE_VER0,
				       arena_ioc_alloc },
	[_IOC_NR(ARENA_IOC_FREE)] = { _IOC_WRITE, true, ARENA_FREE_SIZE_VER0, arena_ioc_free },
	[_IOC_NR(ARENA_IOC_ALLOC_BATCH)] = { _IOC_READ | _IOC_WRITE, true,
					     ARENA_ALLOC_BATCH_SIZE_VER0, arena_ioc_alloc_batch },
	[_IOC_NR(ARENA_IOC_FREE_BATCH)] = { _IOC_READ | _IOC_WRITE, true,
					    ARENA_FREE_BATCH_SIZE_VER0, arena_ioc_free_batch },
	[_IOC_NR(ARENA_IOC_EXPORT)] = { _IOC_READ | _IOC_WRITE, true, ARENA_EXPORT_SIZE_VER0,
					arena_ioc_export },
	[_IOC_NR(ARENA_IOC_SYNC)] = { _IOC_WRITE, true, ARENA_SYNC_SIZE_VER0, arena_ioc_sync },
};

/**
 * arena_ioctl() - the ioctls of /dev/arena and of named arenas' nodes
 * @file: an open arena file
 * @cmd: an ARENA_IOC_* command
 * @arg: its argument, a user pointer
 *
 * Commands are looked up by number and must match their direction; the
 * size in @cmd is the caller's struct size, at least the command's first
 * version (handlers copy with copy_struct_from_user(), so larger structs
 * with zeroed tails work and set unknown bytes fail with E2BIG).
 *
 * Return: what the command returns, -ENOTTY for an unknown command,
 * -EINVAL for a struct smaller than its first version, or -EBADF for a
 * command that changes something on a file not opened for writing.
 */
long arena_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	unsigned int nr = _IOC_NR(cmd);

	if (_IOC_TYPE(cmd) != ARENA_IOC_MAGIC || nr >= ARRAY_SIZE(arena_ioctls))
		return -ENOTTY;
	/* @nr is the caller's: no speculation past the bound above. */
	nr = array_index_nospec(nr, ARRAY_SIZE(arena_ioctls));
	if (!arena_ioctls[nr].fn || _IOC_DIR(cmd) != arena_ioctls[nr].dir)
		return -ENOTTY;
	if (_IOC_SIZE(cmd) < arena_ioctls[nr].min_size)
		return -EINVAL;
	if (arena_ioctls[nr].writes && !(file->f_mode & FMODE_WRITE))
		return -EBADF;
	return arena_ioctls[nr].fn(file, (void __user *)arg, _IOC_SIZE(cmd));
}
