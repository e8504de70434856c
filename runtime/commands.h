/* commands.h - the migstate verbs; each lives in its own cmd_*.c and returns the exit
 * code (exitcodes.h). ARGV[0] is the verb name. */
#ifndef MIGRT_COMMANDS_H
#define MIGRT_COMMANDS_H

/* TEMPORARY (while the verbs are being written in parallel): weak, so the binary links
 * without them; main.c reports a missing verb. Remove MIGSTATE_WEAK before release. */
#define MIGSTATE_WEAK __attribute__((weak))
MIGSTATE_WEAK int cmd_scan(int argc, char **argv);   /* cmd_scan.c */
MIGSTATE_WEAK int cmd_load(int argc, char **argv);   /* cmd_load.c */
MIGSTATE_WEAK int cmd_rd(int argc, char **argv);     /* cmd_rd.c */
MIGSTATE_WEAK int cmd_verify(int argc, char **argv); /* cmd_verify.c */
MIGSTATE_WEAK int cmd_du(int argc, char **argv);     /* cmd_du.c */

#endif
