/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * edgefwd's status and per-row counters in the Prometheus text exposition
 * format, version 0.0.4: for each metric family a "# HELP" and a "# TYPE"
 * line, then its samples, "name{label="value",...} number". No I/O: the
 * replies come in as the control protocol's JSON objects (edgefwctl(8)),
 * the text goes out into a strbuf.
 *
 *	edgefw_up					gauge, 1 or 0
 *	edgefw_build_info{version,kernel}		gauge, 1 (if status says)
 *	edgefw_info{policy,site,last_result[,reverts_to]}	gauge, 1
 *	edgefw_reconciles_total				counter
 *	edgefw_drift_corrections_total			counter
 *	edgefw_last_reconcile_timestamp_seconds		gauge
 *	edgefw_last_reconcile_success			gauge, 1 or 0
 *	edgefw_ruleset_generation			gauge
 *	edgefw_in_sync					gauge, 1 or 0
 *	edgefw_set_elements				gauge
 *	edgefw_table_locked				gauge, 1 or 0
 *	edgefw_confirm_pending				gauge, 1 or 0
 *	edgefw_confirm_deadline_timestamp_seconds	gauge, while pending
 *	edgefw_row_packets_total{policy,row,note}	counter
 *	edgefw_row_bytes_total{policy,row,note}		counter
 *	edgefw_dropped_packets_total{chain,family}	counter
 *	edgefw_dropped_bytes_total{chain,family}	counter
 *
 * Label values are escaped as the format asks (\\, \" and \n).
 */
#ifndef EDGEFW_METRICS_H
#define EDGEFW_METRICS_H

#include <json-c/json.h>

#include "util.h"

/*
 * Appends the metrics of a running edgefwd: `status` and `counters` are
 * its ok replies to those two requests. A field the status reply leaves
 * out is left out here too (confirm_by is there only while a switch waits
 * for confirm). Returns 0; -EPROTO if a reply is not what the protocol
 * says (a field of the wrong type, no rows array, a row without its
 * number or counts, a drop without its chain, family or counts); -ENOMEM.
 * The drops come from the counters reply; one without them (an older
 * edgefwd) has no drop families. On failure sb may hold part of the text:
 * throw it away.
 */
int ef_metrics_format(struct ef_strbuf *sb, struct json_object *status,
		      struct json_object *counters);

/* Appends edgefw_up 0: edgefwd could not be asked. -ENOMEM or 0. */
int ef_metrics_format_down(struct ef_strbuf *sb);

#endif
