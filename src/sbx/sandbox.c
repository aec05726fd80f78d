/* sandbox.c — steps 4–6: create the sandbox (telling sbx what to do with
 * its skills store), link the view's entries into /home/agent/.claude or,
 * where sbx's store sits on ~/.claude/skills, carry the view's skills in a
 * plugin directory; write the non-secret files; check from inside. Also
 * the claude arguments that carry the seed (shell, the ready line). */
#include "launcher.h"
#include "claude-sbx/inside.h"
#include "claude-sbx/settings.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int sbx_sandbox_create(struct sbx_client *sbx, const struct sbx_config *c,
		       const char *mp, bool *created, struct sbx_err *err)
{
	struct proc_result res;
	struct strv args = { 0 };
	bool exists;

	*created = false;
	if (sbx_sandbox_exists(sbx, c->name, &exists, err) < 0)
		return -1;
	if (exists)
		return 0;
	enum sbx_skills_delivery how;
	const char *note;
	int rc = strv_push(&args, "create");
	rc |= strv_push(&args, "--name");
	rc |= strv_push(&args, c->name);
	rc |= sbx_skills_plan(&sbx->ver, c->skills_store, &args, &how, &note);
	if (note)
		fprintf(stderr, "claude-sbx: note: skills_store %s: %s\n",
			sbx_skills_store_name(c->skills_store), note);
	rc |= strv_push(&args, c->agent);
	rc |= strv_push(&args, c->workspace);
	if (c->placement == SBX_PLACE_SEPARATE)
		rc |= strv_pushf(&args, "%s:ro", mp);
	if (rc < 0) {
		strv_free(&args);
		return sbx_err_set(err, 1, "out of memory");
	}
	rc = sbx_call(sbx, &args, &res, err);
	proc_result_free(&res);
	strv_free(&args);
	if (rc < 0)
		return -1;
	*created = true;
	return 0;
}

/* Runs argv inside; a non-zero status becomes an error with its output. */
static int exec_ok(struct sbx_client *sbx, const char *name, bool root,
		   const struct strv *cmd, const char *what, FILE *out,
		   struct sbx_err *err)
{
	struct proc_result res;
	if (sbx_exec(sbx, name, root, cmd, &res, err) < 0)
		return -1;
	if (out && res.out && *res.out)
		fputs(res.out, out);
	if (res.status != 0) {
		char *msg = sbx_message(&res);
		sbx_err_set(err, 1,
			    "%s: `sbx exec%s %s …` failed (exit %d): %s", what,
			    root ? " -u root" : "", name, res.status,
			    msg && *msg ? msg : "(no message)");
		free(msg);
		proc_result_free(&res);
		return -1;
	}
	proc_result_free(&res);
	return 0;
}

enum sbx_skills_delivery sbx_skills_how(const struct sbx_client *sbx,
					const struct sbx_config *c)
{
	struct strv ignored = { 0 };
	enum sbx_skills_delivery how;
	const char *note;
	sbx_skills_plan(&sbx->ver, c->skills_store, &ignored, &how, &note);
	strv_free(&ignored);
	return how;
}

int sbx_rels_for(const struct sbx_client *sbx, const struct sbx_config *c,
		 const struct strv *rels, struct strv *link, struct strv *check)
{
	bool plugin = sbx_skills_how(sbx, c) == SBX_SKILLS_PLUGIN;
	for (size_t i = 0; i < rels->n; i++) {
		bool skill = strncmp(rels->v[i], "skills/", 7) == 0;
		if (plugin && skill) {
			if (check && strv_pushf(check, "%s/%s", SBX_SEED_PLUGIN,
						rels->v[i]) < 0)
				return -1;
			continue;
		}
		if ((link && strv_push(link, rels->v[i]) < 0) ||
		    (check && strv_push(check, rels->v[i]) < 0))
			return -1;
	}
	return 0;
}

int sbx_sandbox_link(struct sbx_client *sbx, const struct sbx_config *c,
		     const char *mp, const struct strv *rels, FILE *out,
		     struct sbx_err *err)
{
	struct strv cmd = { 0 }, link = { 0 };
	char *skills = NULL;
	bool plugin = sbx_skills_how(sbx, c) == SBX_SKILLS_PLUGIN;
	bool any_skill = false;
	for (size_t i = 0; i < rels->n; i++)
		any_skill |= strncmp(rels->v[i], "skills/", 7) == 0;
	/* where sbx's store is on ~/.claude/skills, the view's skills go in
	 * a plugin directory instead (claude --plugin-dir): the same exec */
	int rc = sbx_rels_for(sbx, c, rels, &link, NULL);
	if (rc == 0 && plugin && any_skill &&
	    asprintf(&skills, "%s/skills", mp) < 0)
		rc = -1;
	if (rc == 0)
		rc = plugin ? sbx_inside_link_plugin_argv(&cmd, SBX_SEED_PLUGIN,
							  skills, mp,
							  SBX_AGENT_CLAUDE,
							  &link)
			    : sbx_inside_link_argv(&cmd, mp, SBX_AGENT_CLAUDE,
						   &link);
	free(skills);
	strv_free(&link);
	if (rc < 0) {
		strv_free(&cmd);
		return sbx_err_set(err, 1, "out of memory");
	}
	rc = exec_ok(sbx, c->name, false, &cmd,
		     plugin ? "making the seed plugin " SBX_SEED_PLUGIN
			      " and linking the view into " SBX_AGENT_CLAUDE
			    : "linking the view into " SBX_AGENT_CLAUDE,
		     out, err);
	strv_free(&cmd);
	if (rc < 0 && !plugin && sbx_version_cmp(&sbx->ver, 0, 37) >= 0) {
		/* links into ~/.claude/skills refused: sbx's store is there */
		size_t len = strlen(err->msg);
		snprintf(
			err->msg + len, sizeof(err->msg) - len,
			"\n  (skills_store is off: if %s was created with sbx's skills store, "
			"run `claude-sbx stop` then `claude-sbx start`)",
			c->name);
	}
	return rc;
}

char *sbx_settings_flag_path(const struct sbx_config *c, const char *mp)
{
	char *p = NULL;
	enum sbx_settings_mode mode = sbx_settings_mode_of(&c->seed_with);
	if (c->settings_via != SBX_VIA_FLAG || mode == SBX_SETTINGS_OFF)
		return NULL;
	if (asprintf(&p, "%s/settings.json", mp) < 0)
		return NULL;
	struct stat st;
	if (lstat(p, &st) < 0 || !S_ISREG(st.st_mode)) {
		free(p);
		return NULL; /* the view does not serve it (now) */
	}
	if (mode == SBX_SETTINGS_RAW) {
		free(p);
		return strdup(SBX_SETTINGS_FLAG_COPY);
	}
	return p;
}

int sbx_seed_claude_args(const struct sbx_client *sbx,
			 const struct sbx_config *c, const char *mp,
			 struct strv *out)
{
	bool plugin = sbx_skills_how(sbx, c) == SBX_SKILLS_PLUGIN;
	char *settings = sbx_settings_flag_path(c, mp);
	int rc = sbx_claude_args(out, plugin ? SBX_SEED_PLUGIN : NULL, settings,
				 c->cc_model, &c->cc_flags);
	free(settings);
	return rc;
}

static int write_file(struct sbx_client *sbx, const char *name,
		      const char *path, const char *content,
		      struct sbx_err *err)
{
	struct strv cmd = { 0 };
	if (sbx_inside_write_argv(&cmd, path, content) < 0) {
		strv_free(&cmd);
		return sbx_err_set(err, 1, "out of memory");
	}
	char what[256];
	snprintf(what, sizeof(what), "writing %s", path);
	int rc = exec_ok(sbx, name, true, &cmd, what, NULL, err);
	strv_free(&cmd);
	return rc;
}

int sbx_sandbox_files(struct sbx_client *sbx, const struct sbx_config *c,
		      const char *mp, struct sbx_err *err)
{
	bool plugin = sbx_skills_how(sbx, c) == SBX_SKILLS_PLUGIN;
	enum sbx_settings_mode mode = sbx_settings_mode_of(&c->seed_with);
	char *settings = NULL;
	if (c->settings_via == SBX_VIA_FLAG && mode != SBX_SETTINGS_OFF) {
		/* the function checks at each call that the file is there */
		if (mode == SBX_SETTINGS_RAW)
			settings = strdup(SBX_SETTINGS_FLAG_COPY);
		else if (asprintf(&settings, "%s/settings.json", mp) < 0)
			settings = NULL;
		if (!settings)
			return sbx_err_set(err, 1, "out of memory");
	}
	char *profile = sbx_profile_text(mp, c->cc_model,
					 strcmp(c->agent, "shell") == 0,
					 plugin ? SBX_SEED_PLUGIN : NULL,
					 settings);
	free(settings);
	if (!profile)
		return sbx_err_set(err, 1, "out of memory");
	int rc = write_file(sbx, c->name, SBX_PROFILE_PATH, profile, err);
	free(profile);
	/* settings=raw: the user asked for their hooks to run inside */
	bool lock = sbx_settings_mode_of(&c->seed_with) != SBX_SETTINGS_RAW;
	if (rc == 0)
		rc = write_file(sbx, c->name, SBX_MANAGED_PATH,
				sbx_managed_settings_text(lock), err);
	return rc;
}

int sbx_sandbox_check(struct sbx_client *sbx, const struct sbx_config *c,
		      const char *mp, const struct strv *rels,
		      const struct strv *hidden, struct sbx_err *err)
{
	struct strv cmd = { 0 }, check = { 0 };
	struct proc_result res;

	if (sbx_rels_for(sbx, c, rels, NULL, &check) < 0 ||
	    sbx_inside_check_argv(&cmd, mp, SBX_AGENT_CLAUDE, c->seed_source,
				  &check, hidden) < 0) {
		strv_free(&cmd);
		strv_free(&check);
		return sbx_err_set(err, 1, "out of memory");
	}
	int rc = sbx_exec(sbx, c->name, false, &cmd, &res, err);
	strv_free(&cmd);
	strv_free(&check);
	if (rc < 0)
		return -1;
	if (res.status == 0) {
		proc_result_free(&res);
		return 0;
	}
	if (res.status == SBX_CHECK_VIEW_MISSING && res.out &&
	    strncmp(res.out, "VIEW_MISSING", 12) == 0) {
		if (c->placement == SBX_PLACE_WORKSPACE)
			sbx_err_set(
				err, 1,
				"the seed view %s is not visible inside the sandbox "
				"(this sbx does not share a FUSE mount nested in the workspace); "
				"fix: set `seed.placement: separate` (or pass --placement separate) "
				"and run `claude-sbx stop` then `claude-sbx start`",
				mp);
		else
			sbx_err_set(
				err, 1,
				"the seed view %s, shared as %s:ro, is not visible inside the sandbox "
				"(sbx mounts paths only when it creates a sandbox: if %s existed before, "
				"run `claude-sbx stop` then `claude-sbx start`)",
				mp, mp, c->name);
		proc_result_free(&res);
		return -1;
	}
	/* the script reports problems on stdout, sbx its own on stderr */
	char *msg = sbx_message(&res);
	size_t outn = res.out ? strlen(res.out) : 0;
	while (outn && (res.out[outn - 1] == '\n' || res.out[outn - 1] == ' '))
		outn--;
	sbx_err_set(err, 1,
		    "check from inside the sandbox failed (exit %d):\n%.*s%s%s",
		    res.status, (int)(outn > 4000 ? 4000 : outn),
		    res.out ? res.out : "", outn && res.errlen ? "\n" : "",
		    res.errlen && msg ? msg : "");
	free(msg);
	proc_result_free(&res);
	return -1;
}
