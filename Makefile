# migstate: policy compiler (migc) and hard-link migration runtime (migstate).
# Plain GNU make. Everything generated goes under $(BUILD); nothing generated is committed.
#
#   make            build build/migc and build/migstate
#   make check      unit tests (Criterion) + end-to-end tests on real filesystems
#   make check-asan the same suite under AddressSanitizer + UndefinedBehaviorSanitizer
#   make stress     the random race test for long runs (STRESS_ITERS, default 10000)
#   make demo       compile the shipped policy and run it on a generated home tree
#   make bench      benchmark (see bench/README.md)
#   make fuzz       libFuzzer harnesses, each for FUZZ_SECONDS
#   make install    PREFIX=/usr/local DESTDIR=

BUILD    ?= build
PREFIX   ?= /usr/local
DESTDIR  ?=
CC       ?= cc
FLEX     ?= flex
BISON    ?= bison
PKG_CONFIG ?= pkg-config

CSTD     := -std=c11 -D_GNU_SOURCE
WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wformat=2 -Wvla -fno-common
# Byte-format code is where truncation bugs live: the runtime also gets -Wconversion.
RT_WARN  := -Wconversion -Wno-sign-conversion
ifeq ($(CI),true)
WERROR   ?= -Werror
endif
WERROR   ?=
OPT      ?= -O2 -g
ifneq ($(SANITIZE),)
SANFLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
endif
CFLAGS_ALL := $(CSTD) $(OPT) $(WARN) $(WERROR) $(SANFLAGS) $(CFLAGS)
LDFLAGS_ALL := $(SANFLAGS) $(LDFLAGS)

XML_CFLAGS := $(shell $(PKG_CONFIG) --cflags libxml-2.0 2>/dev/null)
XML_LIBS   := $(shell $(PKG_CONFIG) --libs libxml-2.0 2>/dev/null || echo -lxml2)
CRIT_CFLAGS := $(shell $(PKG_CONFIG) --cflags criterion 2>/dev/null)
CRIT_LIBS   := $(shell $(PKG_CONFIG) --libs criterion 2>/dev/null || echo -lcriterion)

GEN := $(BUILD)/gen

# --- sources -----------------------------------------------------------------
# Both trees are in folders by layer, lowest first (docs/architecture.md); a folder
# includes only folders below it (tests/e2e/t_layers.sh checks). Headers are found by
# name through one -I per folder. migc sees only the runtime's lowest three layers.
RT_DIRS  := base plan policy store rd run scan load verify cli
CC_DIRS  := lang diag front lint codegen cli
RT_INC   := $(addprefix -Iruntime/,$(RT_DIRS))
CC_INC   := $(addprefix -Icompiler/,$(CC_DIRS)) $(addprefix -Iruntime/,base plan policy)
RT_HDR   := $(wildcard runtime/*/*.h runtime/*/*.def)
CC_HDR   := $(wildcard compiler/*/*.h compiler/*/*.def)
RT_SRC   := $(filter-out runtime/cli/main.c,$(wildcard $(RT_DIRS:%=runtime/%/*.c)))
RT_OBJ   := $(RT_SRC:%.c=$(BUILD)/obj/%.o)
CC_SRC   := $(filter-out compiler/cli/main.c,$(wildcard $(CC_DIRS:%=compiler/%/*.c)))
CC_OBJ   := $(CC_SRC:%.c=$(BUILD)/obj/%.o)
Y_SRC    := $(wildcard grammar/*.y)
L_SRC    := $(wildcard grammar/*.l)
GEN_C    := $(Y_SRC:grammar/%.y=$(GEN)/%.tab.c) $(L_SRC:grammar/%.l=$(GEN)/%.lex.c)
GEN_H    := $(Y_SRC:grammar/%.y=$(GEN)/%.tab.h)
GEN_OBJ  := $(GEN_C:$(GEN)/%.c=$(BUILD)/obj/gen/%.o)
UT_SRC   := $(wildcard tests/unit/*.c)
UT_OBJ   := $(UT_SRC:%.c=$(BUILD)/obj/%.o)

LIBRT    := $(BUILD)/libmigrt.a
LIBMIGC  := $(BUILD)/libmigc.a
MIGC     := $(BUILD)/migc
MIGSTATE := $(BUILD)/migstate
UNIT     := $(BUILD)/unit-tests

# keep generated parser sources (make would delete them as intermediates)
.SECONDARY: $(GEN_C) $(GEN_H)

.PHONY: all check test check-asan stress unit e2e bench fuzz install uninstall clean demo format deps
all: $(MIGC) $(MIGSTATE)

# --- build rules -------------------------------------------------------------
$(BUILD)/obj/runtime/%.o: runtime/%.c $(RT_HDR)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) $(RT_WARN) $(RT_INC) -c $< -o $@

$(BUILD)/obj/compiler/%.o: compiler/%.c $(CC_HDR) $(RT_HDR) $(GEN_H)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) $(CC_INC) -I$(GEN) $(XML_CFLAGS) -c $< -o $@

# Generated parsers: warnings relaxed only here (flex/bison output is not ours to fix).
$(BUILD)/obj/gen/%.o: $(GEN)/%.c $(GEN_H) $(CC_HDR)
	@mkdir -p $(@D)
	$(CC) $(CSTD) $(OPT) $(SANFLAGS) $(CFLAGS) -Wall -Wno-unused-function -Wno-sign-compare \
	  -Wno-unused-but-set-variable $(WERROR) $(CC_INC) -I$(GEN) -c $< -o $@

$(GEN)/%.tab.c $(GEN)/%.tab.h: grammar/%.y
	@mkdir -p $(@D)
	$(BISON) -Wall -Werror --defines=$(GEN)/$*.tab.h -o $(GEN)/$*.tab.c $<

$(GEN)/%.lex.c: grammar/%.l $(GEN_H)
	@mkdir -p $(@D)
	$(FLEX) -o $@ $<

$(LIBRT): $(RT_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(LIBMIGC): $(CC_OBJ) $(GEN_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

# migstate links only the runtime and libc: no libxml2, no parser output.
$(MIGSTATE): $(BUILD)/obj/runtime/cli/main.o $(LIBRT)
	$(CC) $(LDFLAGS_ALL) -o $@ $^

$(MIGC): $(BUILD)/obj/compiler/cli/main.o $(LIBMIGC) $(LIBRT)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(XML_LIBS)

$(BUILD)/obj/tests/unit/%.o: tests/unit/%.c $(wildcard tests/unit/*.h) $(CC_HDR) $(RT_HDR) $(GEN_H)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -Wno-missing-prototypes $(CC_INC) $(RT_INC) -Itests/unit -I$(GEN) \
	  $(XML_CFLAGS) $(CRIT_CFLAGS) -c $< -o $@

$(UNIT): $(UT_OBJ) $(LIBMIGC) $(LIBRT)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(XML_LIBS) $(CRIT_LIBS)

# --- tests -------------------------------------------------------------------
# The README's test command is `make check`; it prints Criterion's summary and the
# end-to-end runner's "e2e: N passed, N failed" line.
check test: all $(UNIT)
	@$(MAKE) --no-print-directory unit e2e

unit: $(UNIT)
	LSAN_OPTIONS=suppressions=$(abspath tests/lsan.supp):print_suppressions=0 $(UNIT) --jobs 2

e2e: all
	MIGC=$(abspath $(MIGC)) MIGSTATE=$(abspath $(MIGSTATE)) BUILD=$(abspath $(BUILD)) \
	  bash tests/e2e/run.sh

check-asan:
	$(MAKE) --no-print-directory BUILD=build-asan SANITIZE=address,undefined OPT="-O1 -g" check

# The random race test of `make check` (t_race_stress.sh, 300 iterations) for as long as
# asked: STRESS_ITERS (default 10000), STRESS_SEED (default: from the clock, printed).
# Root, in a private mount namespace like run.sh, but without run.sh's time limit.
STRESS_ITERS ?= 10000
stress: all
	MIGC=$(abspath $(MIGC)) MIGSTATE=$(abspath $(MIGSTATE)) BUILD=$(abspath $(BUILD)) \
	  STRESS_ITERS=$(STRESS_ITERS) unshare -m --propagation private \
	  bash tests/e2e/t_race_stress.sh

# --- demo, bench, fuzz ---------------------------------------------------------
demo:
	bash tests/demo.sh

bench: all
	python3 bench/run.py

FUZZ_SECONDS ?= 60
fuzz:
	bash fuzz/run.sh $(FUZZ_SECONDS)

deps:
	bash .ci/deps.sh

# --- install -----------------------------------------------------------------
# migc finds the variable map relative to its own binary (compiler/lang/paths.c:
# <bin>/../share/migstate/policies/variables.map), so one build serves every PREFIX.
# The systemd unit is installed when contrib/ has it.
INST_BIN  = $(DESTDIR)$(PREFIX)/bin
INST_MAN  = $(DESTDIR)$(PREFIX)/share/man/man1
INST_DATA = $(DESTDIR)$(PREFIX)/share/migstate
INST_COMP = $(DESTDIR)$(PREFIX)/share/bash-completion/completions
INST_UNIT = $(DESTDIR)$(PREFIX)/lib/systemd/system
INST_DOC  = $(DESTDIR)$(PREFIX)/share/doc/migstate
RD_UNIT   = contrib/migstate-rd-pending.service
FB_UNIT   = contrib/systemd/migstate-firstboot.service

# The unit names /usr/local paths: they are rewritten for the PREFIX installed to.
install: all
	install -d $(INST_BIN) $(INST_MAN) $(INST_DATA)/policies $(INST_COMP) $(INST_DOC)
	install -m 0755 $(MIGC) $(MIGSTATE) $(INST_BIN)/
	install -m 0644 docs/migc.1 docs/migstate.1 $(INST_MAN)/
	install -m 0644 policies/*.xml policies/variables.map $(INST_DATA)/policies/
	install -m 0644 contrib/bash-completion/migc contrib/bash-completion/migstate $(INST_COMP)/
	install -m 0644 README.md $(wildcard docs/*.md) $(INST_DOC)/
	if [ -f $(RD_UNIT) ]; then \
	  install -d $(INST_UNIT) && \
	  sed 's|/usr/local/|$(PREFIX)/|g' $(RD_UNIT) >$(INST_UNIT)/migstate-rd-pending.service && \
	  chmod 0644 $(INST_UNIT)/migstate-rd-pending.service; \
	fi
	if [ -f $(FB_UNIT) ]; then \
	  install -d $(INST_UNIT) && \
	  sed 's|/usr/local/|$(PREFIX)/|g' $(FB_UNIT) >$(INST_UNIT)/migstate-firstboot.service && \
	  chmod 0644 $(INST_UNIT)/migstate-firstboot.service; \
	fi

uninstall:
	rm -f $(INST_BIN)/migc $(INST_BIN)/migstate
	rm -f $(INST_MAN)/migc.1 $(INST_MAN)/migstate.1
	rm -rf $(INST_DATA) $(INST_DOC)
	rm -f $(INST_COMP)/migc $(INST_COMP)/migstate
	rm -f $(INST_UNIT)/migstate-rd-pending.service $(INST_UNIT)/migstate-firstboot.service

# --- static: a self-contained migstate for rescue media ------------------------
# The runtime alone (no XML, no parser), linked statically and stripped. With musl
# (Debian's musl-tools) it is a few hundred KB; without it glibc is used (larger, and
# it warns). Kernel uapi headers are borrowed for musl; contrib/static/musl-compat.h
# supplies the statx/renameat2 wrappers musl 1.2.3 lacks.
.PHONY: static deb
STATIC_DIR := $(BUILD)/static
STATIC_BIN := $(BUILD)/migstate-static
MUSL_GCC   ?= $(shell command -v musl-gcc 2>/dev/null)
MULTIARCH  := $(shell $(CC) -print-multiarch 2>/dev/null)

static:
	@rm -rf $(STATIC_DIR) && mkdir -p $(STATIC_DIR)/obj $(STATIC_DIR)/include
	@set -e; \
	if [ -n "$(MUSL_GCC)" ]; then \
	  scc="$(MUSL_GCC)"; \
	  for d in linux asm-generic; do ln -s /usr/include/$$d $(STATIC_DIR)/include/$$d; done; \
	  if [ -d /usr/include/$(MULTIARCH)/asm ]; then asm=/usr/include/$(MULTIARCH)/asm; \
	  else asm=/usr/include/asm; fi; \
	  ln -s $$asm $(STATIC_DIR)/include/asm; \
	  extra="-isystem $(STATIC_DIR)/include -include contrib/static/musl-compat.h"; \
	  echo "static: musl ($$scc)"; \
	else \
	  scc="$(CC)"; extra=""; \
	  echo "static: warning: musl-gcc not found (apt-get install musl-tools): using glibc, expect about 1 MB"; \
	fi; \
	for f in $(RT_DIRS:%=runtime/%/*.c); do \
	  o=$(STATIC_DIR)/obj/$$(basename $$f .c).o; \
	  echo "  CC $$f"; \
	  $$scc $(CSTD) -Os -ffunction-sections -fdata-sections $(WARN) $(RT_WARN) $(WERROR) \
	    $$extra $(RT_INC) -c $$f -o $$o; \
	done; \
	$$scc -static -Wl,--gc-sections -o $(STATIC_BIN) $(STATIC_DIR)/obj/*.o; \
	strip $(STATIC_BIN); \
	echo "static: $(STATIC_BIN): $$(stat -c %s $(STATIC_BIN)) bytes ($$(( $$(stat -c %s $(STATIC_BIN)) / 1024 )) KB)"

# --- deb: a binary Debian package built with dpkg-deb ---------------------------------
DEB_VERSION := $(shell sed -n 's/^\#define MIGSTATE_VERSION "\(.*\)"/\1/p' runtime/base/version.h)
DEB_ARCH := $(shell dpkg --print-architecture 2>/dev/null || echo amd64)
DEB_ROOT := $(BUILD)/deb/root
DEB      := $(BUILD)/migstate_$(DEB_VERSION)_$(DEB_ARCH).deb

deb: all
	rm -rf $(BUILD)/deb $(DEB)
	$(MAKE) --no-print-directory install PREFIX=/usr DESTDIR=$(abspath $(DEB_ROOT))
	strip --strip-unneeded $(DEB_ROOT)/usr/bin/migc $(DEB_ROOT)/usr/bin/migstate
	gzip -9n $(DEB_ROOT)/usr/share/man/man1/migc.1 $(DEB_ROOT)/usr/share/man/man1/migstate.1
	install -d $(DEB_ROOT)/DEBIAN
	cd $(DEB_ROOT) && find usr -type f -print0 | LC_ALL=C sort -z | xargs -0 md5sum >DEBIAN/md5sums
	{ \
	  echo "Package: migstate"; \
	  echo "Version: $(DEB_VERSION)"; \
	  echo "Architecture: $(DEB_ARCH)"; \
	  echo "Maintainer: migstate developers <migstate@migstate.invalid>"; \
	  echo "Installed-Size: $$(du -sk --exclude=DEBIAN $(DEB_ROOT) | cut -f1)"; \
	  echo "Depends: libc6 (>= 2.34), libxml2 (>= 2.9.14)"; \
	  echo "Section: admin"; \
	  echo "Priority: optional"; \
	  echo "Description: USMT-style hard-link migration store for Linux"; \
	  echo " migc compiles USMT MigXML policies (MigUser.xml, MigDocs.xml, custom rules,"; \
	  echo " Config.xml) into a verified bytecode plan, lints them and explains which rule"; \
	  echo " decides a path. migstate runs a plan: it captures user state into a hard-link"; \
	  echo " store on the same filesystem, restores it after a reinstall, verifies and"; \
	  echo " safely deletes the store."; \
	} >$(DEB_ROOT)/DEBIAN/control
	dpkg-deb --root-owner-group --build $(DEB_ROOT) $(DEB)
	@echo "deb: $(DEB)"

format:
	clang-format -i compiler/*/*.[ch] runtime/*/*.[ch] tests/unit/*.[ch]

clean:
	rm -rf build build-asan build-fuzz
