/* exitcodes.h - process exit codes. USMT's numbers are kept where a USMT code means the
 * same thing, so scripts written for ScanState/LoadState read ours the same way. */
#ifndef MIGRT_EXITCODES_H
#define MIGRT_EXITCODES_H

#define EXIT_OK 0
#define EXIT_CANCELED 2          /* USMT_STATUS_CANCELED: aborted (EFS file, Ctrl-C) */
#define EXIT_SKIPPED 3           /* USMT_WOULD_HAVE_FAILED: --continue skipped errors */
#define EXIT_USAGE 11            /* USMT_INVALID_PARAMETERS */
#define EXIT_USE_LAC 14          /* USMT_ERROR_USE_LAC: an owner has no account here */
#define EXIT_BAD_STORE 27        /* USMT_INVALID_STORE_LOCATION */
#define EXIT_STARTUP 29          /* USMT_FAILED_MIGSTARTUP: e.g. too little free space */
#define EXIT_NOT_PERMITTED 34    /* USMT_ERROR_INSUFFICIENT_RIGHTS */
#define EXIT_STORE_KEPT 35       /* USMT_UNABLE_DELETE_STORE: entries kept or pending */
#define EXIT_BAD_PLAN 39         /* USMT_UNABLE_TO_READ_CONFIG_FILE: plan unusable */
#define EXIT_STORE_CORRUPT 42    /* USMT_ERROR_CORRUPTED_STORE: verify found problems */
#define EXIT_STOPPED 61          /* USMT_MIGRATION_STOPPED_NONFATAL */
#define EXIT_ENVIRONMENT 71      /* USMT_INIT_OPERATING_ENVIRONMENT_FAILED */
#define EXIT_FAILED 72           /* USMT_UNABLE_DOMIGRATION */
/* USMT_FAILED_MIGSTARTUP also says "only one migration tool can run at a time" */
#define EXIT_STORE_BUSY 29       /* another migstate command holds the store's lock */

#endif
