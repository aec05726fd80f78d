/* table.c — header-named column tables (see table.h). */
#include "claude-sbx/table.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_COLS 64

void sbx_table_free(struct sbx_table *t)
{
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++)
			free(t->rows[r][c]);
		free(t->rows[r]);
	}
	for (size_t c = 0; c < t->ncols; c++)
		free(t->cols[c]);
	free(t->rows);
	free(t->cut);
	free(t->cols);
	memset(t, 0, sizeof(*t));
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static size_t header_cols(const char *line, size_t len, size_t *starts,
			  size_t *ends)
{
	size_t n = 0, i = 0;
	while (i < len && n < MAX_COLS) {
		while (i < len && is_blank(line[i]))
			i++;
		if (i >= len)
			break;
		starts[n] = i;
		while (i < len && !(line[i] == '\t' ||
				    (line[i] == ' ' &&
				     (i + 1 >= len || is_blank(line[i + 1])))))
			i++;
		ends[n++] = i;
	}
	return n;
}

static char *trim_dup(const char *s, size_t st, size_t end)
{
	while (st < end && isspace((unsigned char)s[st]))
		st++;
	while (end > st && isspace((unsigned char)s[end - 1]))
		end--;
	if (end - st == 1 && s[st] == '-')
		end = st;
	return strndup(s + st, end - st);
}

int sbx_table_parse(const char *text, struct sbx_table *t)
{
	size_t starts[MAX_COLS], ends[MAX_COLS];
	const char *p = text;

	memset(t, 0, sizeof(*t));
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		const char *line = p;
		p = nl ? nl + 1 : p + len;
		if (len && line[len - 1] == '\r')
			len--;
		size_t k = 0;
		while (k < len && isspace((unsigned char)line[k]))
			k++;
		if (k == len)
			continue;
		/* under organisation governance sbx prints a
		 * "Governance: Managed by <org> | …" line before the table */
		if (!t->ncols && len - k >= 11 &&
		    strncasecmp(line + k, "governance:", 11) == 0)
			continue;
		if (!t->ncols) {
			size_t n = header_cols(line, len, starts, ends);
			t->cols = calloc(n, sizeof(*t->cols));
			if (!t->cols)
				goto oom;
			t->ncols = n;
			for (size_t c = 0; c < n; c++) {
				t->cols[c] = strndup(line + starts[c],
						     ends[c] - starts[c]);
				if (!t->cols[c])
					goto oom;
				for (char *q = t->cols[c]; *q; q++)
					*q = (char)toupper((unsigned char)*q);
			}
			continue;
		}
		char ***rows = realloc(t->rows, (t->nrows + 1) * sizeof(*rows));
		if (!rows)
			goto oom;
		t->rows = rows;
		unsigned char *cut = realloc(t->cut, t->nrows + 1);
		if (!cut)
			goto oom;
		t->cut = cut;
		cut[t->nrows] = 0;
		char **row = calloc(t->ncols, sizeof(*row));
		if (!row)
			goto oom;
		for (size_t c = 0; c < t->ncols; c++)
			if (starts[c] > 0 && starts[c] < len &&
			    !isspace((unsigned char)line[starts[c] - 1]) &&
			    !isspace((unsigned char)line[starts[c]]))
				cut[t->nrows] = 1;
		rows[t->nrows++] = row;
		for (size_t c = 0; c < t->ncols; c++) {
			size_t st = starts[c] < len ? starts[c] : len;
			size_t end = c + 1 < t->ncols ? starts[c + 1] : len;
			if (end > len)
				end = len;
			if (end < st)
				end = st;
			row[c] = trim_dup(line, st, end);
			if (!row[c])
				goto oom;
		}
	}
	return 0;
oom:
	sbx_table_free(t);
	return -1;
}

int sbx_table_col(const struct sbx_table *t, const char *name)
{
	for (size_t c = 0; c < t->ncols; c++)
		if (strcmp(t->cols[c], name) == 0)
			return (int)c;
	return -1;
}

const char *sbx_table_cell(const struct sbx_table *t, size_t row, int col)
{
	if (col < 0 || (size_t)col >= t->ncols || row >= t->nrows)
		return "";
	return t->rows[row][col];
}
