// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ef_site_parse: the input is a site file "a" and group files it may name
 * (`peers = file "b"`), "b" to "e", separated by NUL bytes (fuzz.h). The
 * diagnostics are formatted too, since they quote the source lines.
 */
#include <stdlib.h>

#include "fuzz.h"
#include "site.h"

static const char *const names[] = { "a", "b", "c", "d", "e" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ef_diags d = { 0 };
	struct ef_site *site;

	if (fuzz_names_outside(data, size))
		return -1;
	fuzz_write_files(data, size, names, sizeof(names) / sizeof(names[0]));
	site = ef_site_parse(fuzz_path("a"), &d);
	ef_site_free(site);
	fuzz_diags_done(&d);
	return 0;
}
