/* settings.h — the sandbox's settings.json and the one the seed view serves.
 *
 * Owns: which settings mode the seed configuration chose (none, sanitized,
 * raw), and merging the keys the view serves into the settings.json sbx
 * wrote inside the sandbox. sbx's credential keys stay; keys sbx set that
 * the view does not serve stay; served keys are added or replace sbx's
 * (objects merged key by key, lists united); keys an earlier merge added
 * that the view no longer serves are taken out again, using the record of
 * that merge. Pure: text in, text out (json-c).
 */
#ifndef CLAUDE_SBX_SETTINGS_H
#define CLAUDE_SBX_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "claude-sbx/err.h"
#include "claude-sbx/strv.h"

#define SBX_SETTINGS_MAX_BYTES (1024 * 1024)
/* Where inside the sandbox the record of the last merge is kept. */
#define SBX_SETTINGS_RECORD    "/home/agent/.cache/claude-sbx/merged-settings.json"

enum sbx_settings_mode {
	SBX_SETTINGS_OFF,	/* the view hides settings.json */
	SBX_SETTINGS_SANITIZED, /* seed.with: settings (or settings=sanitized) */
	SBX_SETTINGS_RAW,	/* seed.with: settings=raw */
};

/* The mode a list of seed.with entries chooses: the last of "settings",
 * "settings=sanitized" and "settings=raw" decides, as in the view. A
 * settings group enabled only by a rule file's with: is not seen here:
 * the launcher then treats settings.json as sanitized (hook lock kept). */
enum sbx_settings_mode sbx_settings_mode_of(const struct strv *with);
/* A seed.with entry: GROUP or GROUP=MODE, GROUP of letters, digits, '-'
 * and '_' (not starting with '-'), MODE of a-z, 0-9, '-' and '_'. */
bool sbx_with_entry_valid(const char *entry);

struct sbx_settings_merge {
	char *settings;	    /* the new settings.json text (malloc'd) */
	char *record;	    /* what was merged, for the next merge (malloc'd) */
	struct strv merged; /* top-level keys taken from the view */
	struct strv reverted; /* top-level keys an earlier merge changed that the
				   view no longer serves: put back as they were */
	struct strv kept; /* served keys where sbx's own value stayed ("env.X") */
	struct strv refused; /* served keys never merged in this mode */
};

/* current: the sandbox's settings.json (NULL: none); served: the view's
 * (NULL: the view serves none); record: the previous merge's record (NULL:
 * none; unreadable is treated as none). Returns 0 and fills out, or -1
 * with err (current or served not a JSON object: nothing to write). */
int sbx_settings_merge(const char *current, size_t curlen, const char *served,
		       size_t servedlen, const char *record, size_t reclen,
		       enum sbx_settings_mode mode,
		       struct sbx_settings_merge *out, struct sbx_err *err);
void sbx_settings_merge_free(struct sbx_settings_merge *m);

#endif
