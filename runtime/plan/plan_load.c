/* plan_load.c - map a plan file and check its envelope before anything reads it.
 *
 * Order matters (git's index loader does the same): size, magic, version, endianness,
 * declared size, then the trailing SHA-256 over everything before it, and only then the
 * section table and the sections. A bit flip anywhere is therefore caught by the
 * checksum; the structural checks below exist for files whose checksum was recomputed
 * by someone crafting a hostile plan. */
#include "plan.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "le.h"
#include "sha256.h"

static int fail(struct plan_error *e, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct plan_error *e, int status, const char *fmt, ...)
{
	va_list ap;
	e->status = status;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return status;
}

const char *plan_status_name(int status)
{
	switch (status) {
	case PLAN_OK: return "ok";
	case PLAN_E_IO: return "cannot read";
	case PLAN_E_NOTPLAN: return "not a plan";
	case PLAN_E_VERSION: return "unsupported version";
	case PLAN_E_ENDIAN: return "wrong endianness";
	case PLAN_E_TRUNCATED: return "truncated";
	case PLAN_E_CHECKSUM: return "checksum mismatch";
	case PLAN_E_CORRUPT: return "corrupt";
	case PLAN_E_VERIFY: return "verification failed";
	}
	return "unknown error";
}

static void sec_id_str(uint32_t id, char out[5])
{
	for (int i = 0; i < 4; i++) {
		unsigned char c = (unsigned char)(id >> (8 * i));
		out[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	out[4] = 0;
}

struct sec_want {
	uint32_t id;
	size_t rec;              /* record size; 1 for the string pool */
	const void **where;
	size_t *count;
	int optional;            /* a lower-case id: may be absent */
};

static int parse_sections(const unsigned char *b, size_t len, struct plan *p,
			  struct plan_error *e)
{
	uint32_t nsec = le_get32(b + PLAN_HDR_NSECTIONS),
		 tab = le_get32(b + PLAN_HDR_SECTION_TABLE);
	size_t body_end = len - PLAN_TRAILER_SIZE;
	const void *strs = NULL;
	struct sec_want want[] = {
		{SEC_STRS, 1, &strs, &p->nstrs, 0},
		{SEC_SRCS, sizeof(struct plan_src), (const void **)&p->srcs, &p->nsrcs, 0},
		{SEC_VARS, sizeof(struct plan_var), (const void **)&p->vars, &p->nvars, 0},
		{SEC_COMP, sizeof(struct plan_comp), (const void **)&p->comps, &p->ncomps, 0},
		{SEC_PATS, sizeof(struct plan_pat), (const void **)&p->pats, &p->npats, 0},
		{SEC_RULE, sizeof(struct plan_rule), (const void **)&p->rules, &p->nrules, 0},
		{SEC_ENTS, sizeof(struct plan_ent), (const void **)&p->ents, &p->nents, 0},
		{SEC_CODE, sizeof(struct plan_insn), (const void **)&p->code, &p->ncode, 0},
		{SEC_CNST, sizeof(uint64_t), (const void **)&p->consts, &p->nconsts, 0},
		{SEC_ERRC, sizeof(struct plan_errc), (const void **)&p->errcs, &p->nerrcs, 0},
		{SEC_HLNK, sizeof(struct plan_hlnk), (const void **)&p->hlnks, &p->nhlnks, 0},
		{SEC_GRPM, sizeof(struct plan_grpm), (const void **)&p->grpms, &p->ngrpms, 1},
	};
	enum { NWANT = sizeof want / sizeof want[0] };
	int seen[NWANT] = {0};
	uint64_t prev_end = 0;

	if (nsec > 64)
		return fail(e, PLAN_E_CORRUPT, "header: %u sections is more than 64", nsec);
	if (tab != PLAN_HEADER_SIZE)
		return fail(e, PLAN_E_CORRUPT, "header: section table at %u, expected %u", tab,
			    PLAN_HEADER_SIZE);
	if ((uint64_t)tab + (uint64_t)nsec * PLAN_SECTION_ENTRY_SIZE > body_end)
		return fail(e, PLAN_E_CORRUPT, "section table runs past the end of the file");
	prev_end = (uint64_t)tab + (uint64_t)nsec * PLAN_SECTION_ENTRY_SIZE;

	for (uint32_t i = 0; i < nsec; i++) {
		const unsigned char *s = b + tab + (size_t)i * PLAN_SECTION_ENTRY_SIZE;
		uint32_t id = le_get32(s + PLAN_SECENT_ID);
		uint64_t off = le_get64(s + PLAN_SECENT_OFFSET),
			 size = le_get64(s + PLAN_SECENT_SIZE);
		char name[5];
		size_t entry_off = tab + (size_t)i * PLAN_SECTION_ENTRY_SIZE;

		sec_id_str(id, name);
		if (le_get32(s + PLAN_SECENT_RESERVED) != 0)
			return fail(e, PLAN_E_CORRUPT,
				    "section %s (table offset %zu): reserved field is not zero",
				    name, entry_off);
		if (off % 8 != 0)
			return fail(e, PLAN_E_CORRUPT, "section %s: offset %llu is not 8-byte aligned",
				    name, (unsigned long long)off);
		/* sections are stored in table order, without overlap */
		if (off < prev_end || size > body_end || off > body_end - size)
			return fail(e, PLAN_E_CORRUPT, "section %s: bytes %llu..%llu overlap or leave the file",
				    name, (unsigned long long)off, (unsigned long long)(off + size));
		prev_end = off + size;

		int k;
		for (k = 0; k < NWANT; k++)
			if (want[k].id == id)
				break;
		if (k == NWANT) {
			/* lower-case first letter: optional extension, skip it */
			if ((id & 0xff) >= 'a' && (id & 0xff) <= 'z')
				continue;
			return fail(e, PLAN_E_CORRUPT, "section %s at offset %llu: unknown required section",
				    name, (unsigned long long)off);
		}
		if (seen[k])
			return fail(e, PLAN_E_CORRUPT, "section %s appears twice", name);
		seen[k] = 1;
		if (size % want[k].rec != 0)
			return fail(e, PLAN_E_CORRUPT, "section %s at offset %llu: size %llu is not a multiple of %zu",
				    name, (unsigned long long)off, (unsigned long long)size, want[k].rec);
		*want[k].where = b + off;
		*want[k].count = (size_t)(size / want[k].rec);
	}
	for (int k = 0; k < NWANT; k++) {
		if (!seen[k] && !want[k].optional) {
			char name[5];
			sec_id_str(want[k].id, name);
			return fail(e, PLAN_E_CORRUPT, "required section %s is missing", name);
		}
	}
	p->strs = strs;
	if (p->nstrs == 0 || p->strs[0] != 0 || p->strs[p->nstrs - 1] != 0)
		return fail(e, PLAN_E_CORRUPT, "section STRS: must start and end with a NUL byte");
	return PLAN_OK;
}

int plan_parse(const void *buf, size_t len, struct plan *p, struct plan_error *e)
{
	const unsigned char *b = buf;
	unsigned char sum[32];

	memset(p, 0, sizeof *p);
	e->status = PLAN_OK;
	e->msg[0] = 0;
	if (len < PLAN_MAGIC_LEN || memcmp(b + PLAN_HDR_MAGIC, PLAN_MAGIC, PLAN_MAGIC_LEN) != 0)
		return fail(e, PLAN_E_NOTPLAN, "not a migstate plan (bad magic)");
	if (len < PLAN_HEADER_SIZE + PLAN_TRAILER_SIZE)
		return fail(e, PLAN_E_TRUNCATED, "file is %zu bytes, shorter than a header", len);
	uint16_t major = le_get16(b + PLAN_HDR_MAJOR), minor = le_get16(b + PLAN_HDR_MINOR);
	if (major != PLAN_MAJOR)
		return fail(e, PLAN_E_VERSION, "plan format %u.%u; this build reads %u.x",
			    major, minor, PLAN_MAJOR);
	uint32_t endian = le_get32(b + PLAN_HDR_ENDIAN);
	if (endian != PLAN_ENDIAN_CHECK)
		return fail(e, PLAN_E_ENDIAN, "endianness check word is 0x%08x, expected 0x%08x",
			    endian, PLAN_ENDIAN_CHECK);
	uint64_t fsize = le_get64(b + PLAN_HDR_FILE_SIZE);
	if (fsize != len)
		return fail(e, fsize > len ? PLAN_E_TRUNCATED : PLAN_E_CORRUPT,
			    "header says %llu bytes, file has %zu", (unsigned long long)fsize, len);
	sha256(b, len - PLAN_TRAILER_SIZE, sum);
	if (memcmp(sum, b + len - PLAN_TRAILER_SIZE, 32) != 0)
		return fail(e, PLAN_E_CHECKSUM, "SHA-256 trailer does not match the contents");
	if (le_get32(b + PLAN_HDR_RESERVED) != 0)
		return fail(e, PLAN_E_CORRUPT, "header: reserved field at offset %u is not zero",
			    PLAN_HDR_RESERVED);
	p->flags = le_get32(b + PLAN_HDR_FLAGS);
	if (p->flags & ~PLAN_F_CASE_SENSITIVE)
		return fail(e, PLAN_E_CORRUPT, "header: unknown flags 0x%x", p->flags);
	p->base = b;
	p->size = len;
	p->major = major;
	p->minor = minor;
	memcpy(p->ruleset, b + PLAN_HDR_RULESET, 32);
	int rc = parse_sections(b, len, p, e);
	if (rc == PLAN_OK)
		rc = plan_verify(p, e);
	if (rc != PLAN_OK) {
		memset(p, 0, sizeof *p);
		return rc;
	}
	return PLAN_OK;
}

int plan_open(const char *path, struct plan *p, struct plan_error *e)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	memset(p, 0, sizeof *p);
	if (fd < 0)
		return fail(e, PLAN_E_IO, "cannot open: %s", strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return fail(e, PLAN_E_IO, "not a regular file");
	}
	if (st.st_size > (off_t)PLAN_MAX_SIZE) {
		close(fd);
		return fail(e, PLAN_E_CORRUPT, "%lld bytes is larger than any plan (%u MiB)",
			    (long long)st.st_size, PLAN_MAX_SIZE >> 20);
	}
	if (st.st_size == 0) {
		close(fd);
		return fail(e, PLAN_E_NOTPLAN, "empty file");
	}
	size_t len = (size_t)st.st_size;
	void *m = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return fail(e, PLAN_E_IO, "cannot map: %s", strerror(errno));
	int rc = plan_parse(m, len, p, e);
	if (rc != PLAN_OK) {
		munmap(m, len);
		return rc;
	}
	p->mapped = 1;
	return PLAN_OK;
}

void plan_close(struct plan *p)
{
	if (p->mapped && p->base)
		munmap((void *)(uintptr_t)p->base, p->size);
	memset(p, 0, sizeof *p);
}

const char *plan_str(const struct plan *p, uint32_t off)
{
	if (off == PLAN_NONE || off >= p->nstrs)
		return "";
	return p->strs + off;
}
