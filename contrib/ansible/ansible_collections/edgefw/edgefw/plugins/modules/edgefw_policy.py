#!/usr/bin/python
# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-2.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: edgefw_policy
short_description: Make an edgefw policy the active one, with edgefwd's confirm deadline
description:
  - Asks edgefwd, through C(edgefwctl --json) on the managed host, to make
    policy C(name) the active one, and to confirm or roll back such a
    switch by its id.
  - "C(state=present): edgefwd first compiles the policy with its own site
    and directories (C(switch NAME --dry-run)): a policy that does not
    compile on this host is refused there, with edgefwd's
    C(file:line:col) message, and nothing changes. Then C(switch NAME),
    or with C(confirm_timeout) C(switch NAME --confirm SECONDS): edgefwd
    goes back to the previous policy by itself unless the switch is
    confirmed in time, and records the new policy only once confirmed (a
    restart in between goes back too). The switch id it answers is
    returned for C(state=confirmed) or C(state=rolled_back)."
  - "C(state=confirmed): C(confirm ID). Only the switch with that id is
    confirmed: never another operator's switch, never one whose deadline
    already took the host back."
  - "C(state=rolled_back): C(rollback ID). Only while that switch still
    waits for its confirmation: a late rollback never undoes a switch that
    was confirmed."
  - Idempotent. With C(state=present), nothing is done (changed=false)
    when C(name) is already active and no switch waits for its
    confirmation. A switch that waits (someone else's, or one whose
    confirm never came) is refused, so a roll-out never stacks its switch
    on top of another one.
  - "Check mode changes nothing: it reads edgefwd's status and asks for
    the dry run, and reports whether the task would change the host."
  - "Diff mode shows the active policy before and after, and the delta the
    kernel would get: edgefwd's own dry run answers it, compiled with its
    site and directories against its table (the first 500 lines; C(edgefwctl
    diff) on the host shows a larger one whole), so the read-only socket
    is enough."
version_added: 0.1.0
author:
  - edgefw maintainers
options:
  name:
    description:
      - The policy to make active, as edgefwd names it (C(NAME.policy) in
        its first policy directory that has one; C(edgefwctl list)).
      - Required with C(state=present). With C(state=confirmed) or
        C(state=rolled_back), the policy the switch went to; it is only
        used to tell, when the switch no longer waits, whether the host
        is already where the task wants it.
    type: str
    aliases: [policy]
  state:
    description:
      - C(present) makes C(name) active (with C(confirm_timeout), until the
        deadline unless confirmed).
      - C(confirmed) confirms switch C(switch_id).
      - C(rolled_back) rolls switch C(switch_id) back.
    type: str
    choices: [present, confirmed, rolled_back]
    default: present
  confirm_timeout:
    description:
      - With C(state=present), switch with a deadline of this many seconds
        (1 to 86400); edgefwd goes back to the previous policy by itself
        unless C(state=confirmed) comes in time. The result has the
        switch's C(switch_id) and C(confirm_by).
      - Without it, the switch is made and recorded at once.
    type: int
  switch_id:
    description:
      - The id a switch with C(confirm_timeout) answered
        (C(switch_id)). Required with C(state=confirmed) and
        C(state=rolled_back).
    type: int
extends_documentation_fragment:
  - edgefw.edgefw.edgefwctl
attributes:
  check_mode:
    support: full
    description: Reads the status and asks edgefwd for a dry run; changes nothing.
  diff_mode:
    support: full
    description: The active policy before and after, and what the kernel would get.
  platform:
    support: full
    platforms: posix
    description: Linux hosts running edgefwd.
notes:
  - >-
    A host reached over SSH should not reuse a connection for the confirm
    (C(meta: reset_connection) before it, as the collection's
    C(rollout.yml) does): the confirm is what shows that a new connection
    still gets in under the new policy.
  - The requests and replies are those of edgefwctl(8), section CONTROL
    PROTOCOL.
  - If no answer comes to a switch (C(timeout)), edgefwd may have switched
    all the same; with C(confirm_timeout) it then goes back by itself at
    the deadline. The module fails and says so.
seealso:
  - module: edgefw.edgefw.edgefw_check
  - module: edgefw.edgefw.edgefw_info
'''

EXAMPLES = r'''
- name: Make edge-2026-11 the active policy (recorded at once)
  edgefw.edgefw.edgefw_policy:
    name: edge-2026-11

- name: What would change, and what the kernel would get (changes nothing)
  edgefw.edgefw.edgefw_policy:
    name: edge-2026-11
  check_mode: true
  diff: true

- name: Switch, with edgefwd going back by itself unless confirmed in 120 s
  edgefw.edgefw.edgefw_policy:
    name: edge-2026-11
    confirm_timeout: 120
  register: edgefw_switch

- name: Front end still reachable?
  ansible.builtin.uri:
    url: "https://{{ inventory_hostname }}/meet/"
  delegate_to: localhost

- name: Confirm that switch, over a new connection
  ansible.builtin.meta: reset_connection

- name: Confirm it (only that switch)
  edgefw.edgefw.edgefw_policy:
    name: edge-2026-11
    state: confirmed
    switch_id: "{{ edgefw_switch.switch_id }}"
  when: edgefw_switch.switch_id is defined

- name: Or roll it back (only while it still waits)
  edgefw.edgefw.edgefw_policy:
    name: edge-2026-11
    state: rolled_back
    switch_id: "{{ edgefw_switch.switch_id }}"
  when: edgefw_switch.switch_id is defined

- name: A daemon with its socket elsewhere, answering within 10 s
  edgefw.edgefw.edgefw_policy:
    name: reverse-proxy
    socket: /run/edgefw-lab/control
    timeout: 10
    edgefwctl: /usr/local/sbin/edgefwctl
'''

RETURN = r'''
policy:
  description:
    - The policy edgefwd runs after the task (in check mode, would run).
  returned: success
  type: str
  sample: edge-2026-11
previous_policy:
  description:
    - The policy edgefwd ran before the task.
  returned: success
  type: str
  sample: edge-single-public
switch_id:
  description:
    - The id of the switch made with C(confirm_timeout), to be named by
      C(state=confirmed) or C(state=rolled_back); with those states, the
      id they named.
  returned: when a switch with a deadline was made, and with state confirmed or rolled_back
  type: int
  sample: 1690461969218320
confirm_by:
  description:
    - When edgefwd goes back by itself unless confirmed (seconds since the
      epoch, the host's clock).
  returned: when a switch with a deadline was made
  type: int
  sample: 1796549609
reverts_to:
  description:
    - The policy edgefwd goes back to at C(confirm_by) unless confirmed.
  returned: when a switch with a deadline was made
  type: str
  sample: edge-single-public
dry_run:
  description:
    - edgefwd's answer to C(switch NAME --dry-run).
  returned: when the policy was not active yet
  type: dict
  sample: {"ok": true, "dry_run": true, "policy": "edge-2026-11"}
delta:
  description:
    - "The size of what switching sends to the kernel, from C(edgefwctl
      diff --json): C(empty), and C(size) with C(elements_added),
      C(elements_deleted), C(rules_added), C(rules_deleted), C(objects)."
  returned: when the policy was not active yet
  type: dict
  sample: {"empty": false, "size": {"elements_added": 12, "elements_deleted": 46,
           "rules_added": 16, "rules_deleted": 0, "objects": 12}}
status:
  description:
    - edgefwd's C(status) reply, read before the task did anything.
  returned: always, once edgefwd answered
  type: dict
diagnostics:
  description:
    - >-
      When the policy does not compile, every error of C(edgefwctl check)
      with edgefwd's site and directories, as C(file:line:col: message).
  returned: failure, when the policy does not compile
  type: list
  elements: str
no_answer:
  description:
    - True when a request got no answer (C(timeout)) and may still have
      been carried out.
  returned: failure
  type: bool
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.edgefw.edgefw.plugins.module_utils.edgefwctl import (
    DAEMON_ARGS, Edgefwctl, errors_of, valid_name, when)

import time


def policy_diff(before, after, dry=None):
    """Ansible's diff: the active policy, then the kernel's delta as
    edgefwd's dry run answered it."""
    diffs = [dict(before_header='edgefwd active policy',
                  after_header='edgefwd active policy',
                  before=before + '\n', after=after + '\n')]
    if before == after:
        return diffs
    body = (dry or {}).get('delta_text')
    if body is None:
        diffs.append(dict(prepared='table inet edgefw: edgefwd did not answer the delta\n'))
        return diffs
    left = dry.get('delta_lines_left_out') or 0
    if left:
        body += ('... and %d more lines (edgefwctl diff on the host shows them all)\n'
                 % left)
    if not body.strip():
        body = '(nothing: the table would not change)\n'
    diffs.append(dict(prepared='table inet edgefw: what switching to %s sends:\n%s'
                               % (after, body)))
    return diffs


def pending_text(st):
    return ('switch %s to %s is waiting for its confirmation (back to %s at %s)'
            % (st.get('switch_id'), st.get('policy'), st.get('reverts_to'),
               when(st.get('confirm_by'))))


def present(module, ctl, result):
    name = module.params['name']
    timeout = module.params['confirm_timeout']
    if timeout is not None and not 1 <= timeout <= 86400:
        module.fail_json(msg='confirm_timeout must be 1 to 86400 seconds, not %d' % timeout)
    st = ctl.status()
    before = st.get('policy', '')
    result.update(status=st, previous_policy=before, policy=before)
    if st.get('unconfirmed'):
        module.fail_json(msg='not switched: %s; someone is changing this host: '
                             'confirm or roll back that switch first' % pending_text(st),
                         **result)
    if before == name:
        if module._diff:
            result['diff'] = policy_diff(before, name)
        module.exit_json(msg='%s is already the active policy' % name, **result)

    # edgefwd compiles it with its own site and directories: a policy
    # that does not compile here is refused before anything changes.
    dry = ctl.ask('switch', name, '--dry-run')
    if not dry.ok:
        msg = 'edgefwd refuses policy %s: %s' % (name, dry.daemon_error)
        if dry.no_answer:
            result['no_answer'] = True
        if 'does not compile' in dry.error:
            path = ctl.policy_file(name, st)
            if path and st.get('site'):
                chk = ctl.run(['check', path, '--site', st['site']])
                result['diagnostics'] = errors_of(chk.err)
        module.fail_json(msg=msg, **result)
    result['dry_run'] = dry.reply

    delta = dry.reply.get('delta') if isinstance(dry.reply, dict) else None
    if delta is not None:
        result['delta'] = dict(empty=delta.get('empty'), size=delta.get('size'))
    if module._diff:
        result['diff'] = policy_diff(before, name, dry.reply)

    result['changed'] = True
    result['policy'] = name
    if module.check_mode:
        module.exit_json(msg='would switch %s -> %s' % (before, name), **result)

    words = ['switch', name]
    if timeout:
        words += ['--confirm', str(timeout)]
    sent = time.time()
    sw = ctl.ask(*words)
    if not sw.ok or not isinstance(sw.reply, dict):
        result['policy'] = before
        if sw.no_answer:
            result['no_answer'] = True
            msg = 'switch %s -> %s sent, no answer: %s. edgefwd may have switched' % (
                before, name, sw.error)
            if timeout:
                msg += '; if so, it goes back to %s by itself at about %s unless confirmed' % (
                    before, when(int(sent) + timeout))
            module.fail_json(msg=msg, **result)
        result['changed'] = False
        module.fail_json(msg='edgefwd refused the switch to %s: %s' % (name, sw.daemon_error),
                         **result)
    result['policy'] = sw.reply.get('policy', name)
    if timeout:
        result.update(switch_id=sw.reply.get('switch_id'),
                      confirm_by=sw.reply.get('confirm_by'), reverts_to=before)
        msg = ('switched %s -> %s (switch %s): edgefwd goes back to %s by itself at %s '
               'unless confirmed' % (before, result['policy'], result['switch_id'], before,
                                     when(result['confirm_by'])))
    else:
        msg = 'switched %s -> %s' % (before, result['policy'])
    module.exit_json(msg=msg, **result)


def settle(module, ctl, result, state):
    """confirm ID or rollback ID."""
    name = module.params['name']
    sid = module.params['switch_id']
    verb = 'confirm' if state == 'confirmed' else 'rollback'
    st = ctl.status()
    result.update(status=st, previous_policy=st.get('policy', ''),
                  policy=st.get('policy', ''), switch_id=sid)
    ours = bool(st.get('unconfirmed')) and st.get('switch_id') == sid

    if not ours:
        # Nothing to do if the host is already where this task wants it.
        now = st.get('policy')
        waiting = bool(st.get('unconfirmed'))
        if name and not waiting and state == 'confirmed' and now == name:
            module.exit_json(msg='switch %s no longer waits; %s is active and recorded'
                                 % (sid, name), **result)
        if name and state == 'rolled_back' and now != name and not waiting:
            module.exit_json(msg='switch %s no longer waits; edgefwd runs %s, not %s'
                                 % (sid, now, name), **result)
        if module.check_mode:
            why = pending_text(st) if waiting else 'no switch waits for its confirmation'
            module.fail_json(msg='%s %s would be refused: %s (edgefwd runs %s)'
                                 % (verb, sid, why, now), **result)
        # Otherwise edgefwd says why not, in its own words (below).

    result['changed'] = True
    if module.check_mode:
        if state == 'rolled_back':
            result['policy'] = st.get('reverts_to', '')
        module.exit_json(msg='would %s switch %s' % (verb, sid), **result)

    r = ctl.ask(verb, str(sid))
    if r.ok and isinstance(r.reply, dict):
        result['policy'] = r.reply.get('policy', '')
        if state == 'confirmed':
            msg = 'confirmed switch %s: %s is active and recorded' % (sid, result['policy'])
        else:
            msg = 'rolled back switch %s: edgefwd runs %s again' % (sid, result['policy'])
        module.exit_json(msg=msg, **result)
    result['changed'] = False
    if r.no_answer:
        result['no_answer'] = True
        module.fail_json(msg='%s %s sent, no answer: %s. Unless it reached edgefwd, the '
                             'switch goes back by itself at %s'
                             % (verb, sid, r.error, when(st.get('confirm_by'))), **result)
    # The switch may have stopped waiting since the status (its deadline).
    again = ctl.ask('status')
    if again.ok and isinstance(again.reply, dict):
        now = again.reply.get('policy')
        result['policy'] = now
        if not again.reply.get('unconfirmed') and name:
            if state == 'confirmed' and now == name:
                module.exit_json(msg='switch %s no longer waits; %s is active and recorded'
                                     % (sid, name), **result)
            if state == 'rolled_back' and now != name:
                module.exit_json(msg='switch %s no longer waits; edgefwd runs %s, not %s'
                                     % (sid, now, name), **result)
    module.fail_json(msg='edgefwd refused %s %s: %s' % (verb, sid, r.daemon_error), **result)


def main():
    argument_spec = dict(
        name=dict(type='str', aliases=['policy']),
        state=dict(type='str', default='present',
                   choices=['present', 'confirmed', 'rolled_back']),
        confirm_timeout=dict(type='int'),
        switch_id=dict(type='int'),
    )
    argument_spec.update(DAEMON_ARGS)
    module = AnsibleModule(
        argument_spec=argument_spec,
        required_if=[('state', 'present', ['name']),
                     ('state', 'confirmed', ['switch_id']),
                     ('state', 'rolled_back', ['switch_id'])],
        supports_check_mode=True,
    )
    p = module.params
    if p['name'] is not None:
        valid_name(module, p['name'])
    if p['state'] != 'present' and p['confirm_timeout'] is not None:
        module.fail_json(msg='confirm_timeout is for state=present')
    if p['state'] == 'present' and p['switch_id'] is not None:
        module.fail_json(msg='switch_id is for state=confirmed and state=rolled_back')
    if p['switch_id'] is not None and p['switch_id'] <= 0:
        module.fail_json(msg='switch_id must be a positive number (what the switch answered)')

    ctl = Edgefwctl(module)
    result = dict(changed=False)
    if p['state'] == 'present':
        present(module, ctl, result)
    else:
        settle(module, ctl, result, p['state'])


if __name__ == '__main__':
    main()
