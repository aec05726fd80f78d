/* mount_reason.c — see mount_reason.h. */
#include "mount_reason.h"

#include <string.h>

size_t mount_reason(const char *raw, size_t len, char *out, size_t outlen)
{
	size_t n = 0;
	if (outlen == 0)
		return 0;
	int line_has_text = 0, pending_sep = 0, cut = 0;
	for (size_t i = 0; i < len && !cut; i++) {
		unsigned char c = (unsigned char)raw[i];
		if (c == '\n') {
			while (n > 0 && out[n - 1] == ' ')
				n--;
			if (line_has_text)
				pending_sep = 1;
			line_has_text = 0;
			continue;
		}
		if (c == '\t')
			c = ' ';
		if (c < 0x20 || c == 0x7f)
			continue;
		if (c == ' ' && !line_has_text)
			continue; /* leading blanks */
		const char *add = pending_sep ? "; " : "";
		size_t need = strlen(add) + 1;
		if (n + need > outlen - 1) {
			cut = 1;
			break;
		}
		memcpy(out + n, add, strlen(add));
		n += strlen(add);
		out[n++] = (char)c;
		pending_sep = 0;
		line_has_text = 1;
	}
	/* trailing blanks of the last line */
	while (n > 0 && out[n - 1] == ' ')
		n--;
	if (cut && outlen > 4) {
		if (n > outlen - 4)
			n = outlen - 4;
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
	return n;
}
