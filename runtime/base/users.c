/* users.c - passwd, login.defs and user-dirs.dirs beneath the root, opened without
 * following symlinks (a user may plant one in their own home). */
#include "users.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "smallfile.h"

const char *const xdg_names[XDG__N] = {"DESKTOP",  "DOCUMENTS",	  "DOWNLOAD",  "MUSIC",
				       "PICTURES", "PUBLICSHARE", "TEMPLATES", "VIDEOS"};
const char *const xdg_defaults[XDG__N] = {"Desktop",  "Documents", "Downloads", "Music",
						 "Pictures", "Public",	  "Templates", "Videos"};

void users_uid_range(int rootfd, uint32_t *min, uint32_t *max)
{
	*min = 1000;
	*max = 60000;
	char *s = small_file_read(rootfd, "/etc/login.defs", NULL);
	if (!s)
		return;
	for (char *line = strtok(s, "\n"); line; line = strtok(NULL, "\n")) {
		char key[32];
		unsigned long v;
		if (sscanf(line, " %31s %lu", key, &v) == 2) {
			if (!strcmp(key, "UID_MIN"))
				*min = (uint32_t)v;
			else if (!strcmp(key, "UID_MAX"))
				*max = (uint32_t)v;
		}
	}
	free(s);
}

/* Parse one passwd line into U (fields strdup'd). */
static int parse_passwd_line(char *line, struct rt_user *u)
{
	char *f[7];
	int n = 0;
	for (char *p = line; n < 7; n++) {
		f[n] = p;
		char *c = strchr(p, ':');
		if (!c) {
			n++;
			break;
		}
		*c = 0;
		p = c + 1;
	}
	if (n < 7 || !*f[0] || f[5][0] != '/')
		return -1;
	memset(u, 0, sizeof *u);
	u->name = strdup(f[0]);
	u->uid = (uint32_t)strtoul(f[2], NULL, 10);
	u->gid = (uint32_t)strtoul(f[3], NULL, 10);
	u->home = strdup(f[5]);
	/* logical homes are normalised: no trailing slash */
	size_t hl = u->home ? strlen(u->home) : 0;
	while (hl > 1 && u->home[hl - 1] == '/')
		u->home[--hl] = 0;
	if (!u->name || !u->home) {
		users_free_one(u);
		return -1;
	}
	return 0;
}

/* Every passwd entry with a uid in MIN..MAX into OUT. -1 when passwd cannot be read. */
static int read_passwd(int rootfd, uint32_t min, uint32_t max, struct user_list *out)
{
	out->v = NULL;
	out->n = 0;
	char *s = small_file_read(rootfd, "/etc/passwd", NULL);
	if (!s)
		return -1;
	char *save = NULL;
	for (char *line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct rt_user u;
		if (line[0] == '#' || parse_passwd_line(line, &u))
			continue;
		if (u.uid < min || u.uid > max) {
			users_free_one(&u);
			continue;
		}
		struct rt_user *v = realloc(out->v, (out->n + 1) * sizeof *v);
		if (!v) {
			users_free_one(&u);
			break;
		}
		out->v = v;
		out->v[out->n++] = u;
	}
	free(s);
	return 0;
}

int users_read(int rootfd, struct user_list *out, char *err, size_t errsz)
{
	uint32_t min, max;
	users_uid_range(rootfd, &min, &max);
	if (read_passwd(rootfd, min, max, out) != 0) {
		snprintf(err, errsz, "cannot read etc/passwd beneath the root: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int users_read_all(int rootfd, struct user_list *out)
{
	return read_passwd(rootfd, 0, UINT32_MAX, out);
}

int users_lookup(int rootfd, const char *name, struct rt_user *out)
{
	char *s = small_file_read(rootfd, "/etc/passwd", NULL);
	int rc = -1;
	if (!s)
		return -1;
	char *save = NULL;
	for (char *line = strtok_r(s, "\n", &save); line && rc; line = strtok_r(NULL, "\n", &save)) {
		struct rt_user u;
		if (parse_passwd_line(line, &u))
			continue;
		if (!strcmp(u.name, name)) {
			*out = u;
			rc = 0;
		} else {
			users_free_one(&u);
		}
	}
	free(s);
	return rc;
}

void users_load_xdg(int rootfd, struct rt_user *u)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/.config/user-dirs.dirs", u->home);
	char *s = small_file_read(rootfd, path, NULL);
	if (!s)
		return;
	for (char *line = strtok(s, "\n"); line; line = strtok(NULL, "\n")) {
		while (*line == ' ' || *line == '\t')
			line++;
		if (strncmp(line, "XDG_", 4) != 0)
			continue;
		char *eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = 0;
		char *val = eq + 1;
		size_t vl = strlen(val);
		if (vl >= 2 && val[0] == '"' && val[vl - 1] == '"') {
			val[vl - 1] = 0;
			val++;
		}
		for (int i = 0; i < XDG__N; i++) {
			char key[64];
			snprintf(key, sizeof key, "XDG_%s_DIR", xdg_names[i]);
			if (strcmp(line, key) != 0)
				continue;
			char full[4096];
			if (!strncmp(val, "$HOME", 5))
				snprintf(full, sizeof full, "%s%s", u->home, val + 5);
			else if (val[0] == '/')
				snprintf(full, sizeof full, "%s", val);
			else
				continue; /* relative values are not valid in user-dirs.dirs */
			size_t fl = strlen(full);
			while (fl > 1 && full[fl - 1] == '/')
				full[--fl] = 0;
			free(u->xdg[i]);
			u->xdg[i] = strdup(full);
		}
	}
	free(s);
}

void users_free_one(struct rt_user *u)
{
	free(u->name);
	free(u->home);
	for (int i = 0; i < XDG__N; i++)
		free(u->xdg[i]);
	memset(u, 0, sizeof *u);
}

void users_free(struct user_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		users_free_one(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
