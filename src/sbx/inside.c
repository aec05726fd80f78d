/* inside.c — scripts run inside the sandbox and their argv (see inside.h).
 * The scripts are constants; values arrive only as positional arguments. */
#include "claude-sbx/inside.h"
#include "claude-sbx/keeper.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* $1 view, $2 destination (~/.claude), then relative names to link.
 * Our stale links (pointing into the view, no longer listed) are removed;
 * anything that is not a link is left alone and reported. */
#define LINK_BODY                                                                                \
	"set -u\n"                                                                               \
	"view=$1; dest=$2; shift 2\n"                                                            \
	"mkdir -p \"$dest\" || exit 1\n"                                                         \
	"rc=0\n"                                                                                 \
	"for l in \"$dest\"/* \"$dest\"/.[!.]* \"$dest\"/skills/* \"$dest\"/skills/.[!.]*; do\n" \
	"  [ -L \"$l\" ] || continue\n"                                                          \
	"  t=$(readlink \"$l\") || continue\n"                                                   \
	"  case $t in \"$view\"/*) ;; *) continue ;; esac\n"                                     \
	"  rel=${l#\"$dest\"/}\n"                                                                \
	"  keep=0\n"                                                                             \
	"  for r in \"$@\"; do if [ \"$r\" = \"$rel\" ]; then keep=1; break; fi; done\n"         \
	"  if [ $keep = 0 ]; then rm -f \"$l\" && echo \"unlinked $rel\"; fi\n"                  \
	"done\n"                                                                                 \
	"for rel in \"$@\"; do\n"                                                                \
	"  case $rel in */*) mkdir -p \"$dest/${rel%/*}\" || { rc=1; continue; } ;; esac\n"      \
	"  link=$dest/$rel\n"                                                                    \
	"  if [ -L \"$link\" ]; then\n"                                                          \
	"    [ \"$(readlink \"$link\")\" = \"$view/$rel\" ] && continue\n"                       \
	"    rm -f \"$link\"\n"                                                                  \
	"  elif [ -e \"$link\" ]; then\n"                                                        \
	"    echo \"claude-sbx: $link exists and is not a link; left alone\" >&2\n"              \
	"    rc=1; continue\n"                                                                   \
	"  fi\n"                                                                                 \
	"  ln -s \"$view/$rel\" \"$link\" && echo \"linked $rel\" || rc=1\n"                     \
	"done\n"                                                                                 \
	"exit $rc\n"

static const char link_script[] = LINK_BODY;

/* A function making $1 the seed plugin: .claude-plugin/plugin.json, and
 * skills -> $2 (no link when $2 is empty). && chains, not set -e: it runs
 * on the left of ||. */
#define PLUGIN_FN                                                                              \
	"seed_plugin() {\n"                                                                    \
	"  mkdir -p \"$1/.claude-plugin\" &&\n"                                                \
	"  printf '%s\\n' '{\"name\": \"" SBX_SEED_PLUGIN_NAME                                 \
	"\", \"version\": \"1.0.0\", "                                                         \
	"\"description\": \"The skills of the claude-seedfs view (claude-sbx)\"}' "            \
	"> \"$1/.claude-plugin/plugin.json.tmp\" &&\n"                                         \
	"  mv -f \"$1/.claude-plugin/plugin.json.tmp\" \"$1/.claude-plugin/plugin.json\" &&\n" \
	"  { [ ! -L \"$1/skills\" ] || rm -f \"$1/skills\"; } &&\n"                            \
	"  { [ -z \"$2\" ] || ln -s \"$2\" \"$1/skills\"; } &&\n"                              \
	"  echo \"plugin $1\"\n"                                                               \
	"}\n"

/* $1 plugin dir, $2 the view's skills dir or "". */
static const char plugin_script[] = PLUGIN_FN "seed_plugin \"$1\" \"$2\"\n";

/* $1 plugin dir or "" (none), $2 its skills target, then as link_script:
 * one sbx exec for both. */
static const char link_plugin_script[] = PLUGIN_FN
	"p=$1; s=$2; shift 2\n"
	"if [ -n \"$p\" ]; then seed_plugin \"$p\" \"$s\" || exit 1; fi\n" LINK_BODY;

/* $1 view, $2 destination, $3 host source; expected names; "--"; names
 * that must not be reachable through the view. */
static const char check_script[] =
	"view=$1; dest=$2; src=$3; shift 3\n"
	"if [ ! -d \"$view\" ] || [ -z \"$(ls -A \"$view\" 2>/dev/null)\" ]; then\n"
	"  echo \"VIEW_MISSING $view\"; exit 3\n"
	"fi\n"
	"rc=0\n"
	"while [ $# -gt 0 ] && [ \"$1\" != -- ]; do\n"
	"  rel=$1; shift\n"
	"  case $rel in /*) p=$rel ;; *) p=$dest/$rel ;; esac\n"
	"  if [ -d \"$p\" ]; then\n"
	"    ls -A \"$p/\" >/dev/null 2>&1 || { echo \"UNREADABLE $rel\"; rc=1; }\n"
	"  elif [ -f \"$p\" ]; then\n"
	"    cat \"$p\" >/dev/null 2>&1 || { echo \"UNREADABLE $rel\"; rc=1; }\n"
	"  else\n"
	"    echo \"MISSING $rel\"; rc=1\n"
	"  fi\n"
	"done\n"
	"[ $# -gt 0 ] && shift\n"
	"for h in \"$@\"; do\n"
	"  if [ -e \"$view/$h\" ] || [ -L \"$view/$h\" ]; then echo \"REACHABLE $h\"; rc=1; fi\n"
	"done\n"
	"if [ -e \"$src\" ]; then echo \"SOURCE_REACHABLE $src\"; rc=1; fi\n"
	"exit $rc\n";

/* $1 path, $2 content. */
static const char write_script[] =
	"set -e\n"
	"mkdir -p \"${1%/*}\"\n"
	"printf '%s' \"$2\" > \"$1.claude-sbx.tmp\"\n"
	"chmod 0644 \"$1.claude-sbx.tmp\"\n"
	"mv -f \"$1.claude-sbx.tmp\" \"$1\"\n";

/* $1 settings.json, $2 the merge record: prints the first (if any), a
 * NUL byte, then the second (if any). */
static const char read_pair_script[] =
	"set -u\n"
	"if [ -e \"$1\" ]; then cat -- \"$1\" || exit 1; fi\n"
	"printf '\\000'\n"
	"if [ -e \"$2\" ]; then cat -- \"$2\" || exit 1; fi\n"
	"exit 0\n";

/* $1 path: stdin becomes the file, replaced in one rename. */
static const char put_script[] = "set -e\n"
				 "umask 022\n"
				 "mkdir -p -- \"${1%/*}\"\n"
				 "t=$1.claude-sbx.tmp\n"
				 "cat > \"$t\"\n"
				 "mv -f -- \"$t\" \"$1\"\n";

bool sbx_link_skip(const char *top)
{
	return strcmp(top, "settings.json") == 0 ||
	       strcmp(top, ".claude.json") == 0;
}

static int script_head(struct strv *argv, const char *script)
{
	if (strv_push(argv, "sh") < 0 || strv_push(argv, "-c") < 0 ||
	    strv_push(argv, script) < 0 || strv_push(argv, "sh") < 0)
		return -1;
	return 0;
}

int sbx_skills_plan(const struct sbx_version *v, enum sbx_skills_store s,
		    struct strv *create_args, enum sbx_skills_delivery *how,
		    const char **note)
{
	*note = NULL;
	*how = SBX_SKILLS_PLUGIN;
	if (sbx_version_cmp(v, 0, 37) < 0) {
		/* no skills store yet: ~/.claude/skills is ours */
		*how = SBX_SKILLS_LINKS;
		return 0;
	}
	if (sbx_version_cmp(v, 0, 43) < 0) {
		switch (s) {
		case SBX_SKILLS_OFF:
			*how = SBX_SKILLS_LINKS;
			return strv_push(create_args, "--no-share-skills");
		case SBX_SKILLS_READONLY:
			*note = "this sbx (before 0.43) has no read-only skills store: it shares its "
				"store read-write; claude-sbx never writes into it";
			return 0;
		default:
			return 0;
		}
	}
	const char *mode = s == SBX_SKILLS_OFF		 ? "off"
			   : s == SBX_SKILLS_READWRITE	 ? "readwrite"
			   : s == SBX_SKILLS_SBX_DEFAULT ? NULL
							 : "readonly";
	if (s == SBX_SKILLS_OFF)
		*how = SBX_SKILLS_LINKS;
	if (!mode)
		return 0;
	if (strv_push(create_args, "--skills") < 0 ||
	    strv_push(create_args, mode) < 0)
		return -1;
	return 0;
}

int sbx_inside_link_plugin_argv(struct strv *argv, const char *plugin,
				const char *skills, const char *view,
				const char *dest, const struct strv *rels)
{
	if (script_head(argv, link_plugin_script) < 0 ||
	    strv_push(argv, plugin ? plugin : "") < 0 ||
	    strv_push(argv, skills ? skills : "") < 0 ||
	    strv_push(argv, view) < 0 || strv_push(argv, dest) < 0 ||
	    strv_extend(argv, rels) < 0)
		return -1;
	return 0;
}

int sbx_inside_plugin_argv(struct strv *argv, const char *dir,
			   const char *skills)
{
	if (script_head(argv, plugin_script) < 0 || strv_push(argv, dir) < 0 ||
	    strv_push(argv, skills ? skills : "") < 0)
		return -1;
	return 0;
}

int sbx_claude_args(struct strv *out, const char *plugin, const char *settings,
		    const char *model, const struct strv *flags)
{
	int rc = 0;
	if (plugin)
		rc |= strv_push(out, "--plugin-dir") | strv_push(out, plugin);
	if (settings)
		rc |= strv_push(out, "--settings") | strv_push(out, settings);
	if (model)
		rc |= strv_push(out, "--model") | strv_push(out, model);
	if (flags)
		rc |= strv_extend(out, flags);
	return rc < 0 ? -1 : 0;
}

int sbx_inside_link_argv(struct strv *argv, const char *view, const char *dest,
			 const struct strv *rels)
{
	if (script_head(argv, link_script) < 0 || strv_push(argv, view) < 0 ||
	    strv_push(argv, dest) < 0 || strv_extend(argv, rels) < 0)
		return -1;
	return 0;
}

int sbx_inside_check_argv(struct strv *argv, const char *view, const char *dest,
			  const char *source, const struct strv *rels,
			  const struct strv *hidden)
{
	if (script_head(argv, check_script) < 0 || strv_push(argv, view) < 0 ||
	    strv_push(argv, dest) < 0 || strv_push(argv, source) < 0 ||
	    strv_extend(argv, rels) < 0 || strv_push(argv, "--") < 0 ||
	    strv_extend(argv, hidden) < 0)
		return -1;
	return 0;
}

int sbx_inside_write_argv(struct strv *argv, const char *path,
			  const char *content)
{
	if (script_head(argv, write_script) < 0 || strv_push(argv, path) < 0 ||
	    strv_push(argv, content) < 0)
		return -1;
	return 0;
}

int sbx_inside_read_pair_argv(struct strv *argv, const char *first,
			      const char *second)
{
	if (script_head(argv, read_pair_script) < 0 ||
	    strv_push(argv, first) < 0 || strv_push(argv, second) < 0)
		return -1;
	return 0;
}

int sbx_inside_put_argv(struct strv *argv, const char *path)
{
	if (script_head(argv, put_script) < 0 || strv_push(argv, path) < 0)
		return -1;
	return 0;
}

int sbx_sh_quote(struct strv *out, const char *s)
{
	size_t n = 2;
	for (const char *p = s; *p; p++)
		n += *p == '\'' ? 4 : 1;
	char *q = malloc(n + 1), *o = q;
	if (!q)
		return -1;
	*o++ = '\'';
	for (const char *p = s; *p; p++) {
		if (*p == '\'') {
			memcpy(o, "'\\''", 4);
			o += 4;
		} else {
			*o++ = *p;
		}
	}
	*o++ = '\'';
	*o = '\0';
	int rc = strv_push(out, q);
	free(q);
	return rc;
}

/* A login shell after an `sbx stop` starts the keeper again (its pidfile
 * makes this a no-op when it runs; sudo -n: never a prompt). */
static const char keeper_lines[] =
	"if [ \"$(id -u)\" != 0 ] && [ -x " SBX_KEEPER_GUEST " ] && "
	"command -v sudo >/dev/null 2>&1; then\n"
	"  sudo -n " SBX_KEEPER_GUEST " --daemon --pidfile " SBX_KEEPER_PIDFILE
	" -- \"$CLAUDE_SBX_SEED\" >/dev/null 2>&1 || :\n"
	"fi\n";

/* For agent shell: a `claude` function that adds the seed's flags. */
static char *claude_function(const char *plugin, const char *settings)
{
	struct strv q = { 0 };
	char *text = NULL;
	if (!plugin && !settings)
		return strdup("");
	if ((plugin && sbx_sh_quote(&q, plugin) < 0) ||
	    (settings && sbx_sh_quote(&q, settings) < 0)) {
		strv_free(&q);
		return NULL;
	}
	const char *qp = plugin ? q.v[0] : NULL;
	const char *qs = settings ? q.v[plugin ? 1 : 0] : NULL;
	int r = asprintf(
		&text,
		"# claude with the seed: the view's skills (as a plugin) and its\n"
		"# settings.json (sbx's own ~/.claude/settings.json is left as sbx wrote it)\n"
		"claude() {\n"
		"%s%s%s"
		"  command claude%s%s \"$@\"\n"
		"}\n",
		qs ? "  if [ -r " : "", qs ? qs : "",
		qs ? " ]; then set -- --settings \"$CLAUDE_SBX_SETTINGS\" \"$@\"; fi\n"
		   : "",
		qp ? " --plugin-dir " : "", qp ? qp : "");
	if (r >= 0 && qs) {
		char *with = NULL;
		r = asprintf(
			&with,
			"CLAUDE_SBX_SETTINGS=%s; export CLAUDE_SBX_SETTINGS\n%s",
			qs, text);
		free(text);
		text = r < 0 ? NULL : with;
	}
	strv_free(&q);
	return r < 0 ? NULL : text;
}

char *sbx_profile_text(const char *view, const char *model, bool local_bin,
		       const char *plugin, const char *settings)
{
	struct strv q = { 0 };
	char *text = NULL;
	char *fn = local_bin ? claude_function(plugin, settings) : strdup("");

	if (!fn || sbx_sh_quote(&q, view) < 0 ||
	    (model && sbx_sh_quote(&q, model) < 0)) {
		free(fn);
		strv_free(&q);
		return NULL;
	}
	int r = asprintf(
		&text,
		"# Written by claude-sbx. No secrets belong here: credentials are\n"
		"# injected by the sbx proxy on the host.\n"
		"if [ -z \"${TERM:-}\" ] || [ \"$TERM\" = dumb ]; then\n"
		"  TERM=xterm-256color; export TERM\n"
		"fi\n"
		"CLAUDE_SBX_SEED=%s; export CLAUDE_SBX_SEED\n"
		"%s%s%s"
		"%s%s"
		"%s",
		q.v[0], model ? "ANTHROPIC_MODEL=" : "", model ? q.v[1] : "",
		model ? "; export ANTHROPIC_MODEL\n" : "",
		local_bin
			? "case \":$PATH:\" in *\":$HOME/.local/bin:\"*) ;; "
			  "*) PATH=$HOME/.local/bin:$PATH; export PATH ;; esac\n"
			: "",
		fn, keeper_lines);
	free(fn);
	strv_free(&q);
	return r < 0 ? NULL : text;
}

const char *sbx_managed_settings_text(bool lock_hooks)
{
	return lock_hooks ? "{\n  \"allowManagedHooksOnly\": true\n}\n"
			  : "{\n}\n";
}
