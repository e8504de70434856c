/* catdump.c - print a store's catalog for the end-to-end tests (and for people).
 *
 *   catdump STORE            header, volumes, users, then one line per record
 *   catdump STORE paths      only the paths, one a line (what --listfiles should say
 *                            for non-directories)
 *   catdump STORE partial    read MIGSTATE/catalog.partial (an interrupted scan)
 * Record line, tab-separated: TYPE ACTION FLAGS VOLUME SRCVOL USER INO NLINK MODE UID GID
 * SIZE PATH [TARGET]
 * Names are escaped with text_str (the runtime's one escaping function).
 * Build: cc -std=c11 -D_GNU_SOURCE -Iruntime tests/helpers/catdump.c BUILD/libmigrt.a */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog.h"
#include "disasm.h"
#include "store.h"

static const char *const types[] = {"file", "dir", "symlink", "fifo", "socket", "chr", "blk"};
static const char *const actions[] = {"linked", "copied", "reflinked", "recorded"};

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: catdump STORE [paths|partial]\n");
		return 2;
	}
	const char *mode = argc > 2 ? argv[2] : "";
	char err[512];
	int meta = store_open_meta(argv[1], err, sizeof err);
	if (meta < 0) {
		fprintf(stderr, "catdump: %s\n", err);
		return 1;
	}
	struct cat_reader r;
	int rc = !strcmp(mode, "partial") ? catr_open_partial(meta, &r, err, sizeof err)
					  : catr_open(meta, STORE_CATALOG, &r, err, sizeof err);
	if (rc) {
		fprintf(stderr, "catdump: %s\n", err);
		close(meta);
		return 1;
	}
	bool paths = !strcmp(mode, "paths");
	if (!paths) {
		printf("state %s records %llu volumes %zu users %zu\n",
		       store_state_names[store_get_state(meta)], (unsigned long long)r.nrecords,
		       r.nvols, r.nusers);
		for (size_t i = 0; i < r.nvols; i++) {
			printf("volume %zu flags %u mount ", i, r.vols[i].v.flags);
			text_str(stdout, r.vols[i].mount);
			printf(" store ");
			text_str(stdout, *r.vols[i].store_dir ? r.vols[i].store_dir : "-");
			printf("\n");
		}
		for (size_t i = 0; i < r.nusers; i++) {
			printf("user %zu %s uid %u home ", i + 1, r.users[i].name, r.users[i].uid);
			text_str(stdout, r.users[i].home);
			printf("\n");
		}
	}
	struct cat_record rec;
	static char path[CAT_MAX_PATH + 1], target[CAT_MAX_PATH + 1];
	while ((rc = catr_next(&r, &rec, path, sizeof path)) == 1) {
		if (paths) {
			text_str(stdout, path);
			putchar('\n');
			continue;
		}
		printf("%s\t%s\t%u\t%u\t%u\t%u\t%llu\t%u\t%o\t%u\t%u\t%llu\t", types[rec.type],
		       actions[rec.action], rec.flags, rec.volume, rec.src_volume, rec.user,
		       (unsigned long long)rec.ino, rec.nlink, rec.mode, rec.uid, rec.gid,
		       (unsigned long long)rec.size);
		text_str(stdout, path);
		if (catr_target(&r, target, sizeof target)) {
			putchar('\t');
			text_str(stdout, target);
		}
		putchar('\n');
	}
	catr_close(&r);
	close(meta);
	if (rc < 0) {
		fprintf(stderr, "catdump: malformed record\n");
		return 1;
	}
	return 0;
}
