/* faultinject_alloc.c - the fault shim's allocator wrappers: rules on "malloc",
 * "calloc" and "realloc" (faultinject.c) make an allocation of the program fail with
 * ENOMEM, so a test can prove that running out of memory anywhere is an error, never a
 * different result. strdup, fopen and the like allocate through malloc: they count too.
 *
 * The wrappers must work before they can reach the real allocator: dlsym itself may
 * allocate, so what is asked for while the real functions are being looked up comes from
 * a small static arena (free() of it does nothing, realloc() moves it out). Nothing
 * counts before the shim's constructor has run (libc is set up by then, and the rules
 * can be read), nor while the shim is inside its own code.
 *
 * The log names an allocation's callers by the return addresses inside the program
 * itself (backtrace(), so through strdup and fopen too), innermost first, as
 * "main+0xOFF1/0xOFF2/...", each less one so that `addr2line -f -i -e PROGRAM 0xOFF`
 * names the line of the call: a test can tell an allocation made while deciding. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "faultinject.h"

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);
static int resolving; /* inside dlsym: allocations come from the arena */
static int ready;     /* the constructor has run: allocations may count */

#define ARENA_SIZE (64 * 1024)
#define ARENA_HDR 16 /* each block: its size, then the memory (16-byte aligned) */
static _Alignas(16) unsigned char arena[ARENA_SIZE];
static size_t arena_used;

static void *arena_alloc(size_t n)
{
	size_t need = ARENA_HDR + ((n + 15) & ~(size_t)15);
	if (n > ARENA_SIZE || need > ARENA_SIZE - arena_used)
		return NULL;
	unsigned char *p = arena + arena_used;
	arena_used += need;
	memcpy(p, &n, sizeof n);
	return p + ARENA_HDR; /* zeroed: the arena is static and never reused */
}

static int in_arena(const void *p)
{
	return (const unsigned char *)p >= arena && (const unsigned char *)p < arena + ARENA_SIZE;
}

static void resolve(void)
{
	resolving = 1;
	real_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
	real_calloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
	real_realloc = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
	real_free = (void (*)(void *))dlsym(RTLD_NEXT, "free");
	resolving = 0;
}

__attribute__((constructor)) static void alloc_ready(void)
{
	ready = 1;
}

/* The program's own mapping (the first object dl_iterate_phdr reports). */
static uintptr_t main_lo, main_hi, main_base;

static int main_range(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	(void)data;
	main_base = info->dlpi_addr;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD)
			continue;
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
		if (!main_lo || lo < main_lo)
			main_lo = lo;
		if (hi > main_hi)
			main_hi = hi;
	}
	return 1; /* the first one only */
}

static void where(char *buf, size_t n)
{
	void *fr[64];
	if (!main_hi)
		dl_iterate_phdr(main_range, NULL);
	int k = backtrace(fr, 64);
	size_t len = (size_t)snprintf(buf, n, "main+");
	const char *sep = "";
	for (int i = 0; i < k && len < n; i++) {
		uintptr_t a = (uintptr_t)fr[i];
		if (a <= main_lo || a > main_hi)
			continue;
		len += (size_t)snprintf(buf + len, n - len, "%s0x%lx", sep,
					(unsigned long)(a - 1 - main_base));
		sep = "/";
	}
	if (!*sep && len < n)
		snprintf(buf + len, n - len, "?");
}

static int fails(const char *func)
{
	return ready && !fi_busy && fi_fault_alloc(func, where) != 0;
}

void *malloc(size_t n)
{
	if (!real_malloc) {
		if (resolving)
			return arena_alloc(n);
		resolve();
	}
	if (fails("malloc"))
		return NULL;
	return real_malloc(n);
}

void *calloc(size_t n, size_t m)
{
	if (!real_calloc) {
		if (resolving)
			return m && n > SIZE_MAX / m ? NULL : arena_alloc(n * m);
		resolve();
	}
	if (fails("calloc"))
		return NULL;
	return real_calloc(n, m);
}

void *realloc(void *p, size_t n)
{
	if (!real_realloc) {
		if (resolving) {
			void *q = arena_alloc(n);
			if (q && p) {
				size_t old;
				memcpy(&old, (unsigned char *)p - ARENA_HDR, sizeof old);
				memcpy(q, p, old < n ? old : n);
			}
			return q;
		}
		resolve();
	}
	if (fails("realloc"))
		return NULL;
	if (p && in_arena(p)) {
		size_t old;
		memcpy(&old, (unsigned char *)p - ARENA_HDR, sizeof old);
		void *q = real_malloc(n ? n : 1);
		if (q)
			memcpy(q, p, old < n ? old : n);
		return q;
	}
	return real_realloc(p, n);
}

void free(void *p)
{
	if (!p || in_arena(p))
		return;
	if (!real_free)
		resolve();
	real_free(p);
}
