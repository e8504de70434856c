/* paths.h - where migc finds its shipped data (the variable map). */
#ifndef MIGC_PATHS_H
#define MIGC_PATHS_H

/* The default variables.map: $MIGC_VARS if set; else next to the binary in a source
 * tree (<exe>/../policies/variables.map, for build/migc); else in the tree the binary
 * is installed in (<exe>/../share/migstate/policies/variables.map, whatever PREFIX and
 * DESTDIR were); else MIGSTATE_DATADIR/policies/variables.map. Returns a static string. */
const char *migc_default_vars_path(void);

#endif
