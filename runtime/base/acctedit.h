/* acctedit.h - what the account files' lines take, and edits that keep every existing
 * line byte for byte (acctwrite.h says why). */
#ifndef MIGRT_ACCTEDIT_H
#define MIGRT_ACCTEDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acctdb.h"

/* Names and ids mentioned by any line, entry or not, sorted. */
struct acct_taken {
	char **names;
	size_t nnames;
	uint32_t *ids;
	size_t nids;
};

/* Add the first field of every line of TEXT (without a leading '+' or '-', the NIS
 * compat marks) and, when IDFIELD > 0, field IDFIELD when it is a plain decimal id.
 * Call acct_taken_sort before looking up. 0 or -1 (ENOMEM). */
int acct_taken_scan(struct acct_taken *t, const char *text, size_t len, int idfield);
void acct_taken_sort(struct acct_taken *t);
bool acct_taken_name(const struct acct_taken *t, const char *name);
bool acct_taken_id(const struct acct_taken *t, uint32_t id);
/* Mark ID taken (kept sorted). 0 or -1 (ENOMEM). */
int acct_taken_add_id(struct acct_taken *t, uint32_t id);
void acct_taken_free(struct acct_taken *t);

/* Members to append to one group's member field: USERS, ','-joined. For ACCT_GROUP the
 * line is the first well-formed one of that name with gid GID (the entry acctdb and
 * getgrnam see), for ACCT_GSHADOW the first well-formed one of that name. */
struct acct_addmem {
	const char *group;
	uint32_t gid;
	const char *users;
};

/* TEXT (LEN bytes) with ADDS applied and APPEND (whole lines) added at the end, a newline
 * first when TEXT does not end in one. Every other byte is kept. A malloc'd result in
 * *OUT, *OUTLEN; 0 or -1 (ENOMEM). */
int acct_edit(const char *text, size_t len, enum acct_kind kind, const struct acct_addmem *adds,
	      size_t nadds, const char *append, char **out, size_t *outlen);

#endif
