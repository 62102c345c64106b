#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# t_completion.sh BUILD_DIR: the bash completion as a person meets it:
# each command's own options, policy names from the policy directories
# (those given with --policy-dir on the line first), and the id of the
# switch that waits for confirm and rollback (asked of edgefwd, here a
# stand-in that answers status). No namespace is needed.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/netns/lib.sh

netns_init "${1:-build}"

# bash-completion's helpers, as far as the script uses them.
_init_completion() {
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	words=("${COMP_WORDS[@]}")
	cword=$COMP_CWORD
}
_filedir() { :; }
complete() { :; }
. contrib/edgefwctl.bash-completion

# complete WORDS...: what completing the last word offers, one a line.
complete_line() {
	COMP_WORDS=(edgefwctl "$@")
	COMP_CWORD=$#
	COMPREPLY=()
	_edgefwctl
	printf '%s\n' "${COMPREPLY[@]}"
}

mine=$EFW_TMP/mine
mkdir -p "$mine"
: >"$mine/my-proxy.policy"
: >"$mine/my-edge.policy"

check "commands" bash -c "[[ '$(complete_line sw | tr '\n' ' ')' == 'switch ' ]]"
check "check takes --site, not --replace" \
	bash -c "[[ '$(complete_line check -- | tr '\n' ' ')' == *--site* && '$(complete_line check -- | tr '\n' ' ')' != *--replace* ]]"
check "apply takes --replace" bash -c "[[ '$(complete_line apply --re)' == --replace ]]"
check "switch completes the names of --policy-dir" \
	bash -c "[[ '$(complete_line switch --policy-dir "$mine" my- | sort | tr '\n' ' ')' == 'my-edge my-proxy ' ]]"
_edgefwctl_policy_dirs="$mine $PWD/policies"
check "and of the default directories" \
	bash -c "[[ '$(complete_line check edge-single- | sort | tr '\n' ' ')' == 'edge-single-nat edge-single-public ' ]]"

# confirm: the waiting switch's id, from edgefwctl status --json.
mkdir -p "$EFW_TMP/bin"
cat >"$EFW_TMP/bin/edgefwctl" <<'STUB'
#!/bin/sh
echo '{ "ok": true, "policy": "x", "unconfirmed": true, "switch_id": 4242 }'
STUB
chmod 0755 "$EFW_TMP/bin/edgefwctl"
PATH=$EFW_TMP/bin:$PATH
check "confirm completes the waiting switch's id" bash -c "[[ '$(complete_line confirm '')' == 4242 ]]"
check "so does rollback" bash -c "[[ '$(complete_line rollback 42)' == 4242 ]]"
finish
