/* plan_write.c - in-memory plan builder and the atomic writer. */
#include "plan_write.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "le.h"
#include "opcodes.h"
#include "outfile.h"
#include "sha256.h"

struct buf {
	unsigned char *p;
	size_t len, cap;
};

/* Sections from S__OPTIONAL on are optional extensions (lower-case ids): written only
 * when they hold something, so a plan without them stays what older migc wrote. */
enum { S_STRS, S_SRCS, S_VARS, S_COMP, S_PATS, S_RULE, S_ENTS, S_CODE, S_CNST, S_ERRC, S_HLNK,
       S_GRPM, S__N, S__OPTIONAL = S_GRPM };

static const uint32_t sec_ids[S__N] = {SEC_STRS, SEC_SRCS, SEC_VARS, SEC_COMP, SEC_PATS, SEC_RULE,
				       SEC_ENTS, SEC_CODE, SEC_CNST, SEC_ERRC, SEC_HLNK, SEC_GRPM};

struct strent {
	uint32_t off;
	uint32_t hash;
};

struct progent {
	uint32_t pc;
	uint32_t hash;
};

struct plan_builder {
	struct buf sec[S__N];
	struct progent *progs; /* open addressing over emitted programs */
	size_t progcap, nprogs;
	struct strent *tab; /* open addressing over the string pool */
	size_t tabcap, tabn;
};

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n);
	if (!q) {
		fprintf(stderr, "migc: out of memory\n");
		abort();
	}
	return q;
}

static size_t buf_put(struct buf *b, const void *data, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		while (cap < b->len + n)
			cap *= 2;
		b->p = xrealloc(b->p, cap);
		b->cap = cap;
	}
	size_t at = b->len;
	memcpy(b->p + at, data, n);
	b->len += n;
	return at;
}

struct plan_builder *pb_new(void)
{
	struct plan_builder *b = calloc(1, sizeof *b);
	if (!b)
		return NULL;
	buf_put(&b->sec[S_STRS], "", 1);
	return b;
}

void pb_free(struct plan_builder *b)
{
	if (!b)
		return;
	for (int i = 0; i < S__N; i++)
		free(b->sec[i].p);
	free(b->tab);
	free(b->progs);
	free(b);
}

static uint32_t fnv(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static void tab_grow(struct plan_builder *b)
{
	size_t cap = b->tabcap ? b->tabcap * 2 : 1024;
	struct strent *t = calloc(cap, sizeof *t);
	if (!t) {
		fprintf(stderr, "migc: out of memory\n");
		abort();
	}
	for (size_t i = 0; i < b->tabcap; i++) {
		if (!b->tab[i].off)
			continue;
		size_t j = b->tab[i].hash & (cap - 1);
		while (t[j].off)
			j = (j + 1) & (cap - 1);
		t[j] = b->tab[i];
	}
	free(b->tab);
	b->tab = t;
	b->tabcap = cap;
}

uint32_t pb_str(struct plan_builder *b, const char *s)
{
	if (!s || !*s)
		return 0;
	if ((b->tabn + 1) * 2 > b->tabcap)
		tab_grow(b);
	uint32_t h = fnv(s);
	size_t j = h & (b->tabcap - 1);
	while (b->tab[j].off) {
		if (b->tab[j].hash == h && !strcmp((char *)b->sec[S_STRS].p + b->tab[j].off, s))
			return b->tab[j].off;
		j = (j + 1) & (b->tabcap - 1);
	}
	uint32_t off = (uint32_t)buf_put(&b->sec[S_STRS], s, strlen(s) + 1);
	b->tab[j].off = off;
	b->tab[j].hash = h;
	b->tabn++;
	return off;
}

#define ADD(fn, type, S)                                                     \
	uint32_t fn(struct plan_builder *b, const type *r)                   \
	{                                                                    \
		return (uint32_t)(buf_put(&b->sec[S], r, sizeof *r) / sizeof *r); \
	}
ADD(pb_src, struct plan_src, S_SRCS)
ADD(pb_var, struct plan_var, S_VARS)
ADD(pb_comp, struct plan_comp, S_COMP)
ADD(pb_pat, struct plan_pat, S_PATS)
ADD(pb_rule, struct plan_rule, S_RULE)
ADD(pb_ent, struct plan_ent, S_ENTS)
ADD(pb_errc, struct plan_errc, S_ERRC)
ADD(pb_hlnk, struct plan_hlnk, S_HLNK)
ADD(pb_grpm, struct plan_grpm, S_GRPM)
#undef ADD

size_t pb_count_pats(const struct plan_builder *b)
{
	return b->sec[S_PATS].len / sizeof(struct plan_pat);
}

uint32_t pb_const(struct plan_builder *b, uint64_t v)
{
	const uint64_t *c = (const uint64_t *)(void *)b->sec[S_CNST].p;
	size_t n = b->sec[S_CNST].len / sizeof v;
	for (size_t i = 0; i < n; i++)
		if (c[i] == v)
			return (uint32_t)i;
	return (uint32_t)(buf_put(&b->sec[S_CNST], &v, sizeof v) / sizeof v);
}

uint32_t pb_const_pair(struct plan_builder *b, uint64_t lo, uint64_t hi)
{
	const uint64_t *c = (const uint64_t *)(void *)b->sec[S_CNST].p;
	size_t n = b->sec[S_CNST].len / sizeof lo;
	for (size_t i = 0; i + 1 < n; i++)
		if (c[i] == lo && c[i + 1] == hi)
			return (uint32_t)i;
	uint32_t k = (uint32_t)(buf_put(&b->sec[S_CNST], &lo, sizeof lo) / sizeof lo);
	buf_put(&b->sec[S_CNST], &hi, sizeof hi);
	return k;
}

uint32_t pb_pc(const struct plan_builder *b)
{
	return (uint32_t)(b->sec[S_CODE].len / sizeof(struct plan_insn));
}

static struct plan_insn *insn_at(struct plan_builder *b, uint32_t pc)
{
	return (struct plan_insn *)(void *)(b->sec[S_CODE].p + (size_t)pc * sizeof(struct plan_insn));
}

uint32_t pb_emit(struct plan_builder *b, uint8_t op, uint8_t a, uint16_t bb, uint32_t k)
{
	struct plan_insn in = {op, a, bb, k};
	return (uint32_t)(buf_put(&b->sec[S_CODE], &in, sizeof in) / sizeof in);
}

uint32_t pb_prog_begin(struct plan_builder *b)
{
	return pb_emit(b, OP_PROG, 0, 0, 0);
}

void pb_prog_end(struct plan_builder *b, uint32_t prog_pc)
{
	insn_at(b, prog_pc)->k = pb_pc(b) - prog_pc - 1;
}

void pb_patch_jump(struct plan_builder *b, uint32_t pc)
{
	insn_at(b, pc)->k = pb_pc(b) - pc - 1;
}

static uint32_t prog_hash(const unsigned char *p, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static void progs_grow(struct plan_builder *b)
{
	size_t cap = b->progcap ? b->progcap * 2 : 256;
	struct progent *t = calloc(cap, sizeof *t);
	if (!t) {
		fprintf(stderr, "migc: out of memory\n");
		abort();
	}
	for (size_t i = 0; i < b->progcap; i++) {
		if (!b->progs[i].hash && !b->progs[i].pc)
			continue;
		size_t j = b->progs[i].hash & (cap - 1);
		while (t[j].hash || t[j].pc)
			j = (j + 1) & (cap - 1);
		t[j] = b->progs[i];
	}
	free(b->progs);
	b->progs = t;
	b->progcap = cap;
}

uint32_t pb_prog_dedupe(struct plan_builder *b, uint32_t prog_pc)
{
	const size_t isz = sizeof(struct plan_insn);
	const unsigned char *code = b->sec[S_CODE].p;
	size_t len = (size_t)(pb_pc(b) - prog_pc) * isz;
	uint32_t h = prog_hash(code + (size_t)prog_pc * isz, len) | 1u; /* never 0: 0 marks empty */
	if ((b->nprogs + 1) * 2 > b->progcap)
		progs_grow(b);
	size_t j = h & (b->progcap - 1);
	while (b->progs[j].hash) {
		const struct progent *e = &b->progs[j];
		const struct plan_insn *hdr = (const struct plan_insn *)(const void *)(code + (size_t)e->pc * isz);
		if (e->hash == h && ((size_t)hdr->k + 1) * isz == len &&
		    !memcmp(code + (size_t)e->pc * isz, code + (size_t)prog_pc * isz, len)) {
			b->sec[S_CODE].len = (size_t)prog_pc * isz; /* drop the duplicate */
			return e->pc;
		}
		j = (j + 1) & (b->progcap - 1);
	}
	b->progs[j].pc = prog_pc;
	b->progs[j].hash = h;
	b->nprogs++;
	return prog_pc;
}

static size_t align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

int pb_serialize(struct plan_builder *b, const unsigned char ruleset[32], uint32_t flags,
		 unsigned char **out, size_t *outlen)
{
	uint32_t nsec = 0;
	for (int i = 0; i < S__N; i++)
		nsec += i < S__OPTIONAL || b->sec[i].len;
	size_t off = PLAN_HEADER_SIZE + (size_t)nsec * PLAN_SECTION_ENTRY_SIZE;
	size_t offs[S__N];
	for (int i = 0; i < S__N; i++) {
		if (i >= S__OPTIONAL && !b->sec[i].len)
			continue;
		off = align8(off);
		offs[i] = off;
		off += b->sec[i].len;
	}
	off = align8(off);
	size_t total = off + PLAN_TRAILER_SIZE;
	unsigned char *p = calloc(1, total);
	if (!p)
		return -1;
	memcpy(p + PLAN_HDR_MAGIC, PLAN_MAGIC, PLAN_MAGIC_LEN);
	le_put16(p + PLAN_HDR_MAJOR, PLAN_MAJOR);
	le_put16(p + PLAN_HDR_MINOR, PLAN_MINOR);
	le_put32(p + PLAN_HDR_ENDIAN, PLAN_ENDIAN_CHECK);
	le_put64(p + PLAN_HDR_FILE_SIZE, total);
	le_put32(p + PLAN_HDR_NSECTIONS, nsec);
	le_put32(p + PLAN_HDR_SECTION_TABLE, PLAN_HEADER_SIZE);
	memcpy(p + PLAN_HDR_RULESET, ruleset, 32);
	le_put32(p + PLAN_HDR_FLAGS, flags);
	for (int i = 0, n = 0; i < S__N; i++) {
		if (i >= S__OPTIONAL && !b->sec[i].len)
			continue;
		unsigned char *e = p + PLAN_HEADER_SIZE + (size_t)n++ * PLAN_SECTION_ENTRY_SIZE;
		le_put32(e + PLAN_SECENT_ID, sec_ids[i]);
		le_put64(e + PLAN_SECENT_OFFSET, offs[i]);
		le_put64(e + PLAN_SECENT_SIZE, b->sec[i].len);
		if (b->sec[i].len)
			memcpy(p + offs[i], b->sec[i].p, b->sec[i].len);
	}
	sha256(p, total - PLAN_TRAILER_SIZE, p + total - PLAN_TRAILER_SIZE);
	*out = p;
	*outlen = total;
	return 0;
}

int pb_write_file(const unsigned char *buf, size_t len, const char *path, char *why,
		  size_t whysz)
{
	const char *leaf;
	int dfd = outfile_dir(path, &leaf, why, whysz); /* no symlink on the way */
	if (dfd < 0)
		return -1;
	char tmp[NAME_MAX + 1];
	struct stat st;
	int fd = -1, saved;
	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp.%ld", leaf, (long)getpid()) >= sizeof tmp) {
		snprintf(why, whysz, "%s", strerror(ENAMETOOLONG));
		close(dfd);
		errno = ENAMETOOLONG;
		return -1;
	}
	/* what the rename would replace must be our own plain file: never a symlink, and
	 * never a device (-o /dev/null would replace /dev/null) */
	if (fstatat(dfd, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!S_ISREG(st.st_mode)) {
			snprintf(why, whysz, "it exists and is not a regular file (left alone)");
			close(dfd);
			errno = EPERM;
			return -1;
		}
		if (outfile_reusable(&st, why, whysz) != 0) {
			saved = errno;
			close(dfd);
			errno = saved;
			return -1;
		}
	} else if (errno != ENOENT) {
		goto fail;
	}
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		goto fail;
	size_t done = 0;
	while (done < len) {
		ssize_t n = write(fd, buf + done, len - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		done += (size_t)n;
	}
	/* like a compiler's output, the plan is not forced to disk: the rename makes it
	 * whole or absent for every reader, and a plan a crash cut short (the rename's data
	 * not written back yet) is refused by its checksum wherever it is loaded (exit 39) */
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (renameat(dfd, tmp, dfd, leaf) != 0)
		goto fail;
	close(dfd);
	return 0;
fail:
	saved = errno;
	snprintf(why, whysz, "%s", strerror(saved));
	if (fd >= 0)
		close(fd);
	unlinkat(dfd, tmp, 0);
	close(dfd);
	errno = saved;
	return -1;
}
