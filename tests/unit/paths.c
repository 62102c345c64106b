// SPDX-License-Identifier: GPL-2.0-or-later
/* Finding a policy by name, as edgefwd and edgefwctl both do. */
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "paths.h"

Test(paths, first_directory_with_the_name_wins)
{
	struct ef_policy_dirs dirs = { .n = 0 };
	char buf[PATH_MAX], *mine, *shipped, *want = NULL;
	const char *bad;
	struct tdir t;

	tdir_init(&t);
	mine = tdir_mkdir(&t, "mine", 0755);
	shipped = tdir_mkdir(&t, "shipped", 0755);
	free(tdir_write(&t, "shipped/a.policy", "", 0644));
	free(tdir_write(&t, "shipped/b.policy", "", 0644));
	free(tdir_write(&t, "mine/b.policy", "", 0644));
	cr_assert_eq(ef_policy_dirs_add(&dirs, mine), 0);
	cr_assert_eq(ef_policy_dirs_add(&dirs, shipped), 0);
	ef_policy_dirs_default(&dirs);	/* given: the defaults stay out */
	cr_assert_eq(dirs.n, 2);

	cr_assert_eq(ef_policy_find(&dirs, "a", buf, &bad), 0);
	cr_assert_neq(asprintf(&want, "%s/a.policy", shipped), -1);
	cr_assert_str_eq(buf, want);
	free(want);
	cr_assert_eq(ef_policy_find(&dirs, "b", buf, &bad), 0);
	cr_assert_neq(asprintf(&want, "%s/b.policy", mine), -1);
	cr_assert_str_eq(buf, want);
	free(want);
	cr_assert_eq(ef_policy_find(&dirs, "c", buf, &bad), -ENOENT);
	cr_assert_null(bad);

	/* A dangling link is the first directory's file, broken. */
	want = tdir_symlink(&t, "mine/a.policy", "gone.policy");
	cr_assert_eq(ef_policy_find(&dirs, "a", buf, &bad), 0);
	cr_assert_str_eq(buf, want);
	free(want);

	/* A name too long for a path: an error, not the next directory. */
	{
		char name[PATH_MAX];

		memset(name, 'x', sizeof(name) - 1);
		name[sizeof(name) - 1] = '\0';
		cr_assert_eq(ef_policy_find(&dirs, name, buf, &bad), -ENAMETOOLONG);
		cr_assert_str_eq(bad, mine);
	}
	free(mine);
	free(shipped);
	tdir_fini(&t);
}

Test(paths, directories_default_and_limit)
{
	struct ef_policy_dirs dirs = { .n = 0 };

	ef_policy_dirs_default(&dirs);
	cr_assert_eq(dirs.n, 2);
	cr_assert_str_eq(dirs.v[0], EF_POLICY_DIR_LOCAL);
	cr_assert_str_eq(dirs.v[1], EF_POLICY_DIR_SHIPPED);
	for (size_t i = 2; i < EF_POLICY_DIRS_MAX; i++)
		cr_assert_eq(ef_policy_dirs_add(&dirs, "/x"), 0);
	cr_assert_eq(ef_policy_dirs_add(&dirs, "/x"), -E2BIG);
	cr_assert_eq(dirs.n, EF_POLICY_DIRS_MAX);
}
