// SPDX-License-Identifier: GPL-2.0-or-later
/* The record a daemon leaves at exit, and the model's fingerprint. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "synced.h"

Test(synced, save_and_load)
{
	char dir[] = "/tmp/edgefw-synced.XXXXXX", path[64];
	struct ef_synced s = { .netns = 4097, .genid = 1234, .flags = 4,
			       .fingerprint = 0x9f1c2a0b3d4e5f60ull }, back;
	FILE *f;

	strcpy(s.boot, "0c5a1e2f-0000-4000-8000-000000000001");
	cr_assert_not_null(mkdtemp(dir));
	cr_assert_eq(ef_synced_load(dir, &back), -ENOENT);
	cr_assert_eq(ef_synced_save(dir, &s), 0);
	cr_assert_eq(ef_synced_load(dir, &back), 0);
	cr_assert_str_eq(back.boot, s.boot);
	cr_assert(back.netns == s.netns && back.genid == s.genid &&
		  back.flags == s.flags && back.fingerprint == s.fingerprint);
	snprintf(path, sizeof(path), "%s/synced", dir);
	f = fopen(path, "w");
	fputs("edgefw-synced 1\nboot x\n", f);
	fclose(f);
	cr_assert_eq(ef_synced_load(dir, &back), -EINVAL);
	unlink(path);
	rmdir(dir);
}

Test(synced, fingerprint_follows_the_model)
{
	struct ef_model *m = ef_model_new();
	enum ef_type t = EF_T_IPV4;
	uint8_t key[EF_KEY_MAX] = { 10, 0, 0, 1 };
	uint64_t a, b, c;
	struct ef_set *set;

	set = ef_model_add_set(m, "g4", &t, 1, false);
	set->hashed = true;
	cr_assert_eq(ef_set_add_elem(set, key, key, NULL), 0);
	cr_assert_eq(ef_model_fingerprint(m, &a), 0);
	cr_assert_eq(ef_model_fingerprint(m, &b), 0);
	cr_assert(a == b, "the same model, another fingerprint");
	key[3] = 3;
	cr_assert_eq(ef_set_add_elem(&m->sets[0], key, key, NULL), 0);
	cr_assert_eq(ef_model_fingerprint(m, &c), 0);
	cr_assert(a != c, "an element more, the same fingerprint");
	ef_model_free(m);
}
