/* disasm.c - the plan listing: header, tables, then every program with one comment per
 * instruction saying what it does for this plan and where it came from (file:line). */
#include "disasm.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "opcodes.h"
#include "sha256.h"

const char *const rule_kind_names[PRK__COUNT] = {
	"include", "exclude", "unconditionalExclude", "merge", "locationModify",
	"includeAttributes", "excludeAttributes", "destinationCleanup",
};
const char *const helper_names[PLAN_HELPER__COUNT] = {
	"-", "SourcePriority", "DestinationPriority", "FindFilePlaceByPattern", "NewestVersion",
	"RelativeMove", "Move", "ExactMove",
};
static const char *const cmp_names[CMP__COUNT] = {"==", "!=", "<", "<=", ">", ">=", "in"};
static const char *const tf_names[TF__COUNT] = {"modified", "created", "accessed"};

const char *plan_context_name(unsigned ctx)
{
	switch (ctx) {
	case CTXB_SYSTEM: return "System";
	case CTXB_USER: return "User";
	case CTXB_SYSTEM | CTXB_USER: return "UserAndSystem";
	}
	return "?";
}

/* <changeGroup appliesTo=>, as USMT spells it (load's log uses it too). */
const char *grpm_applies_name(unsigned applies)
{
	switch (applies) {
	case PG_MIGRATED: return "MigratedUsers";
	case PG_NONMIGRATED: return "NonmigratedUsers";
	case PG_MIGRATED | PG_NONMIGRATED: return "AllUsers";
	}
	return "?";
}

static const char *src_name(const struct plan *p, uint32_t src)
{
	return src < p->nsrcs ? plan_str(p, p->srcs[src].path) : "?";
}

/* Who uses the program at PC: an entry, a component detection or a rule condition. */
static void prog_owner(const struct plan *p, uint32_t pc, FILE *out)
{
	for (size_t i = 0; i < p->nents; i++)
		if (p->ents[i].prog == pc) {
			const struct plan_rule *r = &p->rules[p->ents[i].rule];
			const struct plan_pat *t = &p->pats[p->ents[i].pat];
			fprintf(out, "entry %zu: %s \"", i, rule_kind_names[r->kind]);
			text_str(out, plan_str(p, t->text));
			fprintf(out, "\" @%s:%u", src_name(p, t->src), t->line);
			return;
		}
	for (size_t i = 0; i < p->ncomps; i++)
		if (p->comps[i].detect_pc == pc) {
			fprintf(out, "detection of component %zu \"", i);
			text_str(out, plan_str(p, p->comps[i].name));
			fprintf(out, "\" @%s:%u", src_name(p, p->comps[i].src), p->comps[i].line);
			return;
		}
	for (size_t i = 0; i < p->nrules; i++)
		if (p->rules[i].cond_pc == pc) {
			fprintf(out, "conditions of rule %zu @%s:%u", i, src_name(p, p->rules[i].src),
				p->rules[i].line);
			return;
		}
	fprintf(out, "unreferenced program");
}

static void insn_comment(const struct plan *p, const struct plan_insn *in, uint32_t pc, FILE *out)
{
	const struct plan_pat *t;
	switch ((enum opcode)in->op) {
	case OP_PROG:
		fprintf(out, "%u instructions: ", in->k);
		prog_owner(p, pc, out);
		break;
	case OP_NODE:
		t = &p->pats[in->k];
		fprintf(out, "dir matches ");
		text_str(out, plan_str(p, t->node));
		fprintf(out, " @%s:%u", src_name(p, t->src), t->line);
		break;
	case OP_LEAF:
		t = &p->pats[in->k];
		if (t->leaf == PLAN_NONE) {
			fprintf(out, "object is a directory (no [leaf])");
		} else {
			fprintf(out, "name matches ");
			text_str(out, plan_str(p, t->leaf));
		}
		break;
	case OP_FSIZE:
		if (in->a == CMP_RANGE)
			fprintf(out, "size in %" PRIu64 "..%" PRIu64, p->consts[in->k], p->consts[in->k + 1]);
		else
			fprintf(out, "size %s %" PRIu64, cmp_names[in->a], p->consts[in->k]);
		break;
	case OP_FTIME:
		if (in->a == CMP_RANGE)
			fprintf(out, "%s time in %" PRId64 "..%" PRId64, tf_names[in->b],
				(int64_t)p->consts[in->k], (int64_t)p->consts[in->k + 1]);
		else
			fprintf(out, "%s time %s %" PRId64, tf_names[in->b], cmp_names[in->a],
				(int64_t)p->consts[in->k]);
		break;
	case OP_PHASE: fprintf(out, "phase is %s", in->a == PHASE_SCAN ? "scan" : "load"); break;
	case OP_JT:
	case OP_JF: fprintf(out, "goto %u", pc + 1 + in->k); break;
	case OP_EXISTS:
		fprintf(out, "exists ");
		text_str(out, plan_str(p, p->pats[in->k].text));
		break;
	case OP_SAMEOBJ:
		fprintf(out, "same inode: ");
		text_str(out, plan_str(p, p->pats[in->k].text));
		fprintf(out, " and ");
		text_str(out, plan_str(p, p->pats[in->b].text));
		break;
	case OP_OSVER:
		fprintf(out, "kernel release %s ", cmp_names[in->a]);
		text_str(out, plan_str(p, in->k));
		break;
	case OP_OSMATCH:
		fprintf(out, "kernel release matches ");
		text_str(out, plan_str(p, in->k));
		break;
	default:
		fputs(op_info[in->op].doc, out);
		break;
	}
}

void plan_dump_text(const struct plan *p, FILE *out)
{
	char hex[65];
	sha256_hex(p->ruleset, hex);
	fprintf(out, "plan format %u.%u, %zu bytes, %s matching\nrule set %s\n", p->major, p->minor,
		p->size, (p->flags & PLAN_F_CASE_SENSITIVE) ? "case-sensitive" : "case-insensitive", hex);
	fprintf(out, "\nsources (%zu):\n", p->nsrcs);
	for (size_t i = 0; i < p->nsrcs; i++) {
		static const char *const kinds[] = {"rules", "config", "variables"};
		sha256_hex(p->srcs[i].sha256, hex);
		fprintf(out, "  %3zu  %-9s ", i, kinds[p->srcs[i].kind]);
		text_str(out, plan_str(p, p->srcs[i].path));
		fprintf(out, "  sha256:%.16s\n", hex);
	}
	fprintf(out, "\nvariables (%zu):\n", p->nvars);
	for (size_t i = 0; i < p->nvars; i++) {
		fprintf(out, "  %3zu  %%", i);
		text_str(out, plan_str(p, p->vars[i].name));
		fprintf(out, "%% = ");
		text_str(out, plan_str(p, p->vars[i].value));
		fprintf(out, "%s\n", (p->vars[i].flags & PV_USER) ? "  (per user)" : "");
	}
	fprintf(out, "\ncomponents (%zu):\n", p->ncomps);
	for (size_t i = 0; i < p->ncomps; i++) {
		const struct plan_comp *c = &p->comps[i];
		fprintf(out, "  %3zu  %-13s \"", i, plan_context_name(c->context));
		text_str(out, plan_str(p, c->name));
		fprintf(out, "\"");
		if (c->detect_pc != PLAN_NONE)
			fprintf(out, " detect=pc%u", c->detect_pc);
		fprintf(out, " @%s:%u\n", src_name(p, c->src), c->line);
	}
	fprintf(out, "\npatterns (%zu):\n", p->npats);
	for (size_t i = 0; i < p->npats; i++) {
		const struct plan_pat *t = &p->pats[i];
		fprintf(out, "  %3zu  node=", i);
		text_str(out, plan_str(p, t->node));
		fprintf(out, " leaf=");
		if (t->leaf == PLAN_NONE)
			fprintf(out, "(none)");
		else
			text_str(out, plan_str(p, t->leaf));
		fprintf(out, "%s%s%s  \"", (t->flags & PP_USER) ? " per-user" : "",
			(t->flags & PP_EACH_USER) ? " each-user" : "",
			(t->flags & PP_EXCEPT_SELF) ? " except-self" : "");
		text_str(out, plan_str(p, t->text));
		fprintf(out, "\" @%s:%u\n", src_name(p, t->src), t->line);
	}
	fprintf(out, "\nrules (%zu):\n", p->nrules);
	for (size_t i = 0; i < p->nrules; i++) {
		const struct plan_rule *r = &p->rules[i];
		fprintf(out, "  %3zu  %-20s comp=%u %-13s", i, rule_kind_names[r->kind], r->comp,
			plan_context_name(r->context));
		if (r->helper) {
			fprintf(out, " %s(", helper_names[r->helper]);
			for (int a = 0; a < 3 && r->args[a] != PLAN_NONE; a++) {
				if (a)
					fputs(", ", out);
				text_str(out, plan_str(p, r->args[a]));
			}
			fputs(")", out);
		}
		/* aux means attributes for include/excludeAttributes, a file target for ExactMove */
		if (r->aux && (r->kind == PRK_INCLUDE_ATTRS || r->kind == PRK_EXCLUDE_ATTRS))
			fprintf(out, " attributes=%s%s", (r->aux & 1) ? "Security" : "",
				(r->aux & 2) ? ((r->aux & 1) ? ",TimeFields" : "TimeFields") : "");
		else if (r->aux & RULE_AUX_TARGET_IS_FILE)
			fputs(" target=file", out);
		if (r->cond_pc != PLAN_NONE)
			fprintf(out, " if pc%u", r->cond_pc);
		fprintf(out, " @%s:%u\n", src_name(p, r->src), r->line);
	}
	fprintf(out, "\nentries (%zu):\n", p->nents);
	for (size_t i = 0; i < p->nents; i++)
		fprintf(out, "  %3zu  rule %u pattern %u program pc%u\n", i, p->ents[i].rule,
			p->ents[i].pat, p->ents[i].prog);
	fprintf(out, "\nErrorControl (%zu, first match wins):\n", p->nerrcs);
	for (size_t i = 0; i < p->nerrcs; i++) {
		const struct plan_errc *e = &p->errcs[i];
		fprintf(out, "  %3zu  %-8s code=", i, e->fatal ? "fatal" : "nonFatal");
		if (e->code < 0)
			fprintf(out, "any");
		else
			fprintf(out, "%d", e->code);
		fprintf(out, " pattern %u \"", e->pat);
		text_str(out, plan_str(p, p->pats[e->pat].text));
		fprintf(out, "\" @%s:%u\n", src_name(p, e->src), e->line);
	}
	fprintf(out, "\nHardLinkStoreControl (%zu, first match wins):\n", p->nhlnks);
	for (size_t i = 0; i < p->nhlnks; i++) {
		const struct plan_hlnk *h = &p->hlnks[i];
		fprintf(out, "  %3zu  %-14s pattern %u \"", i, h->create ? "createHardLink" : "errorHardLink",
			h->pat);
		text_str(out, plan_str(p, p->pats[h->pat].text));
		fprintf(out, "\" @%s:%u\n", src_name(p, h->src), h->line);
	}
	fprintf(out, "\nProfileControl group mappings (%zu):\n", p->ngrpms);
	for (size_t i = 0; i < p->ngrpms; i++) {
		const struct plan_grpm *m = &p->grpms[i];
		fprintf(out, "  %3zu  changeGroup from=\"", i);
		text_str(out, plan_str(p, m->from));
		fputs("\" to=\"", out);
		text_str(out, plan_str(p, m->to));
		fprintf(out, "\" appliesTo=%s @%s:%u\n", grpm_applies_name(m->applies),
			src_name(p, m->src), m->line);
	}
	fprintf(out, "\ncode (%zu instructions):\n  %5s  %-8s %3s %5s %10s  ; %s\n", p->ncode, "pc",
		"opcode", "a", "b", "k", "comment");
	for (uint32_t pc = 0; pc < p->ncode; pc++) {
		const struct plan_insn *in = &p->code[pc];
		fprintf(out, "  %5u  %-8s %3u %5u %10u  ; ", pc, op_info[in->op].name, in->a, in->b, in->k);
		insn_comment(p, in, pc, out);
		fputc('\n', out);
	}
}

static void json_key(FILE *out, const char *k)
{
	json_str(out, k);
	fputc(':', out);
}

void plan_dump_json(const struct plan *p, FILE *out)
{
	char hex[65];
	sha256_hex(p->ruleset, hex);
	fprintf(out, "{\"format\":\"%u.%u\",\"size\":%zu,\"case_sensitive\":%s,\"ruleset\":\"%s\",",
		p->major, p->minor, p->size, (p->flags & PLAN_F_CASE_SENSITIVE) ? "true" : "false", hex);
	fputs("\"sources\":[", out);
	for (size_t i = 0; i < p->nsrcs; i++) {
		sha256_hex(p->srcs[i].sha256, hex);
		fprintf(out, "%s{\"path\":", i ? "," : "");
		json_str(out, plan_str(p, p->srcs[i].path));
		fprintf(out, ",\"kind\":%u,\"sha256\":\"%s\"}", p->srcs[i].kind, hex);
	}
	fputs("],\"variables\":[", out);
	for (size_t i = 0; i < p->nvars; i++) {
		fprintf(out, "%s{", i ? "," : "");
		json_key(out, "name");
		json_str(out, plan_str(p, p->vars[i].name));
		fputc(',', out);
		json_key(out, "value");
		json_str(out, plan_str(p, p->vars[i].value));
		fprintf(out, ",\"per_user\":%s}", (p->vars[i].flags & PV_USER) ? "true" : "false");
	}
	fputs("],\"components\":[", out);
	for (size_t i = 0; i < p->ncomps; i++) {
		const struct plan_comp *c = &p->comps[i];
		fprintf(out, "%s{\"name\":", i ? "," : "");
		json_str(out, plan_str(p, c->name));
		fprintf(out, ",\"context\":\"%s\",\"detect_pc\":", plan_context_name(c->context));
		if (c->detect_pc == PLAN_NONE)
			fputs("null", out);
		else
			fprintf(out, "%u", c->detect_pc);
		fprintf(out, ",\"file\":");
		json_str(out, src_name(p, c->src));
		fprintf(out, ",\"line\":%u}", c->line);
	}
	fputs("],\"patterns\":[", out);
	for (size_t i = 0; i < p->npats; i++) {
		const struct plan_pat *t = &p->pats[i];
		fprintf(out, "%s{\"node\":", i ? "," : "");
		json_str(out, plan_str(p, t->node));
		fputs(",\"leaf\":", out);
		if (t->leaf == PLAN_NONE)
			fputs("null", out);
		else
			json_str(out, plan_str(p, t->leaf));
		fputs(",\"text\":", out);
		json_str(out, plan_str(p, t->text));
		fprintf(out, ",\"flags\":%u,\"file\":", t->flags);
		json_str(out, src_name(p, t->src));
		fprintf(out, ",\"line\":%u}", t->line);
	}
	fputs("],\"rules\":[", out);
	for (size_t i = 0; i < p->nrules; i++) {
		const struct plan_rule *r = &p->rules[i];
		fprintf(out,
			"%s{\"kind\":\"%s\",\"component\":%u,\"context\":\"%s\",\"helper\":\"%s\","
			"\"args\":[",
			i ? "," : "", rule_kind_names[r->kind], r->comp,
			plan_context_name(r->context), helper_names[r->helper]);
		for (int a = 0; a < 3 && r->args[a] != PLAN_NONE; a++) {
			if (a)
				fputc(',', out);
			json_str(out, plan_str(p, r->args[a]));
		}
		fprintf(out, "],\"attributes\":%u,\"cond_pc\":", r->aux);
		if (r->cond_pc == PLAN_NONE)
			fputs("null", out);
		else
			fprintf(out, "%u", r->cond_pc);
		fputs(",\"file\":", out);
		json_str(out, src_name(p, r->src));
		fprintf(out, ",\"line\":%u}", r->line);
	}
	fputs("],\"entries\":[", out);
	for (size_t i = 0; i < p->nents; i++)
		fprintf(out, "%s{\"rule\":%u,\"pattern\":%u,\"prog\":%u}", i ? "," : "", p->ents[i].rule,
			p->ents[i].pat, p->ents[i].prog);
	fputs("],\"error_control\":[", out);
	for (size_t i = 0; i < p->nerrcs; i++)
		fprintf(out, "%s{\"fatal\":%s,\"code\":%d,\"pattern\":%u,\"line\":%u}", i ? "," : "",
			p->errcs[i].fatal ? "true" : "false", p->errcs[i].code, p->errcs[i].pat,
			p->errcs[i].line);
	fputs("],\"hardlink_control\":[", out);
	for (size_t i = 0; i < p->nhlnks; i++)
		fprintf(out, "%s{\"create\":%s,\"pattern\":%u,\"line\":%u}", i ? "," : "",
			p->hlnks[i].create ? "true" : "false", p->hlnks[i].pat, p->hlnks[i].line);
	fputs("],\"group_mappings\":[", out);
	for (size_t i = 0; i < p->ngrpms; i++) {
		fprintf(out, "%s{\"from\":", i ? "," : "");
		json_str(out, plan_str(p, p->grpms[i].from));
		fputs(",\"to\":", out);
		json_str(out, plan_str(p, p->grpms[i].to));
		fprintf(out, ",\"applies_to\":\"%s\",\"line\":%u}",
			grpm_applies_name(p->grpms[i].applies), p->grpms[i].line);
	}
	fputs("],\"code\":[", out);
	for (uint32_t pc = 0; pc < p->ncode; pc++) {
		const struct plan_insn *in = &p->code[pc];
		fprintf(out, "%s{\"pc\":%u,\"op\":\"%s\",\"a\":%u,\"b\":%u,\"k\":%u}", pc ? "," : "", pc,
			op_info[in->op].name, in->a, in->b, in->k);
	}
	fputs("]}\n", out);
}
