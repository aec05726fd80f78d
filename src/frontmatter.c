/* frontmatter.c — skills' and agents' YAML frontmatter, defused.
 *
 * Owns: finding the frontmatter block of a Markdown file, reading it with
 * libyaml's event API, and removing the top-level keys that make Claude Code
 * run commands or start servers (`hooks`; for agents also `mcpServers` and
 * `permissionMode`). Removal cuts the exact lines of each such key and its
 * value, located with libyaml's marks, so that every other byte stays as it
 * was. The result is parsed again and checked before it is returned. No
 * I/O, no global state.
 */
#include "seedfs/transform.h"
#include "util/yamlsub.h"
#include "util/why.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* Lines of the file before the frontmatter text: the opening "---". */
#define OPENING_LINES 1

struct cut {
	size_t start, end; /* byte range of the frontmatter text */
};

/* Maps libyaml's character index to a byte offset. Marks come mostly in
 * increasing order, so the walk resumes where the last one stopped. */
struct cursor {
	const unsigned char *text;
	size_t len, ch, byte;
};

struct scan {
	const unsigned char *text;
	size_t len;
	enum transform kind;
	char *why;
	size_t why_len;
	struct cursor cur;
	/* first pass: the cuts, and the names of the kept top-level keys */
	struct cut *cuts;
	size_t ncuts, cap_cuts;
	char **kept;
	size_t nkept, cap_kept;
	/* second pass (verify): the kept names are what must be found */
	bool verify;
	size_t nseen;
	bool root_flow; /* the top-level mapping is {...} */
};

/* The file line of a mark in the frontmatter text. */
static unsigned mark_line(yaml_mark_t m)
{
	return (unsigned)m.line + 1 + OPENING_LINES;
}

static bool is_blank(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* ---- locating the frontmatter ------------------------------------------- */

/* Byte length of the JavaScript whitespace character (\s, other than LF)
 * at p[0..n), or 0. */
static size_t js_space(const unsigned char *p, size_t n)
{
	if (p[0] == ' ' || p[0] == '\t' || p[0] == '\v' || p[0] == '\f' ||
	    p[0] == '\r')
		return 1;
	if (n >= 2 && p[0] == 0xC2 && p[1] == 0xA0) /* U+00A0 */
		return 2;
	if (n < 3)
		return 0;
	if ((p[0] == 0xE1 && p[1] == 0x9A && p[2] == 0x80) || /* U+1680 */
	    (p[0] == 0xE2 && p[1] == 0x80 &&
	     ((p[2] >= 0x80 && p[2] <= 0x8A) || p[2] == 0xA8 || p[2] == 0xA9 ||
	      p[2] == 0xAF)) || /* U+2000-200A, 2028, 2029, 202F */
	    (p[0] == 0xE2 && p[1] == 0x81 && p[2] == 0x9F) || /* U+205F */
	    (p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80) || /* U+3000 */
	    (p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF))   /* U+FEFF */
		return 3;
	return 0;
}

/* Finds the frontmatter text [*start, *end) the way Claude Code does
 * (its pattern is /^---\s*\n([\s\S]*?)---\s*\n?/): "---" at the start,
 * whitespace up to a line feed, then everything up to the next "---",
 * wherever it is, even in the middle of a line. So the text never runs
 * past what Claude Code reads as frontmatter, and never stops short of
 * it. A UTF-8 BOM before the opening "---" is allowed as well (Claude Code
 * then sees no frontmatter; cutting keys it ignores is harmless). False
 * when the file has none. */
static bool locate(const unsigned char *in, size_t len, size_t *start,
		   size_t *end)
{
	size_t pos = 0, w;
	const unsigned char *close;

	if (len >= 3 && memcmp(in, "\xEF\xBB\xBF", 3) == 0)
		pos = 3;
	if (len - pos < 3 || memcmp(in + pos, "---", 3) != 0)
		return false;
	pos += 3;
	while (pos < len && in[pos] != '\n' &&
	       (w = js_space(in + pos, len - pos)) > 0)
		pos += w;
	if (pos == len || in[pos] != '\n')
		return false;
	*start = pos + 1;
	close = memmem(in + *start, len - *start, "---", 3);
	if (!close)
		return false;
	*end = (size_t)(close - in);
	return true;
}

/* Line breaks libyaml counts that the line cuts below do not (a lone CR,
 * NEL, LS, PS), and BOMs, which libyaml skips or refuses depending on
 * where they are. */
static int check_text(const unsigned char *t, size_t n, char *why,
		      size_t why_len)
{
	unsigned line = 1 + OPENING_LINES;

	for (size_t i = 0; i < n; i++) {
		if (t[i] == '\n')
			line++;
		if ((t[i] == '\r' && (i + 1 == n || t[i + 1] != '\n')) ||
		    (t[i] == 0xC2 && i + 1 < n && t[i + 1] == 0x85) ||
		    (t[i] == 0xE2 && i + 2 < n && t[i + 1] == 0x80 &&
		     (t[i + 2] == 0xA8 || t[i + 2] == 0xA9)))
			return set_why(
				why, why_len,
				"frontmatter line %u: line break other than LF or CRLF",
				line);
		if (t[i] == 0xEF && i + 2 < n && t[i + 1] == 0xBB &&
		    t[i + 2] == 0xBF)
			return set_why(
				why, why_len,
				"frontmatter line %u: byte order mark inside the frontmatter",
				line);
	}
	return 0;
}

/* Names cut for a kind of file. */
static const char *const skill_keys[] = { "hooks" };
static const char *const agent_keys[] = { "hooks", "mcpServers",
					  "permissionMode" };

static const char *const *cut_keys(enum transform kind, size_t *n)
{
	if (kind == TRANSFORM_AGENT_FM) {
		*n = sizeof(agent_keys) / sizeof(agent_keys[0]);
		return agent_keys;
	}
	*n = sizeof(skill_keys) / sizeof(skill_keys[0]);
	return skill_keys;
}

/* Outside the cuts, no line may still look like a removed key ("hooks:",
 * "'hooks' :", "? hooks", at any indentation): inside a multi-line string
 * YAML reads it as text, but Claude Code re-reads frontmatter its YAML
 * parser refused with a line-based fix-up that would see a key there.
 * Cuts start and end at line starts. */
static int check_lines(const unsigned char *t, size_t n, enum transform kind,
		       const struct cut *cuts, size_t ncuts, char *why,
		       size_t why_len)
{
	size_t nkeys, pos = 0, c = 0;
	const char *const *keys = cut_keys(kind, &nkeys);
	unsigned line = 1 + OPENING_LINES;

	for (; pos < n; pos++, line++) {
		const unsigned char *nl = memchr(t + pos, '\n', n - pos);
		size_t end = nl ? (size_t)(nl - t) : n, p = pos;
		bool explicit = false;
		while (c < ncuts && cuts[c].end <= pos)
			c++;
		if (c < ncuts && cuts[c].start <= pos) {
			pos = end;
			continue;
		}
		while (p < end && is_blank(t[p]))
			p++;
		if (p + 1 < end && t[p] == '?' && is_blank(t[p + 1])) {
			explicit = true;
			for (p += 2; p < end && is_blank(t[p]); p++)
				;
		}
		if (p < end && (t[p] == '"' || t[p] == '\''))
			p++;
		for (size_t k = 0; k < nkeys; k++) {
			size_t kl = strlen(keys[k]), q = p + kl;
			if (q > end || memcmp(t + p, keys[k], kl) != 0)
				continue;
			if (q < end && (t[q] == '"' || t[q] == '\''))
				q++;
			while (q < end && is_blank(t[q]))
				q++;
			if ((q == end && explicit) || (q < end && t[q] == ':'))
				return set_why(
					why, why_len,
					"frontmatter line %u: \"%s\" inside another value",
					line, keys[k]);
		}
		pos = end;
	}
	return 0;
}

/* A flow-style ({...}) frontmatter cannot be cut by lines, and YAML
 * parsers disagree on some flow spellings ("{a: 1,hooks:x}"): one that
 * mentions a removed key anywhere is refused. */
static int check_flow(const unsigned char *t, size_t n, enum transform kind,
		      char *why, size_t why_len)
{
	size_t nkeys;
	const char *const *keys = cut_keys(kind, &nkeys);

	for (size_t k = 0; k < nkeys; k++)
		if (memmem(t, n, keys[k], strlen(keys[k])))
			return set_why(
				why, why_len,
				"frontmatter: a flow-style ({...}) frontmatter mentions \"%s\"",
				keys[k]);
	return 0;
}

/* ---- marks and lines ---------------------------------------------------- */

static size_t utf8_width(unsigned char c)
{
	return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

static size_t byte_offset(struct cursor *c, yaml_mark_t m)
{
	if (m.index < c->ch)
		c->ch = c->byte = 0;
	while (c->ch < m.index && c->byte < c->len) {
		c->byte += utf8_width(c->text[c->byte]);
		c->ch++;
	}
	return c->byte < c->len ? c->byte : c->len;
}

static size_t line_start(const unsigned char *t, size_t off)
{
	while (off > 0 && t[off - 1] != '\n')
		off--;
	return off;
}

/* Where a cut ends, given the end of the last thing in the removed value:
 * the end of that line, or the start of it when only indentation precedes
 * (a block scalar's end mark sits on the next line). */
static size_t cut_end(const unsigned char *t, size_t len, size_t e)
{
	size_t ls = line_start(t, e);
	const unsigned char *nl;

	while (ls < e && is_blank(t[ls]))
		ls++;
	if (ls == e)
		return line_start(t, e);
	nl = memchr(t + e, '\n', len - e);
	return nl ? (size_t)(nl - t) + 1 : len;
}

/* ---- the scan ----------------------------------------------------------- */

static bool removed_key(enum transform kind, const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;
	size_t n = ev->data.scalar.length, nkeys;
	const char *const *keys = cut_keys(kind, &nkeys);

	for (size_t i = 0; i < nkeys; i++)
		if (n == strlen(keys[i]) && memcmp(v, keys[i], n) == 0)
			return true;
	return false;
}

static bool null_scalar(const yaml_event_t *ev)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };

	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	for (size_t i = 0; i < 5; i++)
		if (strcmp((const char *)ev->data.scalar.value, nulls[i]) == 0)
			return true;
	return false;
}

/* Anchors, aliases and tags: refused anywhere. A YAML library may resolve
 * them into a key the line cuts cannot see (a merge, a !!binary key). */
static int check_node(struct scan *s, const yaml_event_t *ev)
{
	const char *what = ysub_refused_plural(ysub_node(ev, NULL));

	if (!what)
		return 0;
	return set_why(s->why, s->why_len,
		       "frontmatter line %u: YAML %s are not supported",
		       mark_line(ev->start_mark), what);
}

static int add_cut(struct scan *s, size_t start, size_t end)
{
	if (s->ncuts == s->cap_cuts) {
		size_t ncap = s->cap_cuts ? s->cap_cuts * 2 : 4;
		struct cut *v = reallocarray(s->cuts, ncap, sizeof(*v));
		if (!v)
			return -ENOMEM;
		s->cuts = v;
		s->cap_cuts = ncap;
	}
	s->cuts[s->ncuts++] = (struct cut){ start, end };
	return 0;
}

/* A kept top-level key: recorded in the first pass, checked in the second
 * (same keys, same order). */
static int kept_key(struct scan *s, const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;
	size_t n = ev->data.scalar.length;
	char *copy;

	if (s->verify) {
		if (s->nseen >= s->nkept || strlen(s->kept[s->nseen]) != n ||
		    memcmp(s->kept[s->nseen], v, n) != 0)
			return set_why(
				s->why, s->why_len,
				"frontmatter: rewritten keys differ from the original");
		s->nseen++;
		return 0;
	}
	if (s->nkept == s->cap_kept) {
		size_t ncap = s->cap_kept ? s->cap_kept * 2 : 8;
		char **nv = reallocarray(s->kept, ncap, sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		s->kept = nv;
		s->cap_kept = ncap;
	}
	copy = malloc(n + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, v, n);
	copy[n] = '\0';
	s->kept[s->nkept++] = copy;
	return 0;
}

static int syntax_error(struct scan *s, const yaml_parser_t *ps)
{
	unsigned line;

	if (ps->error == YAML_MEMORY_ERROR)
		return -ENOMEM;
	if (ps->error == YAML_READER_ERROR) {
		line = 1 + OPENING_LINES;
		for (size_t i = 0; i < ps->problem_offset && i < s->len; i++)
			if (s->text[i] == '\n')
				line++;
	} else {
		line = mark_line(ps->problem_mark);
	}
	return set_why(s->why, s->why_len,
		       "frontmatter line %u: YAML syntax: %s%s%s", line,
		       ps->problem ? ps->problem : "malformed",
		       ps->context ? " " : "", ps->context ? ps->context : "");
}

/* State of the walk over the events. */
struct walk {
	unsigned depth; /* open collections */
	unsigned flow;	/* open flow collections (innermost last) */
	unsigned docs;
	bool root_flow;	    /* the top-level mapping is {...} */
	size_t root_nodes;  /* nodes directly in it: keys even, values odd */
	bool cutting;	    /* inside a removed key's value */
	size_t cut_start;   /* byte: start of the removed key's line */
	size_t content_end; /* byte: end of the last thing in its value */
};

/* Ends the pending cut; the next top-level key's line bounds it. */
static int close_cut(struct scan *s, struct walk *w, size_t bound)
{
	size_t end = cut_end(s->text, s->len, w->content_end);

	w->cutting = false;
	if (end > bound)
		end = bound;
	return add_cut(s, w->cut_start, end);
}

/* A key of the top-level mapping. */
static int top_key(struct scan *s, struct walk *w, const yaml_event_t *ev)
{
	size_t at;
	int r;

	if (ev->type != YAML_SCALAR_EVENT)
		return set_why(
			s->why, s->why_len,
			"frontmatter line %u: a top-level key is not a string",
			mark_line(ev->start_mark));
	if (ev->data.scalar.length == 2 &&
	    memcmp(ev->data.scalar.value, "<<", 2) == 0)
		return set_why(
			s->why, s->why_len,
			"frontmatter line %u: YAML merge keys (<<) are not supported",
			mark_line(ev->start_mark));
	at = line_start(s->text, byte_offset(&s->cur, ev->start_mark));
	if (w->cutting) {
		r = close_cut(s, w, at);
		if (r)
			return r;
	}
	if (!removed_key(s->kind, ev))
		return kept_key(s, ev);
	if (s->verify)
		return set_why(
			s->why, s->why_len,
			"frontmatter: a removed key is still there after rewriting");
	if (w->root_flow)
		return set_why(
			s->why, s->why_len,
			"frontmatter line %u: cannot remove \"%s\" from a flow-style ({...}) frontmatter",
			mark_line(ev->start_mark),
			(const char *)ev->data.scalar.value);
	w->cutting = true;
	w->cut_start = at;
	w->content_end = byte_offset(&s->cur, ev->end_mark);
	return 0;
}

/* Moves the end of a removed value past ev when ev is visible text: a
 * non-empty or quoted scalar, or a flow bracket. Block collection ends
 * (and, in some libyaml versions, empty plain scalars) carry the position
 * of what follows instead. */
static void track_content(struct scan *s, struct walk *w,
			  const yaml_event_t *ev, bool flow_bracket)
{
	size_t e;

	if (!w->cutting)
		return;
	if (ev->type == YAML_SCALAR_EVENT && ev->data.scalar.length == 0 &&
	    ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
		return;
	if (ev->type != YAML_SCALAR_EVENT && !flow_bracket)
		return;
	e = byte_offset(&s->cur, ev->end_mark);
	if (e > w->content_end)
		w->content_end = e;
}

static int on_event(struct scan *s, struct walk *w, const yaml_event_t *ev)
{
	bool starts_node = ev->type == YAML_SCALAR_EVENT ||
			   ev->type == YAML_SEQUENCE_START_EVENT ||
			   ev->type == YAML_MAPPING_START_EVENT ||
			   ev->type == YAML_ALIAS_EVENT;
	bool flow_start = false;
	int r;

	r = check_node(s, ev);
	if (r)
		return r;
	if (ev->type == YAML_DOCUMENT_START_EVENT && ++w->docs > 1)
		return set_why(
			s->why, s->why_len,
			"frontmatter line %u: more than one YAML document",
			mark_line(ev->start_mark));
	if (starts_node && w->depth == 0) {
		/* the root node */
		if (ev->type == YAML_MAPPING_START_EVENT) {
			w->root_flow = ev->data.mapping_start.style ==
				       YAML_FLOW_MAPPING_STYLE;
			s->root_flow = w->root_flow;
		} else if (!(ev->type == YAML_SCALAR_EVENT &&
			     null_scalar(ev))) {
			return set_why(
				s->why, s->why_len,
				"frontmatter line %u: frontmatter is not a mapping",
				mark_line(ev->start_mark));
		}
	} else if (starts_node && w->depth == 1) {
		if (w->root_nodes++ % 2 == 0)
			return top_key(s, w, ev);
	}
	if (ev->type == YAML_SEQUENCE_START_EVENT ||
	    ev->type == YAML_MAPPING_START_EVENT) {
		if (++w->depth > FRONTMATTER_MAX_DEPTH)
			return set_why(
				s->why, s->why_len,
				"frontmatter line %u: nested deeper than %d levels",
				mark_line(ev->start_mark),
				FRONTMATTER_MAX_DEPTH);
		flow_start = ev->type == YAML_SEQUENCE_START_EVENT
				     ? ev->data.sequence_start.style ==
					       YAML_FLOW_SEQUENCE_STYLE
				     : ev->data.mapping_start.style ==
					       YAML_FLOW_MAPPING_STYLE;
		if (flow_start)
			w->flow++;
		track_content(s, w, ev, flow_start);
	} else if (ev->type == YAML_SEQUENCE_END_EVENT ||
		   ev->type == YAML_MAPPING_END_EVENT) {
		/* inside a flow collection everything is flow */
		bool flow_end = w->flow > 0;
		if (flow_end)
			w->flow--;
		if (--w->depth == 0 && w->cutting)
			return close_cut(s, w, s->len);
		track_content(s, w, ev, flow_end);
	} else if (ev->type == YAML_SCALAR_EVENT) {
		track_content(s, w, ev, false);
	}
	return 0;
}

static int scan_text(struct scan *s)
{
	yaml_parser_t ps;
	yaml_event_t ev;
	struct walk w;
	int r = 0;

	memset(&w, 0, sizeof(w));
	s->cur = (struct cursor){ s->text, s->len, 0, 0 };
	if (!yaml_parser_initialize(&ps))
		return -ENOMEM;
	yaml_parser_set_encoding(&ps, YAML_UTF8_ENCODING);
	yaml_parser_set_input_string(&ps, s->text, s->len);
	for (;;) {
		bool end;
		if (!yaml_parser_parse(&ps, &ev)) {
			r = syntax_error(s, &ps);
			break;
		}
		end = ev.type == YAML_STREAM_END_EVENT;
		r = on_event(s, &w, &ev);
		yaml_event_delete(&ev);
		if (r || end)
			break;
	}
	yaml_parser_delete(&ps);
	if (!r && s->verify && s->nseen != s->nkept)
		r = set_why(
			s->why, s->why_len,
			"frontmatter: rewritten keys differ from the original");
	return r;
}

/* ---- public ------------------------------------------------------------- */

static int copy_out(const void *in, size_t len, char **out, size_t *out_len)
{
	char *p = malloc(len + 1);

	if (!p)
		return -ENOMEM;
	if (len)
		memcpy(p, in, len);
	p[len] = '\0';
	*out = p;
	*out_len = len;
	return 0;
}

/* The file with the cuts taken out of its frontmatter text. */
static int splice(const unsigned char *in, size_t len, size_t fm_start,
		  const struct scan *s, char **out, size_t *out_len)
{
	size_t n = len, pos = fm_start, o = 0;
	char *p;

	for (size_t i = 0; i < s->ncuts; i++)
		n -= s->cuts[i].end - s->cuts[i].start;
	p = malloc(n + 1);
	if (!p)
		return -ENOMEM;
	memcpy(p, in, fm_start);
	o = fm_start;
	for (size_t i = 0; i < s->ncuts; i++) {
		size_t a = fm_start + s->cuts[i].start;
		memcpy(p + o, in + pos, a - pos);
		o += a - pos;
		pos = fm_start + s->cuts[i].end;
	}
	memcpy(p + o, in + pos, len - pos);
	o += len - pos;
	p[o] = '\0';
	*out = p;
	*out_len = o;
	return 0;
}

static void scan_free(struct scan *s)
{
	for (size_t i = 0; i < s->nkept; i++)
		free(s->kept[i]);
	free(s->kept);
	free(s->cuts);
}

int frontmatter_defuse(enum transform kind, const void *in, size_t len,
		       char **out, size_t *out_len, char *why, size_t why_len)
{
	const unsigned char *b = in;
	size_t fm_start, fm_end, removed = 0;
	struct scan s;
	int r;

	*out = NULL;
	*out_len = 0;
	if (kind != TRANSFORM_SKILL_FM && kind != TRANSFORM_AGENT_FM)
		return set_why(why, why_len, "not a frontmatter transform");
	if (len == 0 || !locate(b, len, &fm_start, &fm_end))
		return copy_out(in, len, out, out_len);
	if (fm_end - fm_start > FRONTMATTER_MAX_BYTES)
		return set_why(why, why_len, "frontmatter larger than %u bytes",
			       FRONTMATTER_MAX_BYTES);
	r = check_text(b + fm_start, fm_end - fm_start, why, why_len);
	if (r)
		return r;
	memset(&s, 0, sizeof(s));
	s.text = b + fm_start;
	s.len = fm_end - fm_start;
	s.kind = kind;
	s.why = why;
	s.why_len = why_len;
	r = scan_text(&s);
	if (!r && s.root_flow)
		r = check_flow(s.text, s.len, kind, why, why_len);
	if (!r)
		r = check_lines(s.text, s.len, kind, s.cuts, s.ncuts, why,
				why_len);
	if (r || s.ncuts == 0) {
		if (!r)
			r = copy_out(in, len, out, out_len);
		scan_free(&s);
		return r;
	}
	r = splice(b, len, fm_start, &s, out, out_len);
	if (r) {
		scan_free(&s);
		return r;
	}
	/* Read the result again: it must parse, keep the same keys in the
	 * same order and have none of the removed ones. */
	for (size_t i = 0; i < s.ncuts; i++)
		removed += s.cuts[i].end - s.cuts[i].start;
	s.text = (const unsigned char *)*out + fm_start;
	s.len = fm_end - fm_start - removed;
	s.verify = true;
	s.ncuts = 0;
	r = scan_text(&s);
	scan_free(&s);
	if (r) {
		free(*out);
		*out = NULL;
		*out_len = 0;
	}
	return r;
}
