/* xml_rules_int.h - shared by the rule-file reader: xml_rules.c (rules, components,
 * the root), xml_attrs.c (attribute helpers), xml_cond.c (conditions and detections).
 * Not part of the compiler's interface. */
#ifndef MIGC_XML_RULES_INT_H
#define MIGC_XML_RULES_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "xml_priv.h"

struct xr {
	struct xdoc *x;
	struct arena *a;
	struct m_file *f;
};

/* File vs registry/ini objects seen under one <rules>, for has_registry_only. */
struct objcount {
	size_t file, reg;
};

/* xml_attrs.c */
struct src_loc xr_attr_loc(struct xr *r, const xmlNode *n, const char *attr);
unsigned xr_context(struct xr *r, const xmlNode *n);
bool xr_bool(struct xr *r, const xmlNode *n, const char *attr, bool def);
void xr_check_enum(struct xr *r, const xmlNode *n, const char *attr, const char *const *list,
		   const char *what);
const char *xr_name(struct xr *r, const xmlNode *n);
void xr_ignore_children(struct xr *r, const xmlNode *n, const char *name);

/* xml_cond.c */
struct m_conditions *xr_cond_new(struct xr *r, struct src_loc loc, bool op_or);
struct m_conditions *xr_cond_and(struct xr *r, struct m_conditions *a, struct m_conditions *b);
struct m_conditions *xr_cond_or(struct xr *r, struct m_conditions **alts, size_t n,
				struct src_loc loc);
bool xr_cond_child(struct xr *r, struct m_conditions *c, const xmlNode *child);
struct m_conditions *xr_conditions(struct xr *r, const xmlNode *n);
const struct m_detection *xr_find_named(struct xr *r, const char *name);
struct m_conditions *xr_detect(struct xr *r, const xmlNode *n);
struct m_conditions *xr_detects(struct xr *r, const xmlNode *n);
struct m_conditions *xr_detection_body(struct xr *r, const xmlNode *n);
void xr_add_detection(struct xr *r, const xmlNode *n, struct m_detection *det);

#endif
