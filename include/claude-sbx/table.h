/* table.h — the column-aligned tables sbx prints (`sbx ls`, `sbx policy
 * ls`), read by header name.
 *
 * Owns: splitting a header into column names (separated by two or more
 * blanks, so "APPLIES TO" stays one name) and slicing each row at the
 * header's column starts. Cells are trimmed; "-" reads as empty. Leading
 * "Governance: …" lines (organisation accounts) are skipped. Pure.
 */
#ifndef CLAUDE_SBX_TABLE_H
#define CLAUDE_SBX_TABLE_H

#include <stddef.h>

struct sbx_table {
	char **cols; /* upper-cased column names */
	size_t ncols;
	char ***rows;	    /* rows[r][c] */
	unsigned char *cut; /* cut[r]: a column start falls inside a word of
			     * row r (the row does not line up with the header) */
	size_t nrows;
};

/* 0 (an empty text gives ncols 0), or -1 when out of memory. */
int sbx_table_parse(const char *text, struct sbx_table *t);
/* Column index of name (upper case), or -1. */
int sbx_table_col(const struct sbx_table *t, const char *name);
/* The cell, "" when the column is missing. */
const char *sbx_table_cell(const struct sbx_table *t, size_t row, int col);
void sbx_table_free(struct sbx_table *t);

#endif
