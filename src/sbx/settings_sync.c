/* settings_sync.c — step 5's settings.json (start, sync-config). By
 * default (claude_code.settings: flag) sbx's own settings.json is left as
 * sbx wrote it and claude gets --settings: the view's sanitized file,
 * checked here, or for settings=raw a copy without the credential helpers
 * written inside. With claude_code.settings: merge, the keys the view
 * serves, read on the host, are merged into the sandbox's settings.json.
 * Files travel through sbx exec's stdout and stdin; the scripts inside get
 * only paths as arguments. */
#include "launcher.h"
#include "claude-sbx/inside.h"
#include "claude-sbx/settings.h"
#include "util/readfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SBX_SETTINGS_PATH SBX_AGENT_CLAUDE "/settings.json"

/* Reads the view's settings.json on the host. *text is NULL when the view
 * does not serve it (any more). */
static int read_served(const char *mp, char **text, size_t *len,
		       struct sbx_err *err)
{
	char *path = NULL;
	enum uread_step step = UREAD_OPEN;
	int fd, rc;

	*text = NULL;
	*len = 0;
	if (asprintf(&path, "%s/settings.json", mp) < 0)
		return sbx_err_set(err, 1, "out of memory");
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		free(path);
		if (e == ENOENT)
			return 0;
		return sbx_err_set(err, 1,
				   "reading settings.json in the view %s: %s",
				   mp, strerror(e));
	}
	rc = uread_fd(fd, SBX_SETTINGS_MAX_BYTES, text, len, &step);
	close(fd);
	if (rc == 0) {
		free(path);
		return 0;
	}
	if (rc == -ENOMEM)
		sbx_err_set(err, 1, "out of memory");
	else if (step == UREAD_READ)
		sbx_err_set(err, 1, "reading %s: %s", path, strerror(-rc));
	else
		sbx_err_set(err, 1, "%s: %s", path,
			    step == UREAD_TYPE	 ? "not a regular file"
			    : step == UREAD_SIZE ? "larger than 1 MiB"
						 : strerror(-rc));
	free(path);
	return -1;
}

static int put_inside(struct sbx_client *sbx, const char *name,
		      const char *path, const char *text, struct sbx_err *err)
{
	struct strv cmd = { 0 };
	struct proc_result res;

	if (sbx_inside_put_argv(&cmd, path) < 0) {
		strv_free(&cmd);
		return sbx_err_set(err, 1, "out of memory");
	}
	int rc = sbx_exec_input(sbx, name, &cmd, text, strlen(text), &res, err);
	strv_free(&cmd);
	if (rc < 0)
		return -1;
	if (res.status != 0) {
		char *msg = sbx_message(&res);
		sbx_err_set(
			err, 1,
			"writing %s: `sbx exec -i %s …` failed (exit %d): %s",
			path, name, res.status,
			msg && *msg ? msg : "(no message)");
		free(msg);
		rc = -1;
	}
	proc_result_free(&res);
	return rc;
}

static void print_keys(FILE *out, const char *label, const struct strv *keys)
{
	if (!out || !keys->n)
		return;
	fprintf(out, "  settings.json: %s:", label);
	for (size_t i = 0; i < keys->n; i++)
		fprintf(out, " %s", keys->v[i]);
	fputc('\n', out);
}

int sbx_sandbox_settings_flag(struct sbx_client *sbx,
			      const struct sbx_config *c, const char *mp,
			      bool view_serves, FILE *out, struct sbx_err *err)
{
	enum sbx_settings_mode mode = sbx_settings_mode_of(&c->seed_with);
	struct sbx_settings_merge m = { 0 };
	char *served = NULL;
	size_t slen = 0;
	int rc = -1;

	if (mode == SBX_SETTINGS_OFF || !view_serves) {
		/* nothing to pass; a copy left by an earlier settings=raw goes */
		struct strv cmd = { 0 };
		struct proc_result res;
		if (strv_push(&cmd, "rm") < 0 || strv_push(&cmd, "-f") < 0 ||
		    strv_push(&cmd, "--") < 0 ||
		    strv_push(&cmd, SBX_SETTINGS_FLAG_COPY) < 0) {
			strv_free(&cmd);
			return sbx_err_set(err, 1, "out of memory");
		}
		rc = sbx_exec(sbx, c->name, false, &cmd, &res, err);
		strv_free(&cmd);
		if (rc == 0 && res.status != 0) {
			char *msg = sbx_message(&res);
			rc = sbx_err_set(
				err, 1,
				"removing %s: `sbx exec %s rm …` failed (exit %d): %s",
				SBX_SETTINGS_FLAG_COPY, c->name, res.status,
				msg && *msg ? msg : "(no message)");
			free(msg);
		}
		proc_result_free(&res);
		return rc;
	}
	if (read_served(mp, &served, &slen, err) < 0)
		return -1;
	if (!served)
		return 0;
	/* the same filter as the merge, onto nothing: what claude may take */
	if (sbx_settings_merge(NULL, 0, served, slen, NULL, 0, mode, &m, err) <
	    0)
		goto out;
	if (mode == SBX_SETTINGS_SANITIZED) {
		if (m.refused.n) {
			/* a sanitized view never serves these: do not hand the
			 * file to claude at all */
			char keys[1024] = "";
			for (size_t i = 0; i < m.refused.n; i++)
				snprintf(keys + strlen(keys),
					 sizeof(keys) - strlen(keys), " %s",
					 m.refused.v[i]);
			sbx_err_set(
				err, 1,
				"%s/settings.json carries keys a sanitized view never serves (%s ); "
				"it is not passed to claude: check the view's rules",
				mp, keys + 1);
			goto out;
		}
		print_keys(out, "claude --settings the view's file, keys",
			   &m.merged);
	} else {
		if (put_inside(sbx, c->name, SBX_SETTINGS_FLAG_COPY, m.settings,
			       err) < 0)
			goto out;
		print_keys(out,
			   "claude --settings " SBX_SETTINGS_FLAG_COPY ", keys",
			   &m.merged);
		print_keys(out, "not passed (sbx's proxy owns authentication)",
			   &m.refused);
	}
	rc = 0;
out:
	sbx_settings_merge_free(&m);
	free(served);
	return rc;
}

int sbx_sandbox_settings(struct sbx_client *sbx, const struct sbx_config *c,
			 const char *mp, bool view_serves, FILE *out,
			 struct sbx_err *err)
{
	enum sbx_settings_mode mode = sbx_settings_mode_of(&c->seed_with);
	struct sbx_settings_merge m = { 0 };
	struct strv cmd = { 0 };
	struct proc_result res = { 0 };
	char *served = NULL;
	size_t slen = 0;
	int rc = -1;

	if (view_serves && read_served(mp, &served, &slen, err) < 0)
		return -1;
	if (sbx_inside_read_pair_argv(&cmd, SBX_SETTINGS_PATH,
				      SBX_SETTINGS_RECORD) < 0) {
		sbx_err_set(err, 1, "out of memory");
		goto out;
	}
	if (sbx_exec(sbx, c->name, false, &cmd, &res, err) < 0)
		goto out;
	const char *nul = res.out ? memchr(res.out, '\0', res.outlen) : NULL;
	if (res.status != 0 || !nul) {
		char *msg = sbx_message(&res);
		sbx_err_set(err, 1,
			    "reading %s: `sbx exec %s …` failed (exit %d): %s",
			    SBX_SETTINGS_PATH, c->name, res.status,
			    msg && *msg ? msg : "(no message)");
		free(msg);
		goto out;
	}
	size_t curlen = (size_t)(nul - res.out);
	size_t reclen = res.outlen - curlen - 1;
	if (!served && !reclen) {
		rc = 0; /* nothing served, nothing merged before */
		goto out;
	}
	if (sbx_settings_merge(curlen ? res.out : NULL, curlen, served, slen,
			       reclen ? nul + 1 : NULL, reclen, mode, &m,
			       err) < 0)
		goto out;
	if (put_inside(sbx, c->name, SBX_SETTINGS_PATH, m.settings, err) < 0 ||
	    put_inside(sbx, c->name, SBX_SETTINGS_RECORD, m.record, err) < 0)
		goto out;
	if (m.merged.n)
		print_keys(out, "merged from the view", &m.merged);
	else if (served && out)
		fprintf(out,
			"  settings.json: the view serves no keys to merge\n");
	print_keys(out, "kept the sandbox's own", &m.kept);
	print_keys(out, "no longer served, put back", &m.reverted);
	if (m.refused.n && mode == SBX_SETTINGS_RAW) {
		print_keys(out, "not merged (sbx's proxy owns authentication)",
			   &m.refused);
	} else if (m.refused.n) {
		/* a sanitized view never serves these: say so loudly */
		fprintf(stderr,
			"claude-sbx: warning: settings.json in the view %s carries keys a sanitized view never serves; not merged:",
			mp);
		for (size_t i = 0; i < m.refused.n; i++)
			fprintf(stderr, " %s", m.refused.v[i]);
		fputc('\n', stderr);
	}
	rc = 0;
out:
	sbx_settings_merge_free(&m);
	proc_result_free(&res);
	strv_free(&cmd);
	free(served);
	return rc;
}

int sbx_sandbox_settings_step(struct sbx_client *sbx,
			      const struct sbx_config *c, const char *mp,
			      bool view_serves, FILE *out, struct sbx_err *err)
{
	if (c->settings_via == SBX_VIA_MERGE)
		return sbx_sandbox_settings(sbx, c, mp, view_serves, out, err);
	return sbx_sandbox_settings_flag(sbx, c, mp, view_serves, out, err);
}
