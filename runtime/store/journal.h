/* journal.h - the restore journal. */
#ifndef MIGRT_JOURNAL_H
#define MIGRT_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "extsort.h"

/* load appends one line per object it has put in place (MIGSTATE/restored):
 *   VOLUME <TAB> PAYLOAD PATH <TAB> DESTINATION <NL>   (paths logical, escaped \xNN)
 * so rd can tell a copied entry that was restored from one that was not, and verify
 * can accept a diverged original that load already resolved. */
#define SW_JOURNAL "restored"

/* The journal read in catalog order (rd, verify): its entries sorted by payload path
 * in walk order, then volume, with bounded memory (extsort.h: beyond a budget in an
 * unlinked temporary file). It is read
 * when first needed; lookups within one pass must not go backwards in walk order. */
struct sw_journal {
	int fd;	    /* the journal, -1 absent or unreadable (then it is empty) */
	int tmpdir; /* where the sort may make its file (not owned) */
	bool loaded, have, eof;
	struct xsort xs;
	char *gpath; /* the group at hand: every entry of one payload path */
	size_t glen, gpcap;
	uint32_t *gvol;
	size_t *gdest; /* offsets into gdests */
	size_t gn, gcap;
	char *gdests;
	size_t gdlen, gdcap;
	unsigned char *la; /* the entry read ahead: the first of the next group */
	size_t lan, lacap;
	bool have_la;
	const char **out;
	size_t outcap;
	int err; /* the journal could not be read or sorted (errno): lookups found less */
};
/* Open the journal of META_FD (absent: empty); the sort's file goes to TMPDIR first
 * (-1: $TMPDIR or /tmp). 0 or -1 (then empty as well). */
int sw_journal_open(int meta_fd, int tmpdir, struct sw_journal *j);
/* Read and sort the journal now (else the first lookup does). 0, or -1 with j->err:
 * it could not be read or sorted (a full disk for the sort's file), and lookups would
 * find fewer destinations than load recorded. */
int sw_journal_load(struct sw_journal *j);
/* Start a new pass: lookups may begin again from the first path. */
void sw_journal_rewind(struct sw_journal *j);
/* The destinations load recorded for (VOL, PATH): how many, *DESTS (valid until the
 * next call). */
size_t sw_journal_find(struct sw_journal *j, uint32_t vol, const char *path, size_t len,
		       const char *const **dests);
void sw_journal_close(struct sw_journal *j);
/* Open for appending (created 0600). NULL with errno. */
FILE *sw_journal_append(int meta_fd);
/* Add a line (buffered: the caller flushes, and a crash may lose the lines not written
 * yet). 0, or -1 when the stream has failed. */
int sw_journal_add(FILE *f, uint32_t vol, const char *path, const char *dest);
/* Close a journal that failed, dropping the lines not written (never written after a
 * torn one). */
void sw_journal_drop(FILE *f);

#endif
