/* xml_priv.h - shared by the XML front end (xml_safe.c, xml_load.c, xml_rules.c,
 * xml_config.c); not part of the compiler's interface.
 *
 * xml_safe.c reads a file with every hardening check, parses it with libxml2 and
 * records where each element starts in the raw bytes, so that any node, attribute
 * value or character of a text node can be turned into file:line:col. The helpers the
 * two loaders share are xml_nodes.c (diagnostics, node access), xml_vocab.c
 * (element-name checks) and xml_parse.c (patterns and scripts into the arena);
 * xml_load.c has policy_load(). */
#ifndef MIGC_XML_PRIV_H
#define MIGC_XML_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libxml/tree.h>

#include "arena.h"
#include "diag.h"
#include "model.h"

/* One file being loaded: its bytes, its line map and its libxml2 tree. */
struct xdoc {
	struct arena *a;
	struct diag_set *d;
	const char *path;   /* arena copy, used in every src_loc */
	unsigned char *buf; /* file bytes (malloc'd), NUL-terminated */
	size_t len;
	size_t body;	 /* 3 after a UTF-8 byte-order mark, else 0 */
	uint32_t *lines; /* offset of the first byte of each line (malloc'd) */
	size_t nlines;
	xmlDoc *doc;
	xmlNode *root;
	unsigned errors; /* errors reported for this file */
	unsigned char sha256[32];
	struct pat_parser *pats; /* made by the first pattern parsed (xml_parse.c) */
};

/* --- xml_safe.c ------------------------------------------------------------ */

/* Read PATH (size limit, encoding checks) and parse it (no network, no DTD, no
 * entities, depth limit), recording where each element starts. Returns 0, or -1 with the
 * reason reported; call xdoc_close() in both cases. */
int xdoc_open(struct xdoc *x, struct arena *a, struct diag_set *d, const char *path);
void xdoc_close(struct xdoc *x);

/* Location of a byte offset in the file. */
struct src_loc xdoc_loc_at(const struct xdoc *x, size_t off);
/* Location of an element's '<' (line only when the column is not known). */
struct src_loc xdoc_loc(const struct xdoc *x, const xmlNode *n);
/* Location of character COL (1-based byte column in the decoded text returned by
 * xdoc_text) of element N's text content: follows CRLF, entity references, comments
 * and CDATA sections in the raw bytes. */
struct src_loc xdoc_text_loc(const struct xdoc *x, const xmlNode *n, int col);
/* Same for column COL of the value of attribute NAME of element N. */
struct src_loc xdoc_attr_loc(const struct xdoc *x, const xmlNode *n, const char *name, int col);

/* --- xml_nodes.c, xml_vocab.c, xml_parse.c: shared helpers -------------------- */

/* Report one diagnostic for this file and count errors. */
void xd_report(struct xdoc *x, enum diag_level lv, struct src_loc loc, const char *wname,
	       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

bool xn_is(const xmlNode *n, const char *name);
/* First / next element child (text, comments and PIs are skipped). */
xmlNode *xn_first(const xmlNode *n);
xmlNode *xn_next(const xmlNode *n);
bool xn_has_elements(const xmlNode *n);
/* Attribute value as an arena string, or NULL. xn_attr_ci matches the name
 * case-insensitively and stores the spelling found in *SPELLED (may be NULL). */
const char *xn_attr(struct xdoc *x, const xmlNode *n, const char *name);
const char *xn_attr_ci(struct xdoc *x, const xmlNode *n, const char *name, const char **spelled);
/* Text and CDATA children concatenated, as an arena string ("" when empty). */
const char *xn_text(struct xdoc *x, const xmlNode *n);
/* Copy of S without leading and trailing XML white space. */
const char *xml_trim(struct arena *a, const char *s);

/* Which vocabulary an element belongs to, for "did you mean" and "misplaced". */
enum xvocab { XV_MIGXML, XV_CONFIG };
/* N is not expected inside its parent: ignore it with the right warning (silently
 * for USMT's internal elements). */
void xn_unexpected(struct xdoc *x, const xmlNode *n, enum xvocab v);
/* Warn (-Wunknown-attribute) about attributes no element of the tree defines. */
void xn_check_attributes(struct xdoc *x, enum xvocab v);

/* Parse the text of N as a pattern of TYPE into the arena; errors are reported at
 * their position inside the element. NULL when it does not parse. */
struct pat *xp_pattern(struct xdoc *x, const xmlNode *n, const char *text, enum pat_type type);
/* Parse and check a helper call written as N's text (ATTR NULL) or as the value of
 * attribute ATTR of N. NULL when it does not parse or is not allowed at PLACE. */
struct script_call *xp_script(struct xdoc *x, const xmlNode *n, const char *attr, const char *text,
			      enum helper_place place);

/* Case-insensitive ASCII comparison (names, urlids, display-name paths). */
int xml_casecmp(const char *a, const char *b);

#define XPUSH(a, arr, n, p) arena_push((a), (void ***)(void *)&(arr), &(n), (p))

/* --- xml_rules.c / xml_config.c ----------------------------------------------- */

/* Load a rule file; *ROOT_LOC gets the location of <migration> (for the duplicate
 * urlid warning). */
struct m_file *xr_load(struct arena *a, struct diag_set *d, const char *path,
		       struct src_loc *root_loc);
/* Load a Config.xml; *IN_WINDOWS (arena array, one per switch) tells which switches
 * come from <WindowsComponents>: those name Windows manifests, not MigXML components,
 * so an unmatched one is not worth a warning. */
struct m_config *xc_load(struct arena *a, struct diag_set *d, const char *path, bool **in_windows);

#endif
