/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel primitives the allocator core uses, for native userspace builds
 * (host tests, fuzzer, benchmarks); included by kmod/core_compat.h only.
 * Names and semantics, memory ordering included, follow the kernel's.
 *
 * Per-CPU data: a thread takes a "CPU" number the first time it needs one
 * (host/compat.c).  Threads holding numbers below HOST_NR_CPUS - 1 own their
 * slot of every per-CPU area and update it with plain stores, as a CPU
 * would; threads beyond that share the last slot and update it atomically,
 * so the sums stay exact however many threads run.
 */
#ifndef ARENA_HOST_KERNEL_H
#define ARENA_HOST_KERNEL_H


#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

typedef uint8_t u8;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;

#define BITS_PER_LONG		64
#define U32_MAX			UINT32_MAX
#define SMP_CACHE_BYTES		64
#define ____cacheline_aligned	__attribute__((aligned(SMP_CACHE_BYTES)))
#define BIT(n)			(1UL << (n))
#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))
#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)
#define container_of(p, type, member) \
	((type *)((char *)(p) - offsetof(type, member)))
#define min(a, b)		((a) < (b) ? (a) : (b))
#define max(a, b)		((a) > (b) ? (a) : (b))
#define min_t(t, a, b)		min((t)(a), (t)(b))
#define __percpu
#define __releases(x)		/* sparse context annotation */
#define __always_unused		__attribute__((__unused__))
#define EXPORT_SYMBOL_IF_KUNIT(sym)	/* for the kernel's KUnit module */
#define GFP_KERNEL		0
#define __GFP_ACCOUNT		0

#define check_add_overflow(a, b, d)	__builtin_add_overflow(a, b, d)
#define check_mul_overflow(a, b, d)	__builtin_mul_overflow(a, b, d)

#define READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

static inline unsigned long __ffs(unsigned long w) { return __builtin_ctzl(w); }
static inline unsigned long __fls(unsigned long w) { return 63 - __builtin_clzl(w); }
static inline bool is_power_of_2(u64 n) { return n && !(n & (n - 1)); }
static inline unsigned int ilog2(u64 n) { return 63 - __builtin_clzll(n); }
static inline u64 roundup_pow_of_two(u64 n) { return n <= 1 ? 1 : 1ULL << (ilog2(n - 1) + 1); }

static inline void __set_bit(unsigned long nr, unsigned long *addr)
{
	addr[nr / BITS_PER_LONG] |= BIT(nr % BITS_PER_LONG);
}

static inline void __clear_bit(unsigned long nr, unsigned long *addr)
{
	addr[nr / BITS_PER_LONG] &= ~BIT(nr % BITS_PER_LONG);
}

static inline void clear_bit(unsigned long nr, unsigned long *addr)
{
	__atomic_fetch_and(&addr[nr / BITS_PER_LONG], ~BIT(nr % BITS_PER_LONG), __ATOMIC_RELAXED);
}

static inline bool test_bit(unsigned long nr, const unsigned long *addr)
{
	return addr[nr / BITS_PER_LONG] & BIT(nr % BITS_PER_LONG);
}

typedef struct { long counter; } atomic_long_t;

static inline long atomic_long_read(const atomic_long_t *v)
{
	return __atomic_load_n(&v->counter, __ATOMIC_RELAXED);
}

static inline void atomic_long_set(atomic_long_t *v, long i)
{
	__atomic_store_n(&v->counter, i, __ATOMIC_RELAXED);
}

static inline bool atomic_long_try_cmpxchg_acquire(atomic_long_t *v, long *old, long new)
{
	return __atomic_compare_exchange_n(&v->counter, old, new, false,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static inline long atomic_long_fetch_or_release(long i, atomic_long_t *v)
{
	return __atomic_fetch_or(&v->counter, i, __ATOMIC_RELEASE);
}

/* A test-and-test-and-set lock; there are no interrupts to mask. */
typedef struct { int locked; } spinlock_t;

static inline void spin_lock_init(spinlock_t *l) { l->locked = 0; }

static inline void host_spin_lock(spinlock_t *l)
{
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			__builtin_ia32_pause();
}

/* What lockdep would check: that the caller holds @l. */
#define lockdep_assert_held(l)	assert(__atomic_load_n(&(l)->locked, __ATOMIC_RELAXED))

#define spin_lock_irqsave(l, flags)	 do { (flags) = 0; host_spin_lock(l); } while (0)
#define spin_unlock_irqrestore(l, flags) \
	do { (void)(flags); __atomic_store_n(&(l)->locked, 0, __ATOMIC_RELEASE); } while (0)

static inline void *kvcalloc(size_t n, size_t size, int gfp) { (void)gfp; return calloc(n, size); }
static inline void kvfree(const void *p) { free((void *)p); }

/* Per-CPU areas: HOST_NR_CPUS slots of HOST_PCPU_STRIDE bytes each. */
#define HOST_NR_CPUS		64
#define HOST_PCPU_STRIDE	128

extern __thread int host_cpu;
int host_cpu_assign(void);

static inline int host_cpu_id(void)
{
	return likely(host_cpu >= 0) ? host_cpu : host_cpu_assign();
}

#define raw_smp_processor_id()	host_cpu_id()
#define nr_cpu_ids		HOST_NR_CPUS
#define for_each_possible_cpu(cpu) for ((cpu) = 0; (cpu) < HOST_NR_CPUS; (cpu)++)
#define per_cpu_ptr(p, cpu)	((__typeof__(p))((char *)(p) + (size_t)(cpu) * HOST_PCPU_STRIDE))
#define host_this_cpu_lvalue(pcp) \
	(*(__typeof__(&(pcp)))((char *)&(pcp) + (size_t)host_cpu_id() * HOST_PCPU_STRIDE))

static inline void *host_alloc_percpu(size_t size)
{
	if (size > HOST_PCPU_STRIDE)
		abort();
	return aligned_alloc(SMP_CACHE_BYTES,
			     (size_t)HOST_NR_CPUS * HOST_PCPU_STRIDE);
}

#define alloc_percpu_gfp(type, gfp) ({					\
	type *__p = host_alloc_percpu(sizeof(type));			\
	if (__p)							\
		__builtin_memset(__p, 0, (size_t)HOST_NR_CPUS * HOST_PCPU_STRIDE); \
	__p; })
#define free_percpu(p)		free(p)

#define this_cpu_read(pcp)	__atomic_load_n(&host_this_cpu_lvalue(pcp), __ATOMIC_RELAXED)
#define this_cpu_write(pcp, v)	__atomic_store_n(&host_this_cpu_lvalue(pcp), (v), __ATOMIC_RELAXED)
#define this_cpu_add(pcp, v) do {					\
	__typeof__(&(pcp)) __q = &host_this_cpu_lvalue(pcp);		\
	if (likely(host_cpu_id() < HOST_NR_CPUS - 1))			\
		__atomic_store_n(__q, __atomic_load_n(__q, __ATOMIC_RELAXED) + (v), \
				 __ATOMIC_RELAXED);			\
	else								\
		__atomic_fetch_add(__q, (v), __ATOMIC_RELAXED);		\
} while (0)


#endif /* ARENA_HOST_KERNEL_H */
