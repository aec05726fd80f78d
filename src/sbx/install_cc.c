/* install_cc.c — agent: shell: Claude Code at a pinned version, packed on
 * the host with npm (the sandbox needs no registry access), staged through
 * the workspace, installed under /home/agent/.local, stage removed. */
#include "launcher.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CC_PKG	  "@anthropic-ai/claude-code"
#define CC_PREFIX "/home/agent/.local"

static char *trimmed(const char *s)
{
	while (s && isspace((unsigned char)*s))
		s++;
	if (!s)
		return NULL;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return strndup(s, n);
}

static int host_run(const char *const argv[], const char *what,
		    struct proc_result *res, struct sbx_err *err)
{
	if (proc_run(argv, true, res) < 0)
		return sbx_err_set(err, 1, "%s: cannot run %s: %s", what,
				   argv[0], strerror(res->spawn_errno));
	if (res->status != 0) {
		char *msg = sbx_message(res);
		char *shown = proc_argv_display(argv, 8);
		sbx_err_set(err, 1, "%s: `%s` failed (exit %d): %s", what,
			    shown ? shown : argv[0], res->status,
			    msg ? msg : "");
		free(shown);
		free(msg);
		proc_result_free(res);
		return -1;
	}
	return 0;
}

static void rm_stage(const char *dir)
{
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *de;
		while ((de = readdir(d)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				unlinkat(dirfd(d), de->d_name, 0);
		closedir(d);
	}
	rmdir(dir);
}

static int exec_capture(struct sbx_client *sbx, const char *name,
			const struct strv *cmd, const char *what, char **out,
			struct sbx_err *err)
{
	struct proc_result res;
	if (sbx_exec(sbx, name, false, cmd, &res, err) < 0)
		return -1;
	if (res.status != 0) {
		char *msg = sbx_message(&res);
		sbx_err_set(err, 1,
			    "%s: `sbx exec %s %s …` failed (exit %d): %s", what,
			    name, cmd->v[0], res.status, msg ? msg : "");
		free(msg);
		proc_result_free(&res);
		return -1;
	}
	if (out)
		*out = trimmed(res.out);
	proc_result_free(&res);
	return 0;
}

int sbx_install_claude_code(struct sbx_client *sbx, const struct sbx_config *c,
			    FILE *out, struct sbx_err *err)
{
	struct proc_result res;
	char *version = NULL, *arch = NULL, *have = NULL, *spec = NULL,
	     *pspec = NULL;
	char stage[4096];
	struct strv cmd = { 0 };
	int rc = -1;

	if (!proc_on_path("npm"))
		return sbx_err_set(
			err, 1,
			"npm is not on PATH: install npm (Debian: apt-get install npm); agent: shell packs Claude Code on the host");
	if (strcmp(c->cc_version, "latest") == 0) {
		const char *argv[] = { "npm", "view", CC_PKG, "version", NULL };
		if (host_run(argv, "resolving claude_code.version latest", &res,
			     err) < 0)
			return -1;
		version = trimmed(res.out);
		proc_result_free(&res);
	} else {
		version = strdup(c->cc_version);
	}
	if (!version || !*version) {
		free(version);
		return sbx_err_set(
			err, 1,
			"resolving claude_code.version: npm gave no version");
	}
	/* already there at that version? */
	strv_push(&cmd, "sh");
	strv_push(&cmd, "-c");
	strv_push(&cmd, "\"$1\" --version 2>/dev/null || true");
	strv_push(&cmd, "sh");
	strv_push(&cmd, CC_PREFIX "/bin/claude");
	if (exec_capture(sbx, c->name, &cmd, "checking Claude Code", &have,
			 err) < 0)
		goto out;
	if (have && strncmp(have, version, strlen(version)) == 0 &&
	    (have[strlen(version)] == '\0' ||
	     isspace((unsigned char)have[strlen(version)]))) {
		fprintf(out, "  Claude Code %s already installed\n", version);
		rc = 0;
		goto out;
	}
	strv_clear(&cmd);
	strv_push(&cmd, "uname");
	strv_push(&cmd, "-m");
	if (exec_capture(sbx, c->name, &cmd,
			 "detecting the sandbox architecture", &arch, err) < 0)
		goto out;
	const char *plat = !strcmp(arch, "x86_64") || !strcmp(arch, "amd64")
				   ? "linux-x64"
			   : !strcmp(arch, "aarch64") || !strcmp(arch, "arm64")
				   ? "linux-arm64"
				   : NULL;
	if (!plat) {
		sbx_err_set(err, 1, "unsupported sandbox architecture \"%s\"",
			    arch);
		goto out;
	}
	if (snprintf(stage, sizeof(stage), "%s/.claude-sbx-stage.XXXXXX",
		     c->workspace) >= (int)sizeof(stage) ||
	    !mkdtemp(stage)) {
		sbx_err_set(err, 1, "creating a staging directory in %s: %s",
			    c->workspace, strerror(errno));
		goto out;
	}
	if (asprintf(&spec, CC_PKG "@%s", version) < 0 ||
	    asprintf(&pspec, CC_PKG "-%s@%s", plat, version) < 0) {
		sbx_err_set(err, 1, "out of memory");
		goto out_stage;
	}
	fprintf(out, "  packing %s and %s on the host\n", spec, pspec);
	fflush(out);
	const char *pack[] = { "npm", "pack", "--silent", "--pack-destination",
			       stage, spec,   pspec,	  NULL };
	if (host_run(pack, "npm pack", &res, err) < 0)
		goto out_stage;
	proc_result_free(&res);
	strv_clear(&cmd);
	strv_push(&cmd, "npm");
	strv_push(&cmd, "install");
	strv_push(&cmd, "--global");
	strv_push(&cmd, "--prefix");
	strv_push(&cmd, CC_PREFIX);
	strv_push(&cmd, "--no-audit");
	strv_push(&cmd, "--no-fund");
	strv_push(&cmd, "--omit=optional");
	DIR *d = opendir(stage);
	if (d) {
		struct dirent *de;
		while ((de = readdir(d))) {
			size_t n = strlen(de->d_name);
			if (n > 4 && strcmp(de->d_name + n - 4, ".tgz") == 0)
				strv_pushf(&cmd, "%s/%s", stage, de->d_name);
		}
		closedir(d);
	}
	if (exec_capture(sbx, c->name, &cmd,
			 "installing Claude Code in the sandbox", NULL,
			 err) < 0)
		goto out_stage;
	strv_clear(&cmd);
	strv_push(&cmd, CC_PREFIX "/bin/claude");
	strv_push(&cmd, "--version");
	free(have);
	have = NULL;
	if (exec_capture(sbx, c->name, &cmd,
			 "checking the installed Claude Code", &have, err) < 0)
		goto out_stage;
	fprintf(out, "  Claude Code installed: %s\n", have ? have : "?");
	rc = 0;
out_stage:
	rm_stage(stage);
out:
	strv_free(&cmd);
	free(version);
	free(arch);
	free(have);
	free(spec);
	free(pspec);
	return rc;
}
