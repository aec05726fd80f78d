/* cmd_stop.c — `claude-sbx stop`: remove the sandbox, then unmount the
 * view (both possible placements). Idempotent. */
#include "launcher.h"

#include <stdlib.h>

int sbx_cmd_stop(struct sbx_ctx *x, struct sbx_err *err)
{
	const struct sbx_config *c = &x->cfg;
	struct proc_result res;
	bool exists;

	if (sbx_client_init(&x->sbx, err) < 0)
		return -1;
	if (sbx_sandbox_exists(&x->sbx, c->name, &exists, err) < 0)
		return -1;
	if (exists) {
		int r = x->cli.force ? sbx_callv(&x->sbx, &res, err, "rm", "-f",
						 c->name, NULL)
				     : sbx_callv(&x->sbx, &res, err, "rm",
						 c->name, NULL);
		proc_result_free(&res);
		if (r < 0) {
			sbx_err_prefix(
				err,
				"removing the sandbox (the view stays mounted; "
				"detach any session or use --force)");
			return -1;
		}
		fprintf(x->out, "sandbox %s removed\n", c->name);
	} else {
		fprintf(x->out, "no sandbox %s\n", c->name);
	}
	const enum sbx_placement places[] = { SBX_PLACE_WORKSPACE,
					      SBX_PLACE_SEPARATE };
	for (size_t i = 0; i < 2; i++) {
		struct sbx_err e2 = { 0 };
		char *mp = sbx_view_mountpoint(c, places[i], &e2);
		bool was = false;
		if (!mp)
			continue; /* no runtime dir: nothing can be mounted there */
		if (sbx_view_down(mp, &was, err) < 0) {
			free(mp);
			return -1;
		}
		if (was)
			fprintf(x->out, "view %s unmounted\n", mp);
		free(mp);
	}
	fflush(x->out);
	return 0;
}
