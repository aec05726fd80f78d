/* common.h — what every fuzz target shares (tests/fuzz/common.c).
 *
 * build.sh compiles common.c once and links it into each fuzz_*.c; it is
 * not a target itself (its name does not start with fuzz_).
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stdio.h>

struct json_object;

/* A failed property: say which, then crash (libFuzzer saves the input). */
#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c)) {                                                    \
			fprintf(stderr, "%s:%d: property failed: %s\n",        \
				__FILE__, __LINE__, #c);                       \
			__builtin_trap();                                      \
		}                                                              \
	} while (0)

/* The targets' own reading of a JSON document, independent of the parser
 * under test: json-c's strict tokener, one value and then only blanks
 * (" \t\r\n"). The value (the caller puts it), or NULL if text is not
 * such a document. */
struct json_object *fuzz_json_parse(const char *text);

#endif
