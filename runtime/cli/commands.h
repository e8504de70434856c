/* commands.h - the migstate verbs; each lives in its own cmd_*.c and returns the exit
 * code (exitcodes.h). ARGV[0] is the verb name. */
#ifndef MIGRT_COMMANDS_H
#define MIGRT_COMMANDS_H

#include <stdbool.h>

int cmd_scan(int argc, char **argv);	  /* cmd_scan.c */
int cmd_load(int argc, char **argv);	  /* cmd_load.c */
int cmd_rd(int argc, char **argv);	  /* cmd_rd.c */
int cmd_verify(int argc, char **argv);	  /* cmd_verify.c */
int cmd_du(int argc, char **argv);	  /* cmd_du.c */
int cmd_info(int argc, char **argv);	  /* cmd_info.c */
int cmd_firstboot(int argc, char **argv); /* cmd_firstboot.c */

/* The common command line of verify, du and info: STORE [--json] [--root DIR] [--help],
 * and --allow-insecure-store-parent into *ALLOW when ALLOW is not NULL. Returns -1 to go
 * on, or the exit code to return (help printed: 0; usage error: 11). */
int cli_store_args(int argc, char **argv, const char *verb, const char *help, const char **store,
		   const char **root, bool *json, bool *allow); /* storeargs.c */

#endif
