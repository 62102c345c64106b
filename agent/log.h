/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's one logging entry point: stderr with <N> priority prefixes
 * when run under systemd or in the foreground, syslog otherwise. lib/ never
 * logs; the agent logs once, where it handles an error. errno is kept.
 */
#ifndef EDGEFW_LOG_H
#define EDGEFW_LOG_H

#include <stdbool.h>
#include <syslog.h>

void log_init(bool to_stderr);
void log_msg(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
