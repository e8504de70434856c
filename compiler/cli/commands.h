/* commands.h - the migc verbs; main.c dispatches to them. Each returns the exit code:
 * 0 success (warnings allowed), 1 errors in the input, 2 usage error or unusable file. */
#ifndef MIGC_COMMANDS_H
#define MIGC_COMMANDS_H

int cmd_compile(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_genconfig(int argc, char **argv);
int cmd_lint(int argc, char **argv); /* lint.h */

#define MIGC_EXIT_OK 0
#define MIGC_EXIT_ERRORS 1
#define MIGC_EXIT_USAGE 2

#endif
