# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-2.0-or-later
#
# What the edgefw modules share: running edgefwctl on the managed host,
# asking edgefwd through it (--json), and reading its answers and errors.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import time

# A policy name as edgefwd takes it (lib/state.c).
POLICY_NAME = re.compile(r'^[a-z][a-z0-9_-]{0,30}$')

# edgefwctl's exit statuses (edgefwctl(8)).
EXIT_OK = 0
EXIT_RUNTIME = 1
EXIT_INPUT = 2
EXIT_DIFFERS = 3

# What edgefwctl says when a request went out and no answer came back: the
# daemon may have carried it out all the same.
NO_ANSWER = ('did not answer within', 'no answer from edgefwd')
# What it says when the daemon cannot be reached at all.
NOT_RUNNING = ('edgefwd is not running',)

# The options every module that talks to edgefwd takes
# (doc fragment edgefw.edgefw.edgefwctl).
DAEMON_ARGS = dict(
    edgefwctl=dict(type='str', default='edgefwctl'),
    socket=dict(type='path', default='/run/edgefw/control'),
    timeout=dict(type='int', default=60),
)

CTL_ARGS = dict(
    edgefwctl=dict(type='str', default='edgefwctl'),
)


class CtlResult(object):
    """One run of edgefwctl."""

    def __init__(self, argv, rc, out, err):
        self.argv = argv
        self.rc = rc
        self.out = out
        self.err = err
        self.reply = None
        if rc == EXIT_OK and '--json' in argv:
            try:
                self.reply = json.loads(out)
            except ValueError:
                self.reply = None

    @property
    def ok(self):
        return self.rc == EXIT_OK

    @property
    def error(self):
        """edgefwctl's own words (stderr), else what went wrong."""
        text = (self.err or '').strip()
        if text:
            return text
        return 'edgefwctl exited %d' % self.rc

    @property
    def daemon_error(self):
        """The daemon's error text without edgefwctl's prefixes."""
        lines = [ln for ln in (self.err or '').splitlines() if ln.strip()]
        for ln in lines:
            if ln.startswith('edgefwctl: edgefwd: '):
                return ln[len('edgefwctl: edgefwd: '):]
        return self.error

    @property
    def no_answer(self):
        """The request may have reached edgefwd, and no answer came."""
        return self.rc == EXIT_RUNTIME and any(s in self.err for s in NO_ANSWER)

    @property
    def not_running(self):
        return self.rc == EXIT_RUNTIME and any(s in self.err for s in NOT_RUNNING)

    def as_dict(self):
        return dict(cmd=self.argv, rc=self.rc, stdout=self.out, stderr=self.err)


class Edgefwctl(object):
    """edgefwctl on the managed host."""

    def __init__(self, module, daemon=True, missing_ok=False):
        self.module = module
        p = module.params
        self.path = self._find(p['edgefwctl'], missing_ok)
        self.socket = p.get('socket') if daemon else None
        self.timeout = p.get('timeout') if daemon else None
        if daemon and not 1 <= self.timeout <= 3600:
            module.fail_json(msg='timeout must be 1 to 3600 seconds (edgefwctl --timeout), not %d'
                             % self.timeout)

    def _find(self, ctl, missing_ok):
        """The edgefwctl to run; None if there is none and missing_ok."""
        if '/' in ctl:
            path = ctl if os.access(ctl, os.X_OK) else None
        else:
            # edgefwctl is in sbin: not always in a remote user's PATH.
            path = self.module.get_bin_path(ctl, opt_dirs=['/usr/local/sbin', '/usr/sbin',
                                                           '/sbin'])
        if not path and not missing_ok:
            self.module.fail_json(msg='edgefwctl %s: not found or not executable '
                                      '(is the edgefw package installed?)' % ctl)
        return path

    def run(self, args):
        """edgefwctl ARGS, from / (a policy NAME is never taken for a
        file of that name in the module's working directory)."""
        argv = [self.path] + list(args)
        rc, out, err = self.module.run_command(argv, cwd='/')
        return CtlResult(argv, rc, out, err)

    def ask(self, *words):
        """A request to edgefwd: only the options a daemon command takes."""
        return self.run(list(words) + ['--socket', self.socket,
                                       '--timeout', str(self.timeout), '--json'])

    def status(self):
        """edgefwd's status reply; fails the module if there is none."""
        r = self.ask('status')
        if not r.ok or not isinstance(r.reply, dict):
            self.module.fail_json(msg='cannot read the status of edgefwd at %s: %s'
                                  % (self.socket, r.error), **r.as_dict())
        return r.reply

    def policy_file(self, name, status):
        """The file edgefwd takes policy NAME from: the first NAME.policy
        in its policy directories (it looks with lstat). None if none."""
        for d in status.get('policy_dirs') or []:
            path = os.path.join(d, name + '.policy')
            if os.path.lexists(path):
                return path
        return None


def valid_name(module, name, what='name'):
    if not POLICY_NAME.match(name or ''):
        module.fail_json(msg="%s '%s' is not a policy name ([a-z][a-z0-9_-]*, at most 31 bytes)"
                         % (what, name))


def when(epoch):
    """A confirm deadline for people: the host's local time."""
    try:
        return time.strftime('%Y-%m-%d %H:%M:%S %Z', time.localtime(int(epoch)))
    except (TypeError, ValueError, OverflowError):
        return 'epoch %s' % epoch


def warnings_of(text):
    """The lines of edgefwctl's diagnostics that are warnings."""
    return [ln for ln in (text or '').splitlines() if ': warning: ' in ln]


def errors_of(text):
    """file:line:col lines of edgefwctl's diagnostics that are errors
    (without the source line and caret that follow each)."""
    out = []
    for ln in (text or '').splitlines():
        if re.match(r'^\S.*:\d+:\d+: ', ln) and ': warning: ' not in ln:
            out.append(ln)
        elif ln.startswith('edgefwctl: '):
            out.append(ln)
    return out
