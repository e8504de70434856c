/* xml_load.h - MigXML rule files and Config.xml read through libxml2 into the model.
 *
 * Parsing is hardened: no network, no DTD loading, no external entities, no entity
 * expansion, limits on depth and size, invalid UTF-8 and NUL bytes rejected. A UTF-8
 * BOM, CRLF line endings and a missing XML declaration are accepted. Problems are
 * reported to the diag_set with file:line:col; loading continues where it can. */
#ifndef MIGC_XML_LOAD_H
#define MIGC_XML_LOAD_H

#include "diag.h"
#include "model.h"

#define XML_MAX_BYTES (32u << 20) /* larger files are refused */
#define XML_MAX_DEPTH 256u
#define PATTERN_MAX_BYTES 8192u

/* Load one rule file (<migration>). Returns NULL (with diagnostics) when the file cannot
 * be used at all: unreadable, not well-formed, a Config.xml, wrong root. */
struct m_file *xml_load_rules(struct arena *a, struct diag_set *d, const char *path);

/* Load a Config.xml (<Configuration>). NULL (with diagnostics) on failure, including a
 * MigXML rule file passed where a Config.xml was expected. */
struct m_config *xml_load_config(struct arena *a, struct diag_set *d, const char *path);

/* Load every rule file and the optional config into *OUT, dropping later files whose
 * urlid repeats an earlier one (warning), numbering components, and applying the
 * Config.xml switches (parent "no" prunes children, any "yes" among duplicates wins,
 * missing entry = migrate). Returns the number of files that could not be loaded. */
int policy_load(struct arena *a, struct diag_set *d, struct m_policy *out,
		const char *const *files, size_t nfiles, const char *config);

#endif
