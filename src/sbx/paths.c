/* paths.c — home, the user config, allowlist lookup, view placement. */
#include "launcher.h"
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *sbx_home(void)
{
	const char *h = getenv("HOME");
	if (h && *h)
		return h;
	struct passwd *pw = getpwuid(getuid());
	return pw ? pw->pw_dir : NULL;
}

static char *config_home(void)
{
	const char *x = getenv("XDG_CONFIG_HOME");
	char *out = NULL;
	if (x && x[0] == '/')
		return strdup(x);
	const char *h = sbx_home();
	if (!h || asprintf(&out, "%s/.config", h) < 0)
		return NULL;
	return out;
}

char *sbx_user_config_path(void)
{
	char *ch = config_home(), *out = NULL;
	if (ch && asprintf(&out, "%s/claude-sbx/config.yaml", ch) < 0)
		out = NULL;
	free(ch);
	return out;
}

static bool is_file(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

int sbx_allowlist_resolve(const char *entry, char **path, struct sbx_err *err)
{
	*path = NULL;
	if (strchr(entry, '/')) {
		if (!(*path = strdup(entry)))
			return sbx_err_set(err, 1, "out of memory");
		return 0;
	}
	char *dirs[3] = { NULL, NULL, NULL };
	char *ch = config_home();
	const char *env = getenv("CLAUDE_SBX_ALLOWLIST_DIR");
	if (ch && asprintf(&dirs[0], "%s/claude-sbx/allowlist", ch) < 0)
		dirs[0] = NULL;
	free(ch);
	dirs[1] = strdup(env && *env ? env : SEEDFS_DATADIR "/allowlist");
	char tried[2048] = "";
	for (int i = 0; i < 2; i++) {
		char *cand = NULL;
		if (!dirs[i] ||
		    asprintf(&cand, "%s/%s.txt", dirs[i], entry) < 0)
			continue;
		if (is_file(cand) && !*path) {
			*path = cand;
			continue;
		}
		snprintf(tried + strlen(tried), sizeof(tried) - strlen(tried),
			 "%s%s", *tried ? ", " : "", cand);
		free(cand);
	}
	free(dirs[0]);
	free(dirs[1]);
	if (!*path)
		return sbx_err_set(err, 2,
				   "allowlist \"%s\" not found (looked for %s)",
				   entry, tried);
	return 0;
}

char *sbx_view_mountpoint(const struct sbx_config *c, enum sbx_placement p,
			  struct sbx_err *err)
{
	char *out = NULL;
	if (p == SBX_PLACE_SEPARATE) {
		const char *rt = getenv("XDG_RUNTIME_DIR");
		char fallback[64];
		if (!rt || rt[0] != '/') {
			snprintf(fallback, sizeof(fallback), "/run/user/%u",
				 (unsigned)getuid());
			struct stat st;
			if (stat(fallback, &st) < 0 || !S_ISDIR(st.st_mode)) {
				sbx_err_set(
					err, 2,
					"seed.placement: separate needs $XDG_RUNTIME_DIR (unset, and %s does not exist)",
					fallback);
				return NULL;
			}
			rt = fallback;
		}
		if (asprintf(&out, "%s/claude-sbx/%s/seed", rt, c->name) < 0)
			out = NULL;
	} else if (asprintf(&out, "%s/.claude-seed", c->workspace) < 0) {
		out = NULL;
	}
	if (!out)
		sbx_err_set(err, 1, "out of memory");
	return out;
}
