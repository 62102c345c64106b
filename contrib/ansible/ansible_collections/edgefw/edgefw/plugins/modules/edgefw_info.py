#!/usr/bin/python
# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-2.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: edgefw_info
short_description: What edgefwd runs, and the policies it can switch to
description:
  - Asks edgefwd, through C(edgefwctl --json status) and C(list) on the
    managed host, for its active policy, site, policy directories, a
    switch waiting for its confirmation, and the policies it knows.
  - An edgefwd that is not running (nobody listens on the socket), or not
    installed (no edgefwctl), is not a failure; C(running) is then false.
    Any other error is.
version_added: 0.1.0
author:
  - edgefw maintainers
options:
  list_policies:
    description:
      - Also ask for the policies edgefwd can switch to (C(list)).
    type: bool
    default: false
extends_documentation_fragment:
  - edgefw.edgefw.edgefwctl
attributes:
  check_mode:
    support: full
    description: Reads only; also runs in check mode.
  diff_mode:
    support: none
    description: Nothing changes, so there is nothing to show.
  platform:
    support: full
    platforms: posix
    description: Linux hosts with edgefw installed.
seealso:
  - module: edgefw.edgefw.edgefw_policy
'''

EXAMPLES = r'''
- name: What does edgefwd run?
  edgefw.edgefw.edgefw_info:
  register: edgefw

- name: Say so
  ansible.builtin.debug:
    msg: "{{ edgefw.status.policy if edgefw.running else 'edgefwd is not running' }}"

- name: Through the read-only socket, with the policies it knows
  edgefw.edgefw.edgefw_info:
    socket: /run/edgefw/read
    list_policies: true
'''

RETURN = r'''
running:
  description: Whether edgefwd answered on the socket.
  returned: always
  type: bool
  sample: true
status:
  description:
    - edgefwd's C(status) reply (edgefwctl(8)), among others C(policy),
      C(site), C(policy_dirs), C(in_sync); while a switch waits for its
      confirmation, C(unconfirmed), C(reverts_to), C(confirm_by) and
      C(switch_id); else C(previous), where a rollback would go.
  returned: when running
  type: dict
  sample: {"ok": true, "policy": "edge-single-public", "site": "/etc/edgefw/site.conf",
           "policy_dirs": ["/etc/edgefw/policies", "/usr/share/edgefw/policies"]}
policies:
  description: The policies edgefwd can switch to.
  returned: when running and list_policies
  type: list
  elements: str
error:
  description: Why edgefwd is not running, as edgefwctl says it (or that
    there is no edgefwctl).
  returned: when not running
  type: str
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.edgefw.edgefw.plugins.module_utils.edgefwctl import (
    DAEMON_ARGS, Edgefwctl)


def main():
    argument_spec = dict(list_policies=dict(type='bool', default=False))
    argument_spec.update(DAEMON_ARGS)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    ctl = Edgefwctl(module, missing_ok=True)
    if not ctl.path:
        module.exit_json(changed=False, running=False,
                         error='edgefwctl %s: not found' % module.params['edgefwctl'])
    r = ctl.ask('status')
    if r.not_running:
        module.exit_json(changed=False, running=False, error=r.error)
    if not r.ok or not isinstance(r.reply, dict):
        module.fail_json(msg='cannot read the status of edgefwd at %s: %s'
                         % (ctl.socket, r.error), running=False, **r.as_dict())
    result = dict(changed=False, running=True, status=r.reply)
    if module.params['list_policies']:
        lst = ctl.ask('list')
        if not lst.ok or not isinstance(lst.reply, dict):
            module.fail_json(msg='edgefwd did not list its policies: %s' % lst.error,
                             **result)
        result['policies'] = lst.reply.get('policies', [])
    module.exit_json(**result)


if __name__ == '__main__':
    main()
