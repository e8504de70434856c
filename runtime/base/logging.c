/* logging.c - log, progress log, file list and progress bar (see logging.h). */
#include "logging.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "escape.h"
#include "outfile.h"

static const char *const months[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
				       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* An output file as outfile.h opens it (0600, never through a symlink, never another
 * user's file), written in whole lines: tail -f and pipes see them at once. */
static FILE *open_out(const char *what, const char *path, char *err, size_t errsz)
{
	char why[160];
	FILE *f = outfile_fopen(path, why, sizeof why);
	if (f) {
		setvbuf(f, NULL, _IOLBF, 0);
		return f;
	}
	snprintf(err, errsz, "cannot open the %s: %s", what, why);
	FILE *m = errsz > 1 ? fmemopen(err, errsz - 1, "w") : NULL;
	if (m) { /* the same with the name, escaped */
		fprintf(m, "cannot open the %s ", what);
		text_str(m, path);
		fprintf(m, ": %s", why);
		fclose(m);
		err[errsz - 1] = 0;
	}
	return NULL;
}

int rlog_open(struct rlog *l, const char *log, const char *progress, const char *listfiles,
	      unsigned verbose, char *err, size_t errsz)
{
	memset(l, 0, sizeof *l);
	l->verbose = verbose;
	clock_gettime(CLOCK_MONOTONIC, &l->start);
	l->bar = isatty(STDERR_FILENO) == 1;
	const char *names[3] = {log, progress, listfiles};
	static const char *const what[3] = {"log", "progress log", "file list"};
	FILE **fs[3] = {&l->log, &l->progress, &l->listfiles};
	for (int i = 0; i < 3; i++) {
		if (!names[i])
			continue;
		if (!(*fs[i] = open_out(what[i], names[i], err, errsz))) {
			rlog_close(l);
			return -1;
		}
	}
	return 0;
}

int rlog_close(struct rlog *l)
{
	int rc = 0;
	rlog_bar_end(l);
	FILE **fs[3] = {&l->log, &l->progress, &l->listfiles};
	for (int i = 0; i < 3; i++) {
		if (*fs[i] && fclose(*fs[i]) != 0)
			rc = -1;
		*fs[i] = NULL;
	}
	for (int i = 0; i < 4; i++)
		free(l->esc[i]);
	memset(l->esc, 0, sizeof l->esc);
	return rc;
}

double rlog_elapsed(const struct rlog *l)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - l->start.tv_sec) +
	       (double)(now.tv_nsec - l->start.tv_nsec) / 1e9;
}

const char *rlog_esc(struct rlog *l, const char *s)
{
	unsigned k = l->escnext++ % 4;
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	if (!m)
		return "?";
	text_str(m, s);
	if (fclose(m) != 0 || !buf)
		return "?";
	free(l->esc[k]);
	l->esc[k] = buf;
	l->esccap[k] = len;
	return buf;
}

static void bar_clear(struct rlog *l)
{
	if (l->bar_drawn) {
		fputs("\r\033[K", stderr);
		l->bar_drawn = false;
	}
}

void rlog_msg(struct rlog *l, enum rlog_level lv, const char *fmt, ...)
{
	static const char *const names[] = {"debug", "info", "warning", "error"};
	if (lv == RL_DEBUG && !(l->verbose & RTV_VERBOSE))
		return;
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
	/* the whole line through the escaper too: names are escaped where they are put in
	 * (rlog_esc), and escaping is idempotent, so this only catches a raw byte that came
	 * in through some other text (an error message quoting a path) */
	char *msg = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		msg = NULL;
	const char *line = msg ? msg : fmt;
	if (l->log) {
		fprintf(l->log, "%s [%s] ", stamp, names[lv]);
		text_str(l->log, line);
		fputc('\n', l->log);
	}
	if (lv >= RL_WARN || (l->verbose & RTV_ECHO)) {
		bar_clear(l);
		fprintf(stderr, "migstate: %s%s", lv >= RL_WARN ? names[lv] : "",
			lv >= RL_WARN ? ": " : "");
		text_str(stderr, line);
		fputc('\n', stderr);
	}
	free(msg);
}

/* One progress value: escaped, commas too (they separate the fields). */
static void progress_value(FILE *f, const char *v)
{
	char chunk[256];
	size_t n = 0;
	for (const char *p = v ? v : "";; p++) {
		if (*p == ',' || !*p || n == sizeof chunk - 1) {
			chunk[n] = 0;
			text_str(f, chunk);
			n = 0;
			if (!*p)
				break;
			if (*p == ',') {
				fputs("\\x2c", f);
				continue;
			}
		}
		chunk[n++] = *p;
	}
}

void rlog_progress(struct rlog *l, ...)
{
	if (!l->progress)
		return;
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	long el = (long)rlog_elapsed(l);
	fprintf(l->progress, "%02d %s %04d, %02d:%02d:%02d, %02ld:%02ld:%02ld", tm.tm_mday,
		months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec, el / 3600,
		el / 60 % 60, el % 60);
	va_list ap;
	va_start(ap, l);
	for (;;) {
		const char *k = va_arg(ap, const char *);
		if (!k)
			break;
		const char *v = va_arg(ap, const char *);
		fprintf(l->progress, ", %s, ", k);
		progress_value(l->progress, v);
	}
	va_end(ap);
	fputc('\n', l->progress);
}

void rlog_listfile(struct rlog *l, const char *path)
{
	if (!l->listfiles)
		return;
	text_str(l->listfiles, path);
	fputc('\n', l->listfiles);
}

void rlog_bar(struct rlog *l, uint64_t done, uint64_t total)
{
	if (!l->bar)
		return;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long ms = (now.tv_sec - l->last_bar.tv_sec) * 1000 +
		  (now.tv_nsec - l->last_bar.tv_nsec) / 1000000;
	if (ms < 100 && done != total)
		return;
	l->last_bar = now;
	unsigned pct = total ? (unsigned)(done * 100 / total) : 100;
	char bar[41];
	unsigned fill = pct * 40 / 100;
	memset(bar, '#', fill);
	memset(bar + fill, ' ', 40 - fill);
	bar[40] = 0;
	fprintf(stderr, "\r[%s] %3u%% %llu/%llu", bar, pct, (unsigned long long)done,
		(unsigned long long)total);
	fflush(stderr);
	l->bar_drawn = true;
}

void rlog_count(struct rlog *l, const char *what, uint64_t n)
{
	if (!l->bar)
		return;
	fprintf(stderr, "\r%s: %llu objects", what, (unsigned long long)n);
	fflush(stderr);
	l->bar_drawn = true;
}

void rlog_bar_end(struct rlog *l)
{
	if (l->bar_drawn) {
		fputc('\n', stderr);
		l->bar_drawn = false;
	}
}
