// SPDX-License-Identifier: GPL-2.0
/*
 * Host side of kmod/core_compat.h: "CPU" numbers for threads.
 *
 * A thread takes the lowest free number below HOST_NR_CPUS - 1 and gives it
 * back when it exits, so that live threads have distinct numbers as CPUs
 * do; when all are taken it shares the last one (whose per-CPU slots are
 * updated atomically).
 */
#include <pthread.h>

#include "../core_compat.h"

__thread int host_cpu = -1;
static unsigned long host_cpus_taken;	/* bit n: number n owned by a live thread */
static pthread_key_t host_cpu_key;
static pthread_once_t host_cpu_once = PTHREAD_ONCE_INIT;

static void host_cpu_release(void *arg)
{
	unsigned long n = (unsigned long)arg - 1;

	__atomic_fetch_and(&host_cpus_taken, ~BIT(n), __ATOMIC_RELEASE);
}

static void host_cpu_key_init(void)
{
	if (pthread_key_create(&host_cpu_key, host_cpu_release))
		abort();
}

int host_cpu_assign(void)
{
	unsigned long taken = __atomic_load_n(&host_cpus_taken, __ATOMIC_RELAXED);
	unsigned long n;

	pthread_once(&host_cpu_once, host_cpu_key_init);
	do {
		n = __builtin_ctzl(~taken);
		if (n >= HOST_NR_CPUS - 1) {
			host_cpu = HOST_NR_CPUS - 1;	/* shared, atomic updates */
			return host_cpu;
		}
	} while (!__atomic_compare_exchange_n(&host_cpus_taken, &taken, taken | BIT(n),
					      false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED));
	pthread_setspecific(host_cpu_key, (void *)(n + 1));
	host_cpu = n;
	return host_cpu;
}
