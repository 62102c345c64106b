# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-2.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # Modules that ask edgefwd through edgefwctl.
    DOCUMENTATION = r'''
options:
  edgefwctl:
    description:
      - The C(edgefwctl) to run on the managed host.
      - A name is looked up in C(PATH), then in C(/usr/local/sbin),
        C(/usr/sbin) and C(/sbin); a path is taken as it is. A wrapper
        script works too, as long as it passes its arguments on.
    type: str
    default: edgefwctl
  socket:
    description:
      - edgefwd's control socket (C(edgefwctl --socket)).
      - The read-only socket C(/run/edgefw/read) serves only requests that
        change nothing.
    type: path
    default: /run/edgefw/control
  timeout:
    description:
      - Seconds edgefwd has to answer each request (C(edgefwctl --timeout),
        1 to 3600).
      - A request that gets no answer in time may still have been carried
        out; the module says so when that matters (a switch).
    type: int
    default: 60
requirements:
  - edgefwctl and a running edgefwd on the managed host; the user the
    module runs as must be allowed on the socket (root, or a member of
    group C(edgefw)).
'''

    # Modules that run edgefwctl alone (no daemon).
    LOCAL = r'''
options:
  edgefwctl:
    description:
      - The C(edgefwctl) to run on the managed host.
      - A name is looked up in C(PATH), then in C(/usr/local/sbin),
        C(/usr/sbin) and C(/sbin); a path is taken as it is.
    type: str
    default: edgefwctl
requirements:
  - edgefwctl on the managed host.
'''
