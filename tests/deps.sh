#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Installs what building and testing edgefw need on Debian 12, when
# missing. Silent when everything is there. nftables is for the tests only
# (nft -c -f, reading rulesets); edgefw itself never runs nft. ansible-core
# and ansible-lint are for the tests of contrib/ansible (t_ansible.sh);
# dnsmasq-base (a resolver, no service) and bind9-dnsutils (dig) for the
# edge resolving a name through the resolver its site allows (t_siterows.sh).
#
# usage: tests/deps.sh [fuzz]
#   fuzz: also clang, libFuzzer's runtime (libclang-rt-dev) and
#   llvm-symbolizer (llvm: stack traces with lines), for `make fuzz`.
set -euo pipefail

packages=(
	build-essential pkg-config
	libnftnl-dev libmnl-dev libnl-3-dev libnl-route-3-dev libcap-ng-dev
	libcriterion-dev libjson-c-dev
	iproute2 nftables valgrind time procps util-linux
	ansible-core ansible-lint mandoc dnsmasq-base bind9-dnsutils
)
case ${1:-} in
"") ;;
fuzz) packages+=(clang libclang-rt-dev llvm) ;;
*)
	echo "usage: tests/deps.sh [fuzz]" >&2
	exit 2
	;;
esac

missing=()
for p in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[[ $status == "install ok installed" ]] || missing+=("$p")
done
((${#missing[@]} == 0)) && exit 0

if (($(id -u) != 0)); then
	echo "deps: missing packages: ${missing[*]}" >&2
	echo "deps: as root: apt-get install --no-install-recommends" \
		"${missing[*]}" >&2
	exit 1
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
