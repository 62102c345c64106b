// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Where an installed edgefw keeps its files, and finding a policy by
 * name in the policy directories, the same way for every program.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

#include "paths.h"

int ef_policy_dirs_add(struct ef_policy_dirs *dirs, const char *dir)
{
	if (dirs->n == EF_POLICY_DIRS_MAX)
		return -E2BIG;
	dirs->v[dirs->n++] = dir;
	return 0;
}

void ef_policy_dirs_default(struct ef_policy_dirs *dirs)
{
	if (dirs->n)
		return;
	dirs->v[dirs->n++] = EF_POLICY_DIR_LOCAL;
	dirs->v[dirs->n++] = EF_POLICY_DIR_SHIPPED;
}

int ef_policy_find(const struct ef_policy_dirs *dirs, const char *name,
		   char buf[PATH_MAX], const char **bad_dir)
{
	struct stat st;

	for (size_t i = 0; i < dirs->n; i++) {
		int n = snprintf(buf, PATH_MAX, "%s/%s.policy", dirs->v[i],
				 name);

		*bad_dir = dirs->v[i];
		if (n < 0 || n >= PATH_MAX)
			return -ENAMETOOLONG;
		if (lstat(buf, &st) == 0)
			return 0;
		if (errno != ENOENT)
			return -errno;
	}
	*bad_dir = NULL;
	return -ENOENT;
}
