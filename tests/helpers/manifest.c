/* manifest.c - an exact, fast description of directory trees for the end-to-end tests
 * (tests/helpers/fault_lib.sh: xmanifest).
 *
 *   manifest [-s SKIP]... DIR...
 *
 * For each DIR: a line "== NAME" (its last component), then one line per entry beneath
 * it, in walk order (pre-order, names sorted by bytes):
 *   PATH MODE UID GID SIZE MTIME_NS HASH
 * PATH is relative to DIR; MODE octal with the type bits; SIZE "-" for directories;
 * HASH the SHA-256 of a regular file's content, a symlink's target, or "-". PATH and
 * targets are escaped: bytes <= 0x20, >= 0x7f and '\' as \xNN, so a line is one line
 * and fields never hold a space. Directories named SKIP (anywhere) are left out with
 * everything in them. Link counts are not listed (a capture adds links).
 * The walk goes through directory fds (O_NOFOLLOW), so paths longer than PATH_MAX are
 * walked like any other, and a FIFO is never opened for reading (O_NONBLOCK; only
 * regular files are read). A DIR that does not exist prints its header only.
 * Build: cc -std=c11 -D_GNU_SOURCE -Iruntime tests/helpers/manifest.c BUILD/libmigrt.a */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sha256.h"

static char **skips;
static int nskips;

static void esc(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= 0x20 || c >= 0x7f || c == '\\')
			printf("\\x%02x", c);
		else
			putchar(c);
	}
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void die(const char *what, const char *path)
{
	fprintf(stderr, "manifest: %s %s: %s\n", what, path, strerror(errno));
	exit(1);
}

static void walk(int dfd, char **rel, size_t rlen, size_t *rcap)
{
	int d2 = dup(dfd);
	DIR *d = d2 >= 0 ? fdopendir(d2) : NULL;
	if (!d)
		die("cannot read", *rel);
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = realloc(names, cap * sizeof *names);
			if (!names)
				die("out of memory", "");
		}
		if (!(names[n++] = strdup(de->d_name)))
			die("out of memory", "");
	}
	closedir(d);
	qsort(names, n, sizeof *names, cmp);
	for (size_t i = 0; i < n; i++) {
		const char *nm = names[i];
		size_t l = strlen(nm), nl = rlen + (rlen ? 1 : 0) + l;
		if (nl + 1 > *rcap) {
			*rcap = (nl + 1) * 2;
			if (!(*rel = realloc(*rel, *rcap)))
				die("out of memory", "");
		}
		if (rlen)
			(*rel)[rlen] = '/';
		memcpy(*rel + rlen + (rlen ? 1 : 0), nm, l + 1);
		struct stat st;
		if (fstatat(dfd, nm, &st, AT_SYMLINK_NOFOLLOW) != 0)
			die("cannot stat", *rel);
		int skip = 0;
		for (int k = 0; S_ISDIR(st.st_mode) && k < nskips; k++)
			skip |= !strcmp(nm, skips[k]);
		if (skip) {
			free(names[i]);
			continue;
		}
		esc(*rel, nl);
		printf(" %o %u %u ", (unsigned)st.st_mode, (unsigned)st.st_uid, (unsigned)st.st_gid);
		if (S_ISDIR(st.st_mode))
			printf("-");
		else
			printf("%lld", (long long)st.st_size);
		printf(" %lld ", (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec);
		if (S_ISREG(st.st_mode)) {
			int fd = openat(dfd, nm, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
			if (fd < 0)
				die("cannot open", *rel);
			static unsigned char buf[1 << 16];
			struct sha256_ctx c;
			sha256_init(&c);
			ssize_t k;
			while ((k = read(fd, buf, sizeof buf)) > 0)
				sha256_update(&c, buf, (size_t)k);
			if (k < 0)
				die("cannot read", *rel);
			close(fd);
			unsigned char h[32];
			char hex[65];
			sha256_final(&c, h);
			sha256_hex(h, hex);
			printf("%s\n", hex);
		} else if (S_ISLNK(st.st_mode)) {
			char t[65536];
			ssize_t k = readlinkat(dfd, nm, t, sizeof t);
			if (k < 0)
				die("cannot read the link", *rel);
			printf("->");
			esc(t, (size_t)k);
			printf("\n");
		} else {
			printf("-\n");
		}
		if (S_ISDIR(st.st_mode)) {
			int fd = openat(dfd, nm, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0)
				die("cannot open", *rel);
			walk(fd, rel, nl, rcap);
			close(fd);
		}
		free(names[i]);
	}
	free(names);
	(*rel)[rlen] = 0;
}

int main(int argc, char **argv)
{
	skips = calloc((size_t)argc, sizeof *skips);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-s") && i + 1 < argc) {
			skips[nskips++] = argv[++i];
			continue;
		}
		const char *base = strrchr(argv[i], '/');
		base = base && base[1] ? base + 1 : argv[i];
		printf("== ");
		esc(base, strlen(base));
		printf("\n");
		int fd = open(argv[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			if (errno == ENOENT)
				continue;
			die("cannot open", argv[i]);
		}
		size_t cap = 4096;
		char *rel = calloc(1, cap);
		if (!rel)
			die("out of memory", "");
		walk(fd, &rel, 0, &cap);
		free(rel);
		close(fd);
	}
	return fflush(stdout) == 0 ? 0 : 1;
}
