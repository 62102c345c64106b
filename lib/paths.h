/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Where an installed edgefw keeps its files (the Makefile passes the
 * directories it installs to, so the defaults match the install), and how
 * a policy is found by name: the same way in edgefwd and edgefwctl. */
#ifndef EDGEFW_PATHS_H
#define EDGEFW_PATHS_H

#include <limits.h>
#include <stddef.h>

#ifndef EF_SYSCONFDIR
#define EF_SYSCONFDIR "/etc"
#endif
#ifndef EF_DATADIR
#define EF_DATADIR "/usr/share/edgefw"
#endif

#define EF_SITE_FILE EF_SYSCONFDIR "/edgefw/site.conf"
/* Policies by name: the operator's own, then the shipped ones. */
#define EF_POLICY_DIR_LOCAL EF_SYSCONFDIR "/edgefw/policies"
#define EF_POLICY_DIR_SHIPPED EF_DATADIR "/policies"

#define EF_POLICY_DIRS_MAX 8

/* The directories a policy name is looked up in, in order. */
struct ef_policy_dirs {
	const char *v[EF_POLICY_DIRS_MAX];
	size_t n;
};

/* Appends dir (kept, not copied); -E2BIG past EF_POLICY_DIRS_MAX. */
int ef_policy_dirs_add(struct ef_policy_dirs *dirs, const char *dir);
/* None given: the local, then the shipped directory. */
void ef_policy_dirs_default(struct ef_policy_dirs *dirs);

/*
 * NAME's file in the first directory that has one, into buf (PATH_MAX).
 * Only a name that is not there lets a later directory answer (lstat: a
 * dangling link is that directory's file, broken): a directory that cannot
 * be looked into must not quietly turn the operator's policy into the
 * shipped one. 0; -ENOENT if no directory has it (*bad_dir NULL); else
 * -errno (-ENAMETOOLONG) with *bad_dir the directory.
 */
int ef_policy_find(const struct ef_policy_dirs *dirs, const char *name,
		   char buf[PATH_MAX], const char **bad_dir);

/* The policy names the directories hold, sorted, each once. */
struct ef_policy_names {
	char **v;
	size_t n, cap;
};

/*
 * Every NAME.policy of every directory (a missing directory holds none;
 * names that are not policy names are left out). 0; else -errno with
 * *bad_dir the directory that could not be read, and nothing in *ret.
 */
int ef_policy_list(const struct ef_policy_dirs *dirs,
		   struct ef_policy_names *ret, const char **bad_dir);
void ef_policy_names_free(struct ef_policy_names *names);

#endif
