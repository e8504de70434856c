/* model.h - the checked rule model: what migc knows after reading MigXML and Config.xml.
 *
 * xml_load.c builds it from libxml2 trees (one m_file per rule file, one m_config for
 * Config.xml); sema.c resolves contexts, named references and Config.xml switches;
 * codegen.c turns it into a plan. Every node keeps the source location it came from so
 * diagnostics and `migc dump` can point at file:line. All memory comes from the arena
 * passed to the loader: nothing here is freed one by one. */
#ifndef MIGC_MODEL_H
#define MIGC_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "pattern.h"
#include "script.h"

struct arena;

struct src_loc {
	const char *file; /* path as given on the command line */
	int line;         /* 1-based; 0 = unknown */
	int col;          /* 1-based; 0 = unknown (print the line only) */
};

/* Contexts as a bit mask so that narrowing is an AND. */
enum m_context { CTX_SYSTEM = 1, CTX_USER = 2, CTX_USER_AND_SYSTEM = 3 };

struct m_condition;
struct m_conditions {
	struct src_loc loc;
	bool op_or;          /* operation="OR"; default AND */
	bool op_explicit;    /* operation= was written */
	struct m_condition **items;
	size_t nitems;
};

/* A <condition> (helper call, maybe negated) or a nested <conditions>. */
struct m_condition {
	struct src_loc loc;
	bool negate;
	struct script_call *call;        /* NULL when nested is set */
	struct m_conditions *nested;
};

/* A <pattern> or a <script> inside an <objectSet>. */
struct m_object {
	struct src_loc loc;              /* where the pattern text starts */
	bool is_script;
	enum pat_type type;              /* pattern: its type= */
	const char *text;                /* raw text as in the file */
	struct pat *pattern;             /* parsed (is_script false); NULL if it did not parse */
	struct script_call *script;      /* parsed (is_script true); NULL if it did not parse */
};

struct m_objectset {
	struct src_loc loc;
	struct m_object **objs;
	size_t nobjs;
	struct m_conditions *conds;      /* NULL: none */
	bool has_content;                /* <content filter=...> (registry-derived files) */
};

enum m_rule_kind {
	MR_INCLUDE,
	MR_EXCLUDE,
	MR_UNCOND_EXCLUDE,
	MR_MERGE,
	MR_LOCATION_MODIFY,
	MR_CONTENT_MODIFY,
	MR_DEST_CLEANUP,
	MR_INCLUDE_ATTRS,
	MR_EXCLUDE_ATTRS,
	MR__COUNT
};

/* include/exclude/... : the element, its filter= or script= call, its objectSets. */
struct m_rule {
	struct src_loc loc;
	enum m_rule_kind kind;
	struct script_call *script;      /* filter= (include/exclude/cleanup) or script= */
	const char *script_text;
	unsigned attributes;             /* include/excludeAttributes: M_ATTR_* mask */
	struct m_objectset **sets;
	size_t nsets;
};
#define M_ATTR_SECURITY 1u
#define M_ATTR_TIMEFIELDS 2u

struct m_rules {
	struct src_loc loc;
	const char *name;                /* name= (definition under namedElements, or reference) */
	bool is_reference;               /* name= outside namedElements: children come from there */
	unsigned context;                /* as written (0 = not written) */
	unsigned effective_context;      /* filled by sema */
	struct m_conditions *conds;
	struct m_rule **rules;
	size_t nrules;
	struct m_rules **children;       /* nested <rules> */
	size_t nchildren;
	bool has_registry_only;          /* lint bookkeeping */
};

struct m_variable {
	struct src_loc loc;
	const char *name;
	bool remap;
	const char *text;                /* <text> */
	struct script_call *script;      /* <script> */
	struct m_objectset *set;         /* <objectSet> */
};

struct m_environment {
	struct src_loc loc;
	const char *name;
	bool is_reference;
	unsigned context;
	struct m_conditions *conds;
	struct m_variable **vars;
	size_t nvars;
};

/* detection: OR of alternatives; each alternative is a conditions tree.
 * Old-style <detects>/<detect> are converted to the same shape by the loader. */
struct m_detection {
	struct src_loc loc;
	struct m_conditions **alts;      /* OR-ed; empty = component present */
	size_t nalts;
};

struct m_component {
	struct src_loc loc;
	const char *display_name;        /* required for Config.xml */
	const char *type;                /* System, Application, Device, Documents */
	unsigned context;                /* as written, default CTX_USER_AND_SYSTEM */
	const char *role;                /* role= of the enclosing <role> */
	const char *path;                /* display-name path "Parent\Child" for Config.xml */
	bool enabled;                    /* after Config.xml; default true */
	bool default_supported;
	struct m_component *parent;
	struct m_component **children;
	size_t nchildren;
	struct m_rules **rules;
	size_t nrules;
	struct m_environment **envs;
	size_t nenvs;
	struct m_detection detection;
	const char *extensions_csv;      /* <extensions> as "doc,xls" or NULL */
	struct src_loc extensions_loc;
	unsigned id;                     /* dense number over the whole policy, for the plan */
};

struct m_file {
	const char *path;
	const char *urlid;
	bool ignored;                    /* duplicate urlid: skipped with a warning */
	struct m_component **components; /* top-level */
	size_t ncomponents;
	struct m_rules **named_rules;    /* <namedElements> */
	size_t nnamed_rules;
	struct m_environment **named_envs;
	size_t nnamed_envs;
	struct m_detection **named_detections;
	const char **named_detection_names;
	size_t nnamed_detections;
	size_t dropped_registry;         /* registry/ini objects parsed and set aside */
	unsigned char sha256[32];        /* of the file bytes, for the rule-set hash */
};

/* Config.xml */
struct m_switch {
	struct src_loc loc;
	const char *path;                /* displayname path "Parent\Child" */
	const char *id;                  /* ID= if present */
	bool migrate;
};

struct m_error_rule {
	struct src_loc loc;
	bool fatal;                      /* <fatal> vs <nonFatal> */
	bool registry;                   /* registryError (kept, not applicable) */
	long error_code;                 /* -1 = any / absent */
	const char *text;
	struct pat *pattern;
};

struct m_hardlink_rule {
	struct src_loc loc;
	bool create;                     /* createHardLink vs errorHardLink */
	const char *text;
	struct pat *pattern;
};

/* <ProfileControl><localGroups><mappings><changeGroup from= to= appliesTo=>: the users
 * it applies to who were in group FROM at capture are put in group TO on the target. */
enum m_applies { MAP_MIGRATED = 1, MAP_NONMIGRATED = 2, MAP_ALL = 3 };

struct m_group_map {
	struct src_loc loc;
	const char *from, *to; /* Linux group names, a DOMAIN\ prefix removed */
	enum m_applies applies;
};

struct m_config {
	const char *path;
	struct m_switch **switches;
	size_t nswitches;
	struct m_error_rule **errors;    /* document order */
	size_t nerrors;
	struct m_hardlink_rule **hardlinks; /* document order */
	size_t nhardlinks;
	bool has_profile_control;
	struct m_group_map **group_maps; /* document order */
	size_t ngroup_maps;
	unsigned char sha256[32];
};

struct m_policy {
	struct m_file **files;
	size_t nfiles;
	struct m_config *config;         /* NULL: none given */
	unsigned ncomponents;
};

#endif
