// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ef_exceptions_load: the input is edgefwd's record of timed exceptions,
 * DIR/exceptions. A record that loads holds only what edgefwd could have
 * written (a note as the protocol takes it, ids below the next one, each
 * once, no more than EF_EXC_MAX); saved and loaded again it comes back
 * the same; and each exception makes its elements.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "exception.h"
#include "fuzz.h"

static void check_one(const struct ef_exceptions *xs, size_t i)
{
	const struct ef_exception *x = &xs->v[i];

	if (!x->id || x->id >= xs->next_id || x->nto > EF_EXC_TO_MAX ||
	    (x->proto != IPPROTO_TCP && x->proto != IPPROTO_UDP) ||
	    !x->port_lo || x->port_lo > x->port_hi ||
	    x->expires_ms <= x->added_ms ||
	    !ef_note_valid(x->note, strlen(x->note)) || ef_exception_empty(x))
		abort();
	for (size_t k = 0; k < i; k++)
		if (xs->v[k].id == x->id)
			abort();
}

/* Every exception's elements, into sets shaped as the model's. */
static void check_elems(const struct ef_exceptions *xs)
{
	static const enum ef_type t4[] = { EF_T_IPV4, EF_T_IPV4, EF_T_PROTO,
					   EF_T_PORT };
	static const enum ef_type t6[] = { EF_T_IPV6, EF_T_IPV6, EF_T_PROTO,
					   EF_T_PORT };
	struct ef_model *m = ef_model_new();

	if (!m || !ef_model_add_set(m, EF_SET_EX4, t4, 4, true) ||
	    !ef_model_add_set(m, EF_SET_EX6, t6, 4, true))
		abort();
	for (size_t i = 0; i < xs->n; i++)
		if (ef_exception_elems(&xs->v[i], xs->v[i].added_ms,
				       &m->sets[0], &m->sets[1]))
			abort();
	ef_model_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { EF_EXC_FILE };
	struct ef_exceptions xs = { 0 }, again = { 0 };
	unsigned int line = 0;

	fuzz_write_files(data, size, names, 1);
	if (ef_exceptions_load(fuzz_dir(), &xs, &line)) {
		if (xs.n)
			abort();	/* a corrupt record gives nothing */
		return 0;
	}
	if (xs.n > EF_EXC_MAX || !xs.next_id)
		abort();
	for (size_t i = 0; i < xs.n; i++)
		check_one(&xs, i);
	check_elems(&xs);
	if (ef_exceptions_save(fuzz_dir(), &xs) ||
	    ef_exceptions_load(fuzz_dir(), &again, NULL) ||
	    again.n != xs.n || again.next_id != xs.next_id ||
	    (xs.n && memcmp(again.v, xs.v, xs.n * sizeof(*xs.v))))
		abort();
	ef_exceptions_free(&again);
	ef_exceptions_free(&xs);
	return 0;
}
