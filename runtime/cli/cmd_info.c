/* cmd_info.c - `migstate info STORE [--json] [--root DIR]`: what a store is, read-only.
 *
 * Orchestration tools (the Ansible collection in contrib/ansible) need to know, without
 * walking the payload, whether a path holds a store, in which state, and which rules
 * made it: a complete store whose catalog names the plan's rule-set hash (the `ruleset`
 * check-plan --json prints) needs no new capture. The store is opened as verify opens
 * it (storeopen.h: its path, the trust check, the lock, the volumes' store paths);
 * nothing is written. A path with nothing there (once its path is checked) is state
 * "none" and exit 0, so "is there a store?" is one call. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "disasm.h"
#include "exitcodes.h"
#include "storeopen.h"
#include "storeparent.h"
#include "storewalk.h"

static void print_json(const struct sw_store *s)
{
	char id[STORE_INSTANCE_HEX + 1] = "";
	bool complete = s->state == SS_COMPLETE && s->have_cat && !strcmp(s->cat_name, "catalog");
	fputs("{\"store\":", stdout);
	json_str(stdout, s->real);
	printf(",\"state\":\"%s\",\"role\":\"%s\",\"complete\":%s,\"id\":",
	       store_state_names[s->state], store_role_names[store_get_role(s->meta_fd)],
	       complete ? "true" : "false");
	if (store_get_instance(s->meta_fd, id) == 0)
		json_str(stdout, id);
	else
		fputs("null", stdout);
	if (!s->have_cat) {
		fputs(",\"catalog\":null}\n", stdout);
		return;
	}
	char hex[65];
	sw_hex(s->cat.ruleset, hex);
	printf(",\"catalog\":\"%s\",\"ruleset\":\"%s\",\"created\":%" PRId64 ",\"records\":%zu"
	       ",\"users\":[",
	       s->cat_name, hex, s->cat.created, sw_nrecords(s));
	for (size_t i = 0; i < s->cat.nusers; i++) {
		if (i)
			putchar(',');
		json_str(stdout, s->cat.users[i].name);
	}
	fputs("],\"volumes\":[", stdout);
	for (size_t i = 0; i < s->cat.nvols; i++) {
		const struct cat_vol_info *v = &s->cat.vols[i];
		fputs(i ? ",{\"mount\":" : "{\"mount\":", stdout);
		json_str(stdout, v->mount);
		fputs(",\"store\":", stdout);
		json_str(stdout, v->store_dir);
		printf(",\"master\":%s}", v->v.flags & CV_MASTER ? "true" : "false");
	}
	fputs("]}\n", stdout);
}

static void print_text(const struct sw_store *s)
{
	printf("%s: %s store, state %s", s->real, store_role_names[store_get_role(s->meta_fd)],
	       store_state_names[s->state]);
	if (s->have_cat) {
		char hex[65];
		sw_hex(s->cat.ruleset, hex);
		printf(", %s with %zu records, %zu users, %zu volumes, ruleset %s", s->cat_name,
		       sw_nrecords(s), s->cat.nusers, s->cat.nvols, hex);
	} else {
		fputs(", no catalog", stdout);
	}
	putchar('\n');
}

int cmd_info(int argc, char **argv)
{
	const char *store = NULL, *root = NULL;
	bool json = false, allow = false;
	int rc = cli_store_args(
	    argc, argv, "info",
	    "usage: migstate info STORE [--json] [--root DIR] [" STOREPARENT_OVERRIDE "]\n"
	    "What is at STORE, read-only: its state (none, scanning, complete, removing),\n"
	    "role, instance id and, from the catalog header, the rule-set hash of the plan\n"
	    "that made it (compare 'check-plan --json'), its users and volumes. The payload\n"
	    "is not read (verify does that). Exit 0 (also when nothing is there: state\n"
	    "none); 27 not a store of ours, or one another user could replace, owns or can\n"
	    "write; 29 another migstate command is using the store.\n",
	    &store, &root, &json, &allow);
	if (rc >= 0)
		return rc;
	/* every reader opens a store through its path checks: a report on a store another
	 * user could have swapped (the master's path, or a volume's) says nothing */
	struct sw_store s;
	char err[512];
	enum store_open_step step;
	if ((rc = store_open_or_absent(&s, "info", store, root,
				       SW_ALLOW_PARTIAL | SW_NO_CATALOG | SW_ORDERED, allow, NULL,
				       err, sizeof err, &step)) != EXIT_OK) {
		if (step == SO_STEP_OPEN)
			fprintf(stderr, "migstate info: %s\n", err);
		return rc;
	}
	if (step == SO_STEP_ABSENT) {
		if (json) {
			fputs("{\"store\":", stdout);
			json_str(stdout, store);
			fputs(",\"state\":\"none\",\"complete\":false}\n", stdout);
		} else {
			printf("%s: no store\n", store);
		}
		return EXIT_OK;
	}
	if (json)
		print_json(&s);
	else
		print_text(&s);
	sw_close(&s);
	return EXIT_OK;
}
