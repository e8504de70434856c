/* scan_report.c - what a scan reports: the --estimate file, the summary in the log, on
 * stdout and as --json. */
#include "scan_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "disasm.h"
#include "exitcodes.h"
#include "outfile.h"

/* An attribute: the escaper's text form (valid UTF-8, no control characters, which XML
 * 1.0 cannot hold even as references), then XML's own quoting. */
static void xml_attr(FILE *f, const char *name, const char *v)
{
	fprintf(f, " %s=\"", name);
	const unsigned char *p = (const unsigned char *)v;
	size_t n = strlen(v);
	char unit[ESC_UNIT_MAX];
	int cols;
	while (n) {
		size_t k = esc_unit(p, n, false, unit, &cols);
		p += k, n -= k;
		for (const char *u = unit; *u; u++) {
			switch (*u) {
			case '&':
				fputs("&amp;", f);
				break;
			case '<':
				fputs("&lt;", f);
				break;
			case '>':
				fputs("&gt;", f);
				break;
			case '"':
				fputs("&quot;", f);
				break;
			default:
				fputc(*u, f);
			}
		}
	}
	fputc('"', f);
}

void scan_judge_location(struct scan *s)
{
	storeloc_assess(s->rootfd, s->store_logical, s->store_real, s->users.v, s->users.n,
			&s->loc);
	for (int r = 0; r < SL__N; r++)
		if (s->loc.mask & (1u << r))
			rlog_msg(&s->log, RL_WARN,
				 "the store %s would not survive a reinstall (%s): %s; "
				 "docs/operations.md says where it must live",
				 rlog_esc(&s->log, s->store_real), storeloc_rule_names[r],
				 rlog_esc(&s->log, s->loc.detail[r]));
}

/* --estimate FILE: USMT /p's shape, plus one element per store volume. */
int scan_write_estimate(struct scan *s)
{
	char why[160];
	FILE *f = outfile_fopen(s->so->estimate, why, sizeof why);
	if (!f) {
		rlog_msg(&s->log, RL_ERROR, "cannot write the estimate %s: %s",
			 rlog_esc(&s->log, s->so->estimate), why);
		return -1;
	}
	uint64_t files = 0, catalog = 4096;
	struct icur cur;
	for (const struct item *it = ic_first(&s->items, &cur, false); it; it = ic_next(&cur)) {
		files += it->type == CT_FILE;
		catalog += 96 + strlen(it->path);
	}
	ic_end(&cur);
	catalog = (catalog + 4095) & ~(uint64_t)4095;
	bool fits = scan_check_space(s, true) == 0;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<PreMigration>\n");
	fprintf(f, "  <storeSize><size clusterSize=\"4096\">%" PRIu64 "</size></storeSize>\n",
		s->sv[0].copy_bytes);
	fprintf(f, "  <temporarySpace><size>0</size></temporarySpace>\n");
	fprintf(f,
		"  <migstate objects=\"%zu\" files=\"%" PRIu64 "\" minFree=\"%" PRIu64
		"\" fits=\"%s\">\n",
		s->nit, files, s->so->min_free, fits ? "yes" : "no");
	for (size_t i = 0; i < s->nsv; i++) {
		struct svol *v = &s->sv[i];
		if (!v->master && !v->used && !v->store_real)
			continue;
		uint64_t total = 0, fr = scan_free_at(v->master	      ? s->store_real
						      : v->store_real ? v->store_real
								      : v->mnt_real,
						      &total);
		fprintf(f, "    <volume");
		xml_attr(f, "mount", v->mnt_real);
		xml_attr(f, "fstype", v->fstype);
		xml_attr(f, "store",
			 v->master	 ? s->store_real
			 : v->store_real ? v->store_real
					 : "");
		fprintf(f,
			" master=\"%s\" filesToLink=\"%" PRIu64 "\" filesToCopy=\"%" PRIu64
			"\" bytesToCopy=\"%" PRIu64 "\" freeBytes=\"%" PRIu64 "\"",
			v->master ? "yes" : "no", v->n_link, v->n_copy,
			v->master ? v->copy_bytes : 0, fr);
		/* what each way costs: links and clones nothing; copies of this volume's files
		 * their allocated size on the master; copy-ups theirs here. bytesUsed: what
		 * the free space of this volume's filesystem drops by (the master's also holds
		 * the catalog; directories, a few KiB each, are not counted) */
		fprintf(f,
			" subvolume=\"%s\" filesToReflink=\"%" PRIu64 "\" filesToCopyUp=\"%" PRIu64
			"\" bytesToCopyUp=\"%" PRIu64 "\" bytesCopiedToMaster=\"%" PRIu64
			"\" bytesUsed=\"%" PRIu64,
			v->subvol ? "yes" : "no", v->n_reflink, v->n_copyup, v->copyup_bytes,
			v->from_bytes, v->copyup_bytes + (v->master ? v->copy_bytes + catalog : 0));
		/* inodes: what the store takes (each inode once, its directories); the free
		 * ones where the filesystem has a fixed number */
		uint64_t keep, ifree;
		fprintf(f, "\" inodesUsed=\"%" PRIu64 "\"",
			v->master || v->store_real ? scan_store_inodes(s, v, &keep) : 0);
		if (scan_free_inodes_at(v->master	? s->store_real
					: v->store_real ? v->store_real
							: v->mnt_real,
					&ifree))
			fprintf(f, " freeInodes=\"%" PRIu64 "\"", ifree);
		fputs("/>\n", f);
	}
	fprintf(f, "    <storeLocation survivesReinstall=\"%s\"", s->loc.mask ? "no" : "yes");
	fputs(s->loc.mask ? ">\n" : "/>\n", f);
	for (int r = 0; r < SL__N; r++)
		if (s->loc.mask & (1u << r)) {
			fputs("      <warning", f);
			xml_attr(f, "rule", storeloc_rule_names[r]);
			xml_attr(f, "detail", s->loc.detail[r]);
			fputs("/>\n", f);
		}
	if (s->loc.mask)
		fputs("    </storeLocation>\n", f);
	fprintf(f, "  </migstate>\n</PreMigration>\n");
	if (fclose(f) != 0)
		return -1;
	rlog_msg(&s->log, RL_INFO, "estimate written to %s: %s to copy into the master store",
		 rlog_esc(&s->log, s->so->estimate),
		 scan_mb(s->sv[0].copy_bytes, (char[32]){0}, 32));
	return 0;
}

void scan_summary(struct scan *s, int rc, bool estimate)
{
	double secs = rlog_elapsed(&s->log);
	const struct counters *c = &s->c;
	char buf[32], ubuf[32], up[96] = "";
	if (c->copied_up)
		snprintf(up, sizeof up, " (%" PRIu64 " copied up by overlayfs: %s)", c->copied_up,
			 scan_mb(c->bytes_copied_up, ubuf, sizeof ubuf));
	rlog_msg(&s->log, RL_INFO,
		 "summary: %zu users, %" PRIu64 " files linked%s, %" PRIu64 " copied, %" PRIu64
		 " reflinked, %s copied, %" PRIu64 " other objects recorded, %" PRIu64
		 " errors skipped (--continue), %" PRIu64
		 " skipped by ErrorControl, %.1f s, exit %d",
		 s->users.n, c->linked, up, c->copied, c->reflinked,
		 scan_mb(c->bytes_copied, buf, sizeof buf), c->recorded, c->skipped_continue,
		 c->skipped_rule, secs, rc);
	if (c->setid_stripped || c->devices_skipped || c->volumes_skipped || c->stores_skipped ||
	    c->nonlocal_skipped)
		rlog_msg(&s->log, RL_INFO,
			 "summary: %" PRIu64 " files captured without set-id bits or capabilities "
			 "(nosuid mounts), %" PRIu64 " device nodes recorded never to be restored "
			 "(nodev mounts), %" PRIu64 " mounts not entered, %" PRIu64
			 " migstate stores not captured, %" PRIu64 " other volumes left out "
			 "(--localonly)",
			 c->setid_stripped, c->devices_skipped, c->volumes_skipped, c->stores_skipped,
			 c->nonlocal_skipped);
	if (s->o->json) {
		FILE *o = stdout;
		fputs("{\"command\":\"scan\",\"store\":", o);
		json_str(o, s->store_real ? s->store_real : s->o->store);
		fprintf(o, ",\"exit_code\":%d,\"estimate\":%s,\"state\":\"%s\",\"users\":[", rc,
			estimate ? "true" : "false",
			estimate			      ? "none"
			: rc == EXIT_OK || rc == EXIT_SKIPPED ? "complete"
							      : "incomplete");
		for (size_t i = 0; i < s->users.n; i++) {
			if (i)
				fputc(',', o);
			json_str(o, s->users.v[i].name);
		}
		fprintf(o,
			"],\"objects\":%zu,\"files_linked\":%" PRIu64 ",\"files_copied\":%" PRIu64
			",\"files_reflinked\":%" PRIu64 ",\"bytes_copied\":%" PRIu64
			",\"files_copied_up\":%" PRIu64 ",\"bytes_copied_up\":%" PRIu64
			",\"objects_recorded\":%" PRIu64 ",\"parent_directories\":%" PRIu64
			",\"errors_skipped\":%" PRIu64 ",\"errors_ignored_by_rule\":%" PRIu64
			",\"encrypted_skipped\":%" PRIu64 ",\"vanished\":%" PRIu64
			",\"setid_stripped\":%" PRIu64 ",\"devices_skipped\":%" PRIu64
			",\"volumes_skipped\":%" PRIu64 ",\"stores_skipped\":%" PRIu64
			",\"nonlocal_skipped\":%" PRIu64
			",\"seconds\":%.3f,",
			s->nit, c->linked, c->copied, c->reflinked, c->bytes_copied, c->copied_up,
			c->bytes_copied_up, c->recorded, c->parents, c->skipped_continue,
			c->skipped_rule, c->efs_skipped, c->vanished, c->setid_stripped,
			c->devices_skipped, c->volumes_skipped, c->stores_skipped, c->nonlocal_skipped,
			secs);
		fprintf(o, "\"store_location\":{\"survives_reinstall\":%s,\"warnings\":[",
			s->loc.mask ? "false" : "true");
		bool first = true;
		for (int r = 0; r < SL__N; r++)
			if (s->loc.mask & (1u << r)) {
				fputs(first ? "{\"rule\":\"" : ",{\"rule\":\"", o);
				first = false;
				fprintf(o, "%s\",\"detail\":", storeloc_rule_names[r]);
				json_str(o, s->loc.detail[r]);
				fputc('}', o);
			}
		fputs("]},\"volumes\":[", o);
		first = true;
		for (size_t i = 0; i < s->nsv; i++) {
			struct svol *v = &s->sv[i];
			if (!v->master && !v->used && !v->store_real)
				continue;
			fputs(first ? "{\"mount\":" : ",{\"mount\":", o);
			first = false;
			json_str(o, v->mnt_real);
			fputs(",\"store\":", o);
			if (v->master || v->store_real)
				json_str(o, v->master ? s->store_real : v->store_real);
			else
				fputs("null", o);
			fprintf(o, ",\"fstype\":");
			json_str(o, v->fstype);
			fprintf(o,
				",\"master\":%s,\"subvolume\":%s,\"files_to_link\":%" PRIu64
				",\"files_to_copy\":%" PRIu64 ",\"bytes_to_copy\":%" PRIu64
				",\"files_to_reflink\":%" PRIu64 ",\"files_to_copy_up\":%" PRIu64
				",\"bytes_to_copy_up\":%" PRIu64 "}",
				v->master ? "true" : "false", v->subvol ? "true" : "false",
				v->n_link, v->n_copy, v->master ? v->copy_bytes : 0, v->n_reflink,
				v->n_copyup, v->copyup_bytes);
		}
		fputs("]}\n", o);
	} else if (!estimate && s->started) {
		printf("migstate scan: %zu users, %" PRIu64 " files linked%s, %" PRIu64
		       " reflinked, %" PRIu64 " copied (%s), "
		       "%" PRIu64 " errors skipped, %.1f s%s\n",
		       s->users.n, c->linked, up, c->reflinked, c->copied,
		       scan_mb(c->bytes_copied, buf, sizeof buf),
		       c->skipped_continue + c->skipped_rule, secs,
		       rc == EXIT_OK	    ? ""
		       : rc == EXIT_SKIPPED ? ": errors were skipped, read the log"
					    : ": the store is incomplete");
	}
}
