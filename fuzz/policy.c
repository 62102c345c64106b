// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ef_policy_parse: the input is a policy file "a" and the files it may
 * include, "b" to "j", separated by NUL bytes (fuzz.h): ten files, enough
 * for includes nested past EF_INCLUDE_DEPTH_MAX. The diagnostics are
 * formatted too, since they quote the source lines.
 */
#include <stdlib.h>

#include "fuzz.h"
#include "policy.h"

static const char *const names[] = {
	"a", "b", "c", "d", "e", "f", "g", "h", "i", "j",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ef_diags d = { 0 };
	struct ef_policy *pol;

	if (fuzz_names_outside(data, size))
		return -1;
	fuzz_write_files(data, size, names, sizeof(names) / sizeof(names[0]));
	pol = ef_policy_parse(fuzz_path("a"), &d);
	ef_policy_free(pol);
	fuzz_diags_done(&d);
	return 0;
}
