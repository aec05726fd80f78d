/* sbxcli.c — spawning sbx and turning its failures into messages. */
#include "launcher.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define SBX_INSTALL_HINT                                                       \
	"sbx (Docker Sandboxes) is not on PATH: install it from Docker (docs.docker.com/ai/sandboxes)"

char *sbx_message(const struct proc_result *res)
{
	const char *m = res->err && res->errlen ? res->err
			: res->out		? res->out
						: "";
	while (isspace((unsigned char)*m))
		m++;
	size_t n = strlen(m);
	while (n && isspace((unsigned char)m[n - 1]))
		n--;
	if (n > 2000) {
		m += n - 2000; /* keep the end, where the error is */
		n = 2000;
	}
	return strndup(m, n);
}

int sbx_call(struct sbx_client *c, const struct strv *args,
	     struct proc_result *res, struct sbx_err *err)
{
	struct strv argv = { 0 };
	(void)c;
	if (strv_push(&argv, "sbx") < 0 || strv_extend(&argv, args) < 0) {
		strv_free(&argv);
		memset(res, 0, sizeof(*res));
		return sbx_err_set(err, 1, "out of memory");
	}
	int r = proc_run((const char *const *)argv.v, true, res);
	char *shown = proc_argv_display((const char *const *)argv.v, 8);
	strv_free(&argv);
	if (r < 0) {
		if (res->spawn_errno == ENOENT)
			sbx_err_set(err, 1, SBX_INSTALL_HINT);
		else
			sbx_err_set(err, 1, "cannot run `%s`: %s",
				    shown ? shown : "sbx",
				    strerror(res->spawn_errno));
		free(shown);
		return -1;
	}
	if (res->status != 0) {
		char *msg = sbx_message(res);
		sbx_err_set(err, 1, "`%s` failed (exit %d): %s",
			    shown ? shown : "sbx", res->status,
			    msg && *msg ? msg : "(no message)");
		free(msg);
		free(shown);
		return -1;
	}
	free(shown);
	return 0;
}

int sbx_callv(struct sbx_client *c, struct proc_result *res,
	      struct sbx_err *err, ...)
{
	struct strv args = { 0 };
	va_list ap;
	const char *a;
	int rc = 0;

	va_start(ap, err);
	while ((a = va_arg(ap, const char *)) && rc == 0)
		rc = strv_push(&args, a);
	va_end(ap);
	if (rc < 0) {
		strv_free(&args);
		memset(res, 0, sizeof(*res));
		return sbx_err_set(err, 1, "out of memory");
	}
	rc = sbx_call(c, &args, res, err);
	strv_free(&args);
	return rc;
}

int sbx_client_init(struct sbx_client *c, struct sbx_err *err)
{
	struct proc_result res;

	memset(c, 0, sizeof(*c));
	if (!proc_on_path("sbx"))
		return sbx_err_set(err, 1, SBX_INSTALL_HINT);
	if (sbx_callv(c, &res, err, "version", NULL) < 0) {
		proc_result_free(&res);
		sbx_err_prefix(err, "detecting the sbx version");
		return -1;
	}
	if (sbx_version_parse(res.out, &c->ver) < 0) {
		char *msg = sbx_message(&res);
		sbx_err_set(
			err, 1,
			"detecting the sbx version: no version number in `sbx version` output: %s",
			msg ? msg : "");
		free(msg);
		proc_result_free(&res);
		return -1;
	}
	c->have_ver = true;
	proc_result_free(&res);
	return 0;
}

int sbx_sandbox_exists(struct sbx_client *c, const char *name, bool *exists,
		       struct sbx_err *err)
{
	struct proc_result res;

	*exists = false;
	if (sbx_callv(c, &res, err, "ls", "-q", NULL) < 0) {
		proc_result_free(&res);
		return -1;
	}
	for (char *p = res.out; p && *p;) {
		char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		while (n && isspace((unsigned char)p[n - 1]))
			n--;
		if (n == strlen(name) && memcmp(p, name, n) == 0)
			*exists = true;
		p = nl ? nl + 1 : p + strlen(p);
	}
	proc_result_free(&res);
	return 0;
}

static int exec_common(const char *name, bool root, const struct strv *cmd,
		       const char *input, size_t inlen, struct proc_result *res,
		       struct sbx_err *err)
{
	struct strv argv = { 0 };
	int rc = strv_push(&argv, "sbx");
	rc |= strv_push(&argv, "exec");
	if (input)
		rc |= strv_push(&argv, "-i");
	if (root) {
		rc |= strv_push(&argv, "-u");
		rc |= strv_push(&argv, "root");
	}
	rc |= strv_push(&argv, name);
	rc |= strv_extend(&argv, cmd);
	if (rc < 0) {
		strv_free(&argv);
		memset(res, 0, sizeof(*res));
		return sbx_err_set(err, 1, "out of memory");
	}
	rc = input ? proc_run_input((const char *const *)argv.v, input, inlen,
				    res)
		   : proc_run((const char *const *)argv.v, true, res);
	strv_free(&argv);
	if (rc < 0 && res->spawn_errno == ENOENT)
		return sbx_err_set(err, 1, SBX_INSTALL_HINT);
	if (rc < 0)
		return sbx_err_set(err, 1, "cannot run sbx exec: %s",
				   strerror(res->spawn_errno));
	return 0;
}

int sbx_exec(struct sbx_client *c, const char *name, bool root,
	     const struct strv *cmd, struct proc_result *res,
	     struct sbx_err *err)
{
	(void)c;
	return exec_common(name, root, cmd, NULL, 0, res, err);
}

int sbx_exec_input(struct sbx_client *c, const char *name,
		   const struct strv *cmd, const char *input, size_t len,
		   struct proc_result *res, struct sbx_err *err)
{
	(void)c;
	return exec_common(name, false, cmd, input ? input : "", len, res, err);
}
