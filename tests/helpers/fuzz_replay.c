/* fuzz_replay.c - a main() for the libFuzzer harnesses of fuzz/, so that an ordinary
 * build (no -fsanitize=fuzzer) replays saved inputs: every FILE argument, or every file
 * of a DIRECTORY argument, is read whole and given once to LLVMFuzzerTestOneInput.
 * tests/e2e/t_fuzz_regressions.sh builds it with each fuzz/fuzz_TARGET.c and replays
 * tests/data/fuzz-regressions/TARGET/, so a crash fuzzing found stays fixed.
 *     cc -Iruntime -Icompiler -IBUILD/gen fuzz/fuzz_plan.c tests/helpers/fuzz_replay.c \
 *        BUILD/libmigc.a BUILD/libmigrt.a -lxml2
 * Prints one line per input; exits 0 when every input ran (a crash ends the process). */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "fuzz_replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	size_t cap = 1 << 16, len = 0;
	unsigned char *buf = malloc(cap);
	size_t n;
	while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap) {
			unsigned char *q = realloc(buf, cap * 2);
			if (!q) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = q;
			cap *= 2;
		}
	}
	int bad = ferror(f) || !buf;
	fclose(f);
	if (bad) {
		fprintf(stderr, "fuzz_replay: %s: cannot read\n", path);
		free(buf);
		return -1;
	}
	/* a private copy of exactly LEN bytes: a harness reading past the end is caught by
	 * a sanitizer build */
	unsigned char *data = malloc(len ? len : 1);
	if (!data) {
		free(buf);
		return -1;
	}
	memcpy(data, buf, len);
	free(buf);
	printf("replay %s (%zu bytes)\n", path, len);
	fflush(stdout);
	LLVMFuzzerTestOneInput(data, len);
	free(data);
	return 0;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	int rc = 0, count = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "fuzz_replay: %s: %s\n", argv[i], strerror(errno));
			rc = 1;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			rc |= replay(argv[i]) != 0;
			count++;
			continue;
		}
		DIR *d = opendir(argv[i]);
		if (!d) {
			rc = 1;
			continue;
		}
		char **names = NULL;
		size_t n = 0;
		struct dirent *de;
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue; /* ., .., and dot files (README kept as .README) */
			char **q = realloc(names, (n + 1) * sizeof *q);
			if (!q)
				break;
			names = q;
			size_t l = strlen(argv[i]) + strlen(de->d_name) + 2;
			if ((names[n] = malloc(l)))
				snprintf(names[n++], l, "%s/%s", argv[i], de->d_name);
		}
		closedir(d);
		qsort(names, n, sizeof *names, cmp);
		for (size_t k = 0; k < n; k++) {
			rc |= replay(names[k]) != 0;
			count++;
			free(names[k]);
		}
		free(names);
	}
	printf("fuzz_replay: %d inputs\n", count);
	return rc;
}
