/* kit.c — the kit's name, spec.yaml and README.md (see kit.h). */
#include "claude-sbx/kit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#define KIT_NAME_MAX 64
#define KIT_SUFFIX   "-seed"

static const char lock_command[] =
	"mkdir -p /etc/claude-code && printf '%s\\n' '{\"allowManagedHooksOnly\": true}'"
	" > /etc/claude-code/managed-settings.json";

const char *sbx_kit_lock_command(void)
{
	return lock_command;
}

char *sbx_kit_name(const char *sandbox_name)
{
	char buf[KIT_NAME_MAX + 1];
	size_t o = 0, room = KIT_NAME_MAX - strlen(KIT_SUFFIX);

	for (const char *p = sandbox_name; *p && o < room; p++) {
		char c = *p;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
			c = '-';
		if (c == '-' && (o == 0 || buf[o - 1] == '-'))
			continue;
		buf[o++] = c;
	}
	while (o && buf[o - 1] == '-')
		o--;
	if (o == 0) {
		memcpy(buf, "claude", 6);
		o = 6;
	}
	memcpy(buf + o, KIT_SUFFIX, sizeof(KIT_SUFFIX));
	return strdup(buf);
}

char *sbx_yaml_quote(const char *s)
{
	size_t n = 3;
	for (const char *p = s; *p; p++)
		n += 4;
	char *q = malloc(n), *o = q;
	if (!q)
		return NULL;
	*o++ = '"';
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\') {
			*o++ = '\\';
			*o++ = (char)*p;
		} else if (*p == '\n') {
			*o++ = '\\';
			*o++ = 'n';
		} else if (*p == '\t') {
			*o++ = '\\';
			*o++ = 't';
		} else if (*p < 0x20 || *p == 0x7f) {
			o += sprintf(o, "\\x%02x", *p);
		} else {
			*o++ = (char)*p;
		}
	}
	*o++ = '"';
	*o = '\0';
	return q;
}

/* An allowlist entry as a short name: a path's file name without .txt. */
static void list_label(char *out, size_t outsz, const char *entry)
{
	const char *slash = strrchr(entry, '/');
	const char *base = slash ? slash + 1 : entry;
	size_t n = strlen(base);
	if (n > 4 && strcmp(base + n - 4, ".txt") == 0)
		n -= 4;
	snprintf(out, outsz, "%.*s", (int)n, base);
}

static char *description(const struct sbx_kit_info *k)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return NULL;
	fputs("Claude Code user configuration (", f);
	if (k->tops && k->tops->n) {
		for (size_t i = 0; i < k->tops->n; i++)
			fprintf(f, "%s%s", i ? ", " : "", k->tops->v[i]);
	} else {
		fputs("nothing visible", f);
	}
	fputs(") as the claude-seedfs view showed it, and the egress allowlist",
	      f);
	if (k->allowlists && k->allowlists->n) {
		fputs(" (", f);
		for (size_t i = 0; i < k->allowlists->n; i++) {
			char label[128];
			list_label(label, sizeof(label), k->allowlists->v[i]);
			fprintf(f, "%s%s", i ? ", " : "", label);
		}
		fputc(')', f);
	}
	fputs(". Written by claude-sbx kit export.", f);
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

/* Writes `key: "value"` with the value quoted. */
static void kv(FILE *f, const char *indent, const char *key, const char *value)
{
	char *q = sbx_yaml_quote(value);
	fprintf(f, "%s%s: %s\n", indent, key, q ? q : "\"\"");
	free(q);
}

char *sbx_kit_spec_text(const struct sbx_kit_info *k)
{
	char *text = NULL, *name = sbx_kit_name(k->sandbox_name);
	char *desc = description(k), *display = NULL;
	size_t len = 0;
	FILE *f = NULL;

	if (!name || !desc ||
	    asprintf(&display, "Claude Code seed: %s", k->sandbox_name) < 0 ||
	    !(f = open_memstream(&text, &len))) {
		free(name);
		free(desc);
		free(display);
		return NULL;
	}
	fprintf(f,
		"# Written by `claude-sbx kit export` (claude-seedfs %s).\n"
		"# files/home/.claude/ is a copy of the claude-seedfs view taken with\n"
		"# the same rules as `claude-sbx start`; export again to refresh it.\n",
		SEEDFS_VERSION);
	fprintf(f, "schemaVersion: \"%d\"\n", k->schema == 1 ? 1 : 2);
	fputs("kind: mixin\n", f);
	fprintf(f, "name: %s\n", name);
	kv(f, "", "displayName", display);
	kv(f, "", "description", desc);
	fputc('\n', f);
	if (k->schema == 1)
		fputs("network:\n  allowedDomains:", f);
	else
		fputs("permissions:\n  network:\n    allow:", f);
	const char *item = k->schema == 1 ? "    - " : "      - ";
	if (!k->allow || !k->allow->n)
		fputs(" []", f);
	fputc('\n', f);
	for (size_t i = 0; k->allow && i < k->allow->n; i++) {
		char *q = sbx_yaml_quote(k->allow->v[i]);
		fprintf(f, "%s%s\n", item, q ? q : "\"\"");
		free(q);
	}
	if (k->lock_hooks) {
		const char *why = "Claude Code runs managed hooks only: "
				  "user, project and plugin hooks stay off";
		fputc('\n', f);
		if (k->schema == 1) {
			fputs("commands:\n  install:\n", f);
			kv(f, "    - ", "command", lock_command);
			kv(f, "      ", "user", "0");
			kv(f, "      ", "description", why);
		} else {
			fputs("setup:\n  install:\n", f);
			kv(f, "    - ", "command", lock_command);
			kv(f, "      ", "description", why);
		}
	}
	free(name);
	free(desc);
	free(display);
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

/* A shell word for a copyable command line: as it is when it needs no
 * quoting, else single-quoted; a value with control characters becomes
 * the placeholder. */
static char *shell_word(const char *s, const char *placeholder)
{
	bool plain = *s != '\0';
	size_t n = 3;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return strdup(placeholder);
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("/._+-:@%,=", *p)))
			plain = false;
		n += *p == '\'' ? 4 : 1;
	}
	if (plain)
		return strdup(s);
	char *q = malloc(n), *o = q;
	if (!q)
		return NULL;
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
	return q;
}

char *sbx_kit_readme_text(const struct sbx_kit_info *k)
{
	char *text = NULL, *kit = shell_word(k->kit_path, "<kit directory>");
	char *ws = shell_word(k->workspace, "<workspace>");
	char *name = sbx_kit_name(k->sandbox_name);
	size_t len = 0;
	FILE *f = NULL;

	if (!kit || !ws || !name || !(f = open_memstream(&text, &len))) {
		free(kit);
		free(ws);
		free(name);
		return NULL;
	}
	fprintf(f, "# %s: a Docker Sandboxes kit\n\n", name);
	fprintf(f,
		"Written by `claude-sbx kit export` (claude-seedfs %s), schema %d.\n\n",
		SEEDFS_VERSION, k->schema == 1 ? 1 : 2);
	fprintf(f,
		"- `files/home/.claude/`: %zu file%s copied from the claude-seedfs view of\n"
		"  `~/.claude`, chosen by the same rules as `claude-sbx start`:\n  ",
		k->nfiles, k->nfiles == 1 ? "" : "s");
	if (k->tops && k->tops->n)
		for (size_t i = 0; i < k->tops->n; i++)
			fprintf(f, "%s`%s`", i ? ", " : "", k->tops->v[i]);
	else
		fputs("(nothing was visible)", f);
	fputs(".\n  Credentials, transcripts, history, plugins and the keys left next to\n"
	      "  skills are never in the view, so never here.\n",
	      f);
	fprintf(f,
		"- `spec.yaml`: the egress allow list (%zu host pattern%s, the launcher's\n"
		"  allowlists)%s.\n\n",
		k->allow ? k->allow->n : 0,
		k->allow && k->allow->n == 1 ? "" : "s",
		k->lock_hooks
			? " and an install step that writes\n"
			  "  `/etc/claude-code/managed-settings.json` with "
			  "`\"allowManagedHooksOnly\": true`"
			: "");
	fputs("Use it when sbx creates a sandbox (`--kit` is ignored for an existing one):\n\n"
	      "```sh\n",
	      f);
	fputs("sbx policy init deny-all    # once: a kit adds allow rules; the baseline is yours\n",
	      f);
	fprintf(f, "sbx run --kit %s claude %s\n", kit, ws);
	fputs("```\n\n", f);
	if (k->tops && strv_contains(k->tops, "skills"))
		fprintf(f,
			"The skills land in `~/.claude/skills`, where sbx 0.43 and later share\n"
			"their own skills store read-only by default. If they do not show up,\n"
			"create the sandbox without the store:\n\n"
			"```sh\nsbx create --skills off --kit %s claude %s\n```\n\n",
			kit, ws);
	fputs("This is a copy taken at export time: later edits of `~/.claude` do not\n"
	      "reach it. Export again (`claude-sbx kit export --force DIR`), or use\n"
	      "`claude-sbx start` for a live, read-only view instead of a copy.\n",
	      f);
	if (k->settings_left_out)
		fputs("\n`settings.json` is not in the kit: sbx rewrites `~/.claude/settings.json`\n"
		      "when it creates a sandbox, after the kit's files. `claude-sbx start` hands\n"
		      "the view's sanitized file to Claude Code with `claude --settings` instead.\n",
		      f);
	free(kit);
	free(ws);
	free(name);
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}
