// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Where an installed edgefw keeps its files, and finding a policy by
 * name in the policy directories, the same way for every program.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "paths.h"
#include "state.h"
#include "util.h"

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

/* Adds the policy names DIR holds; a missing directory is only empty. */
static int list_dir(const char *path, struct ef_policy_names *names)
{
	DIR *dir = opendir(path);
	struct dirent *e;
	int err = 0;

	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while (!err && (e = readdir(dir))) {
		size_t len = strlen(e->d_name);
		char *name;

		if (len <= 7 || strcmp(e->d_name + len - 7, ".policy"))
			continue;
		name = strndup(e->d_name, len - 7);
		if (!name || ef_grow((void **)&names->v, &names->cap,
				     names->n + 1, sizeof(*names->v))) {
			free(name);
			err = -ENOMEM;
		} else if (ef_state_name_valid(name)) {
			names->v[names->n++] = name;
		} else {
			free(name);
		}
	}
	closedir(dir);
	return err;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int ef_policy_list(const struct ef_policy_dirs *dirs,
		   struct ef_policy_names *ret, const char **bad_dir)
{
	struct ef_policy_names names = { 0 };
	size_t uniq = 0;
	int err = 0;

	*bad_dir = NULL;
	for (size_t i = 0; i < dirs->n && !err; i++) {
		err = list_dir(dirs->v[i], &names);
		if (err)
			*bad_dir = dirs->v[i];
	}
	if (err) {
		ef_policy_names_free(&names);
		return err;
	}
	/* A name in two directories is one policy. */
	if (names.n)
		qsort(names.v, names.n, sizeof(*names.v), cmp_str);
	for (size_t i = 0; i < names.n; i++) {
		if (uniq && !strcmp(names.v[i], names.v[uniq - 1]))
			free(names.v[i]);
		else
			names.v[uniq++] = names.v[i];
	}
	names.n = uniq;
	*ret = names;
	return 0;
}

void ef_policy_names_free(struct ef_policy_names *names)
{
	for (size_t i = 0; i < names->n; i++)
		free(names->v[i]);
	free(names->v);
	memset(names, 0, sizeof(*names));
}
