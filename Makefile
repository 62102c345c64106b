# edgefw: one non-recursive Makefile. `make`, `make check`, `make demo`,
# `make check-system`, `make install DESTDIR=... PREFIX=...`. Quiet unless
# V=1.

PKG_CONFIG ?= pkg-config
# The release: packaging/debian/changelog and packaging/rpm/edgefw.spec
# name the same one.
VERSION := 0.1.0
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share/edgefw
SYSCONFDIR ?= /etc
DESTDIR ?=
B ?= build

CC ?= cc
PKGS := libnftnl libmnl libnl-3.0 libnl-route-3.0 libcap-ng json-c
WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wpointer-arith -Wformat=2 -Wvla -Wno-unused-parameter
ifneq ($(CI),)
WARN += -Werror
endif
ifneq ($(WERROR),)
WARN += -Werror
endif
CFLAGS ?= -O2 -g
CPPFLAGS += -D_GNU_SOURCE -Ilib
# Built-in defaults name the directories `make install` uses: give make
# the same PREFIX for building and installing.
CPPFLAGS += -DEF_SYSCONFDIR='"$(SYSCONFDIR)"' -DEF_DATADIR='"$(DATADIR)"'
CPPFLAGS += -DEF_VERSION='"$(VERSION)"'
ALL_CFLAGS = -std=gnu11 $(WARN) $(CFLAGS) $(CPPFLAGS) \
	$(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null) -MMD -MP
LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
TEST_LIBS := $(shell $(PKG_CONFIG) --libs criterion 2>/dev/null || echo -lcriterion)
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all

ifeq ($(V),1)
Q :=
E := @:
else
Q := @
E := @printf '  %-7s %s\n'
endif

LIB_SRC := $(wildcard lib/*.c)
UNIT_SRC := $(wildcard tests/unit/*.c)
KERNEL_SRC := $(wildcard tests/kernel/*.c)

LIB_OBJ := $(LIB_SRC:%.c=$(B)/%.o)
LIB_SAN_OBJ := $(LIB_SRC:%.c=$(B)/san/%.o)
UNIT_OBJ := $(UNIT_SRC:%.c=$(B)/%.o)
UNIT_SAN_OBJ := $(UNIT_SRC:%.c=$(B)/san/%.o)
KERNEL_SAN_OBJ := $(KERNEL_SRC:%.c=$(B)/san/%.o)

# edgefwctl: the command table and main, the commands on files and the
# kernel, the requests to edgefwd, timed exceptions, explain.
CTL_SRC := agent/edgefwctl.c agent/ctl_local.c agent/ctl_daemon.c agent/ctl_print.c \
	agent/ctl_exceptions.c agent/ctl_explain.c
CTL_OBJ := $(CTL_SRC:%.c=$(B)/%.o)
CTL_SAN_OBJ := $(CTL_SRC:%.c=$(B)/san/%.o)

PROGS := $(B)/edgefwctl $(B)/edgefwd
TOOLS := $(B)/netprobe $(B)/ctlraw

all: $(PROGS) $(TOOLS)

$(B)/%.o: %.c
	$(E) CC $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/san/%.o: %.c
	$(E) CC-SAN $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(SAN) -c -o $@ $<

# The programs that use those defaults are rebuilt when PREFIX (or
# SYSCONFDIR, DATADIR) changes: the stamp is rewritten only then.
PATHS_NOW := $(SYSCONFDIR) $(DATADIR) $(VERSION)
$(B)/paths.stamp: FORCE
	@mkdir -p $(@D)
	@echo '$(PATHS_NOW)' | cmp -s - $@ || echo '$(PATHS_NOW)' >$@
$(B)/agent/edgefwd.o $(B)/san/agent/edgefwd.o $(B)/lib/paths.o \
		$(B)/san/lib/paths.o $(CTL_OBJ) $(CTL_SAN_OBJ): $(B)/paths.stamp
FORCE:

$(B)/libedgefw.a: $(LIB_OBJ)
	$(E) AR $@
	$(Q)$(AR) rcs $@ $^

$(B)/san/libedgefw.a: $(LIB_SAN_OBJ)
	$(E) AR $@
	$(Q)$(AR) rcs $@ $^

$(B)/edgefwctl: $(CTL_OBJ) $(B)/libedgefw.a
	$(E) LD $@
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

# edgefwd, room by room (agent/daemon.h).
DAEMON_SRC := agent/edgefwd.c agent/enforce.c agent/switch.c agent/watch.c \
	agent/exceptions.c agent/control.c agent/requests.c agent/log.c

$(B)/edgefwd: $(DAEMON_SRC:%.c=$(B)/%.o) $(B)/libedgefw.a
	$(E) LD $@
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(B)/san/edgefwd: $(DAEMON_SRC:%.c=$(B)/san/%.o) $(B)/san/libedgefw.a
	$(E) LD $@
	$(Q)$(CC) $(CFLAGS) $(SAN) $(LDFLAGS) -o $@ $^ $(LIBS)

$(B)/san/edgefwctl: $(CTL_SAN_OBJ) $(B)/san/libedgefw.a
	$(E) LD $@
	$(Q)$(CC) $(CFLAGS) $(SAN) $(LDFLAGS) -o $@ $^ $(LIBS)

$(B)/efbench: $(B)/bench/efbench.o $(B)/libedgefw.a
	$(E) LD $@
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(B)/ctlraw: $(B)/tests/tools/ctlraw.o
	$(E) LD $@
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^

$(B)/netprobe: $(B)/tests/tools/netprobe.o $(B)/lib/util.o
	$(E) LD $@
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^

$(B)/unit: $(UNIT_OBJ) $(B)/libedgefw.a
	$(E) LD $@
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS) $(TEST_LIBS)

$(B)/san/unit: $(UNIT_SAN_OBJ) $(B)/san/libedgefw.a
	$(E) LD $@
	$(Q)$(CC) $(CFLAGS) $(SAN) $(LDFLAGS) -o $@ $^ $(LIBS) $(TEST_LIBS)

# Against the real kernel, each test in a network namespace of its own;
# built with the sanitizers, so the netlink code runs under them too.
$(B)/san/kernel: $(KERNEL_SAN_OBJ) $(B)/san/libedgefw.a
	$(E) LD $@
	$(Q)$(CC) $(CFLAGS) $(SAN) $(LDFLAGS) -o $@ $^ $(LIBS) $(TEST_LIBS)

# `check` and `demo` first install what they need (tests/deps.sh), then run
# in a second make, which reads pkg-config only once the packages are there.
check: deps
	$(Q)$(MAKE) --no-print-directory check-run

demo: deps
	$(Q)$(MAKE) --no-print-directory demo-run

# Unit tests run twice: plain, then under ASan+UBSan. The netns suite needs
# root and a kernel with nf_tables; it makes and removes its own namespaces.
SAN_ENV := ASAN_OPTIONS=detect_leaks=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

check-run: all $(B)/unit $(B)/san/unit $(B)/san/kernel $(B)/san/edgefwctl
	$(Q)tests/policy_rows.sh
	$(Q)tests/doc_examples.sh $(B)
	$(Q)$(MAKE) --no-print-directory check-man
	$(Q)cd tests/unit && ../../$(B)/unit --jobs 2
	$(Q)cd tests/unit && $(SAN_ENV) ../../$(B)/san/unit --jobs 2
	$(Q)cd tests/unit && $(SAN_ENV) ../../$(B)/san/kernel --jobs 2
	$(Q)tests/netns/run.sh $(B)

# Every man page, as mandoc reads it: errors, warnings and style (when
# mandoc is there; tests/deps.sh installs it).
check-man:
	$(Q)if command -v mandoc >/dev/null; then \
		mandoc -Tlint $(MAN5) $(MAN8) && \
		echo "man: mandoc -Tlint clean: $(notdir $(MAN5) $(MAN8))"; \
	else \
		echo "man: mandoc not installed: pages not checked"; \
	fi

# The .deb built, installed into a Debian 12 container booted under
# systemd (systemd-nspawn) and run as an operator would; root, and a few
# minutes. It installs what it needs (mmdebstrap, systemd-container,
# debhelper, lintian, ...) with apt-get when missing.
check-system: deps
	$(Q)tests/system/run.sh

unit: $(B)/unit $(B)/san/unit
	$(Q)cd tests/unit && ../../$(B)/unit --jobs 2
	$(Q)cd tests/unit && ../../$(B)/san/unit --jobs 2

netns: all $(B)/san/edgefwctl
	$(Q)tests/netns/run.sh $(B)

demo-run: all
	$(Q)tests/netns/demo.sh $(B)

# Measures, never asserts: edgefw against nft on the same ruleset, ratios.
bench: deps
	$(Q)$(MAKE) --no-print-directory bench-run

bench-run: all $(B)/efbench
	$(Q)bench/bench.sh $(B)

# One libFuzzer harness per parser (fuzz/NAME.c), built with clang under
# ASan+UBSan against its own build of lib/. `make fuzz` runs each for
# FUZZ_SECONDS from its seeds (fuzz/run.sh says which) and fails on the
# first crash, leak, hang or undefined behaviour; the corpus it grows stays
# in $(B)/fuzz/corpus for the next run.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZERS := policy site group ctl state exceptions
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
# (clang, unlike gcc, also asks for a format attribute on functions that
# pass a va_list on, as add() in lib/diag.c does.)
FUZZ_CFLAGS = -std=gnu11 $(WARN) -Wno-format-nonliteral -O1 -g $(CPPFLAGS) \
	$(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null) -MMD -MP \
	$(FUZZ_SAN) -fsanitize=fuzzer-no-link
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(B)/fuzz/%.o)
FUZZ_BINS := $(FUZZERS:%=$(B)/fuzz/%)

$(B)/fuzz/%.o: %.c
	$(E) CC-FUZZ $@
	@mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(B)/fuzz/libedgefw.a: $(FUZZ_LIB_OBJ)
	$(E) AR $@
	$(Q)$(AR) rcs $@ $^

$(FUZZ_BINS): $(B)/fuzz/%: $(B)/fuzz/fuzz/%.o $(B)/fuzz/fuzz/files.o \
		$(B)/fuzz/libedgefw.a
	$(E) LD $@
	$(Q)$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer $(LDFLAGS) -o $@ $^ $(LIBS)

fuzz: deps-fuzz
	$(Q)$(MAKE) --no-print-directory fuzz-run

fuzz-run: $(FUZZ_BINS)
	$(Q)V=$(V) fuzz/run.sh $(B)/fuzz $(FUZZ_SECONDS) $(FUZZERS)

# Installs what building and testing need on Debian 12, when missing;
# deps-fuzz also clang and libFuzzer's runtime.
deps:
	$(Q)tests/deps.sh

MAN5 := doc/edgefw.policy.5 doc/edgefw.site.5
MAN8 := doc/edgefwctl.8 doc/edgefwd.8
UNITS := packaging/edgefwd.service contrib/metrics/edgefw-metrics.service \
	contrib/metrics/edgefw-metrics.timer

deps-fuzz:
	$(Q)tests/deps.sh fuzz

DOCDIR ?= $(PREFIX)/share/doc/edgefw
LIBDIR_SYSTEMD ?= $(PREFIX)/lib
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions

install: $(PROGS)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(DATADIR)/policies \
		$(DESTDIR)$(DATADIR)/examples $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(DOCDIR) $(DESTDIR)$(COMPLETIONDIR) \
		$(DESTDIR)$(LIBDIR_SYSTEMD)/sysusers.d \
		$(DESTDIR)$(LIBDIR_SYSTEMD)/tmpfiles.d \
		$(DESTDIR)$(SYSCONFDIR)/edgefw/policies \
		$(DESTDIR)$(LIBDIR_SYSTEMD)/systemd/system
	install -m 0755 $(B)/edgefwctl $(DESTDIR)$(SBINDIR)/edgefwctl
	install -m 0755 $(B)/edgefwd $(DESTDIR)$(SBINDIR)/edgefwd
	install -m 0644 policies/*.policy $(DESTDIR)$(DATADIR)/policies/
	install -m 0644 policies/examples/*.site $(DESTDIR)$(DATADIR)/examples/
	install -m 0644 $(MAN5) $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 $(MAN8) $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 README.md $(DESTDIR)$(DOCDIR)/
	install -m 0644 policies/README.md $(DESTDIR)$(DOCDIR)/policies.md
	sed -e 's|^_edgefwctl_policy_dirs=.*|_edgefwctl_policy_dirs="$(SYSCONFDIR)/edgefw/policies $(DATADIR)/policies"|' \
		contrib/edgefwctl.bash-completion >$(DESTDIR)$(COMPLETIONDIR)/edgefwctl
	chmod 0644 $(DESTDIR)$(COMPLETIONDIR)/edgefwctl
	# The Ansible collection edgefw.edgefw (contrib/ansible), the same
	# version as the programs it drives, for a controller that has the
	# package: ANSIBLE_COLLECTIONS_PATH=$(DATADIR)/ansible. Data, not
	# documentation: /usr/share/doc may be left out of an installation.
	for f in $$(cd contrib/ansible && find ansible_collections -type f \
			! -name .ansible-lint ! -name '*.pyc' | LC_ALL=C sort); do \
		install -D -m 0644 "contrib/ansible/$$f" \
			"$(DESTDIR)$(DATADIR)/ansible/$$f" || exit 1; \
	done
	install -m 0644 packaging/edgefw.sysusers \
		$(DESTDIR)$(LIBDIR_SYSTEMD)/sysusers.d/edgefw.conf
	install -m 0644 packaging/edgefw.tmpfiles \
		$(DESTDIR)$(LIBDIR_SYSTEMD)/tmpfiles.d/edgefw.conf
	# The units name the installed paths, whatever PREFIX was. The
	# metrics service and timer (contrib/metrics) are installed too, for
	# `systemctl enable --now edgefw-metrics.timer`.
	for u in $(UNITS); do \
		sed -e 's|/usr/sbin/|$(SBINDIR)/|g' \
			-e 's|/usr/share/edgefw/|$(DATADIR)/|g' \
			-e 's|/etc/edgefw/|$(SYSCONFDIR)/edgefw/|g' \
			$$u >$(DESTDIR)$(LIBDIR_SYSTEMD)/systemd/system/$${u##*/} && \
		chmod 0644 $(DESTDIR)$(LIBDIR_SYSTEMD)/systemd/system/$${u##*/} || \
		exit 1; \
	done
	test -e $(DESTDIR)$(SYSCONFDIR)/edgefw/site.conf || \
		install -m 0644 packaging/site.conf \
		$(DESTDIR)$(SYSCONFDIR)/edgefw/site.conf

clean:
	rm -rf $(B)

.PHONY: FORCE all check check-run check-man check-system unit netns demo \
	demo-run bench bench-run fuzz fuzz-run deps deps-fuzz install clean

-include $(shell find $(B) -name '*.d' 2>/dev/null)
