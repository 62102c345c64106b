// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ef_state_load: the input is the state file DIR/state. A state that
 * loads is saved and loaded again, and must come back the same.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { EF_STATE_FILE };
	struct ef_state st, again;

	fuzz_write_files(data, size, names, 1);
	if (ef_state_load(fuzz_dir(), &st))
		return 0;
	if (!ef_state_name_valid(st.policy) ||
	    (st.previous[0] && !ef_state_name_valid(st.previous)))
		abort();
	if (ef_state_save(fuzz_dir(), &st) || ef_state_load(fuzz_dir(), &again) ||
	    strcmp(st.policy, again.policy) || strcmp(st.previous, again.previous))
		abort();
	return 0;
}
