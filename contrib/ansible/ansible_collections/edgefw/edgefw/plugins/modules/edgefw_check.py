#!/usr/bin/python
# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-2.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: edgefw_check
short_description: Check an edgefw policy against the host's site
description:
  - Runs C(edgefwctl check POLICY --site SITE) on the managed host. The
    policy is parsed and compiled with this host's site file, offline.
    Nothing is applied, nothing changes.
  - >-
    A policy or site with errors fails the task with every error as
    C(file:line:col: message), as edgefwctl reports them.
  - To check a file before it replaces the one in place, use edgefwctl
    itself as the C(validate) of M(ansible.builtin.template) or
    M(ansible.builtin.copy) (see the examples). The file is then checked
    under a temporary name in Ansible's temporary directory, so C(file)
    bindings of a site and C(include) lines of a policy should use
    absolute paths, since relative ones are read relative to the file.
version_added: 0.1.0
author:
  - edgefw maintainers
options:
  policy:
    description:
      - A policy file, or the name of a policy, looked up as edgefwd does
        (C(NAME.policy) in the first of C(policy_dirs) that has it; by
        default C(/etc/edgefw/policies), then C(/usr/share/edgefw/policies)).
    type: str
    required: true
    aliases: [name]
  site:
    description:
      - The site file to compile the policy with. The empty string checks
        the policy alone (it parses; roles are not bound).
    type: path
    default: /etc/edgefw/site.conf
  policy_dirs:
    description:
      - Where a policy given by name is looked up, in order
        (C(edgefwctl --policy-dir)); at most 8. By default, edgefwctl's own,
        those of an edgefwd started without C(--policy-dir).
      - M(edgefw.edgefw.edgefw_info) returns the directories the running
        edgefwd uses (C(status.policy_dirs)).
    type: list
    elements: path
    default: []
extends_documentation_fragment:
  - edgefw.edgefw.edgefwctl.local
attributes:
  check_mode:
    support: full
    description: The check changes nothing and also runs in check mode.
  diff_mode:
    support: none
    description: Nothing changes, so there is nothing to show.
  platform:
    support: full
    platforms: posix
    description: Linux hosts with edgefw installed.
notes:
  - The check runs with the rights of the module's user, edgefwd with those
    of user edgefw; a file edgefwd cannot read passes here. edgefwd's own
    dry run (M(edgefw.edgefw.edgefw_policy) in check mode) is the check
    from the daemon's side.
seealso:
  - module: edgefw.edgefw.edgefw_policy
  - module: edgefw.edgefw.edgefw_info
'''

EXAMPLES = r'''
- name: Does edge-2026-11 compile with this host's site?
  edgefw.edgefw.edgefw_check:
    policy: edge-2026-11

- name: A policy file against another site file
  edgefw.edgefw.edgefw_check:
    policy: /srv/edgefw/edge-2026-11.policy
    site: /srv/edgefw/site-lab.conf

- name: A templated site, checked before it replaces the old one
  ansible.builtin.template:
    src: site.conf.j2
    dest: /etc/edgefw/site.conf
    owner: root
    group: root
    mode: "0644"
    validate: edgefwctl check edge-single-public --site %s

- name: A policy file, checked (parsed) before it is put in place
  ansible.builtin.copy:
    src: edge-2026-11.policy
    dest: /etc/edgefw/policies/edge-2026-11.policy
    owner: root
    group: root
    mode: "0644"
    validate: edgefwctl check %s
'''

RETURN = r'''
policy:
  description: The policy edgefwctl checked, as its C(ok) line names it.
  returned: success
  type: str
  sample: edge-2026-11
rows:
  description: The policy's rows.
  returned: success
  type: int
  sample: 37
elements:
  description: The set elements the policy compiles to with the site.
  returned: success, with a site
  type: int
  sample: 64
check_warnings:
  description: >-
    edgefwctl's warnings (C(file:line:col: warning: ...)), e.g.
    a binding of the site the policy does not use.
  returned: always
  type: list
  elements: str
errors:
  description: "Every error, as C(file:line:col: message)."
  returned: failure
  type: list
  elements: str
stdout:
  description: edgefwctl's output.
  returned: always
  type: str
stderr:
  description: edgefwctl's diagnostics, with source lines and carets.
  returned: always
  type: str
'''

import re

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.edgefw.edgefw.plugins.module_utils.edgefwctl import (
    CTL_ARGS, Edgefwctl, errors_of, warnings_of)

OK_LINE = re.compile(r': ok: policy (\S+), (\d+) rows(?:, (\d+) set elements)?$')


def main():
    argument_spec = dict(
        policy=dict(type='str', required=True, aliases=['name']),
        site=dict(type='path', default='/etc/edgefw/site.conf'),
        policy_dirs=dict(type='list', elements='path', default=[]),
    )
    argument_spec.update(CTL_ARGS)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    p = module.params
    if len(p['policy_dirs']) > 8:
        module.fail_json(msg='at most 8 policy_dirs (edgefwctl --policy-dir)')

    ctl = Edgefwctl(module, daemon=False)
    args = ['check', p['policy']]
    if p['site']:
        args += ['--site', p['site']]
    for d in p['policy_dirs']:
        args += ['--policy-dir', d]
    r = ctl.run(args)
    result = dict(changed=False, stdout=r.out, stderr=r.err, check_warnings=warnings_of(r.err))
    if not r.ok:
        result['errors'] = errors_of(r.err)
        head = result['errors'] or [r.error]
        module.fail_json(msg='edgefwctl check %s%s: %s' % (
            p['policy'], ' --site %s' % p['site'] if p['site'] else '', '; '.join(head)),
            rc=r.rc, **result)
    # The summary is the first line; the policy's features follow it.
    first = r.out.strip().split('\n')[0]
    m = OK_LINE.search(first)
    if m:
        result['policy'] = m.group(1)
        result['rows'] = int(m.group(2))
        if m.group(3) is not None:
            result['elements'] = int(m.group(3))
    module.exit_json(msg=r.out.strip(), **result)


if __name__ == '__main__':
    main()
