// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * policy file + site file + interface addresses -> model, the same way
 * for edgefwd and edgefwctl. Finding a policy by name is paths.c's job;
 * reporting the diagnostics is the program's.
 */
#include <errno.h>
#include <string.h>
#include <sys/utsname.h>

#include "addr.h"
#include "host.h"
#include "load.h"
#include "nl.h"

/* Does this kernel keep an owned table when its owner exits? */
static bool kernel_persists(void)
{
	struct utsname u;

	return uname(&u) == 0 && ef_kernel_can_persist(u.release);
}

/* Warnings of what the site names that this machine lacks. A machine
 * that cannot be read is said once, and the load goes on. */
static int check_host(const struct ef_loaded *l, const char *site_path,
		      struct ef_diags *d)
{
	struct ef_host host;
	int err = ef_host_read(&host);

	if (err == -ENOMEM)
		return err;
	if (err < 0) {
		ef_warn_file(d, site_path,
			     "cannot read this machine's interfaces (%s): not compared with the site",
			     strerror(-err));
		return 0;
	}
	ef_host_check(l->policy, l->site, &host, d);
	ef_host_free(&host);
	return 0;
}

int ef_load(const struct ef_load_opts *opts, struct ef_diags *d,
	    struct ef_loaded *ret)
{
	struct ef_compile_opts copts = {
		.iface_addrs = ef_iface_addrs,
		.transient = opts->transient,
	};
	struct ef_loaded l = { 0 };
	int err = 0;

	memset(ret, 0, sizeof(*ret));
	l.policy = ef_policy_parse(opts->policy, d);
	if (opts->site)
		l.site = ef_site_parse(opts->site, d);
	if (!l.policy || (opts->site && !l.site))
		err = -ENOMEM;
	else if (d->errors)
		err = -EINVAL;
	else if (l.site) {
		copts.no_persist = !copts.transient && !kernel_persists();
		err = ef_compile(l.policy, l.site, &copts, d, &l.model);
	}
	if (!err && l.model && opts->check_host)
		err = check_host(&l, opts->site, d);
	if (err) {
		ef_loaded_free(&l);
		return err;
	}
	*ret = l;
	return 0;
}

void ef_loaded_free(struct ef_loaded *l)
{
	ef_model_free(l->model);
	ef_policy_free(l->policy);
	ef_site_free(l->site);
	memset(l, 0, sizeof(*l));
}
