# migstate: policy compiler (migc) and hard-link migration runtime (migstate).
# Plain GNU make. Everything generated goes under $(BUILD); nothing generated is committed.
#
#   make            build build/migc and build/migstate
#   make check      unit tests (Criterion) + end-to-end tests on real filesystems
#   make check-asan the same suite under AddressSanitizer + UndefinedBehaviorSanitizer
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
RT_SRC   := $(filter-out runtime/main.c,$(wildcard runtime/*.c))
RT_OBJ   := $(RT_SRC:%.c=$(BUILD)/obj/%.o)
CC_SRC   := $(filter-out compiler/main.c,$(wildcard compiler/*.c))
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

.PHONY: all check test check-asan unit e2e bench fuzz install uninstall clean demo format deps
all: $(MIGC) $(MIGSTATE)

# --- build rules -------------------------------------------------------------
$(BUILD)/obj/runtime/%.o: runtime/%.c runtime/*.h runtime/*.def
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) $(RT_WARN) -Iruntime -c $< -o $@

$(BUILD)/obj/compiler/%.o: compiler/%.c compiler/*.h runtime/*.h runtime/*.def $(GEN_H)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -Icompiler -Iruntime -I$(GEN) $(XML_CFLAGS) -c $< -o $@

# Generated parsers: warnings relaxed only here (flex/bison output is not ours to fix).
$(BUILD)/obj/gen/%.o: $(GEN)/%.c $(GEN_H) compiler/*.h
	@mkdir -p $(@D)
	$(CC) $(CSTD) $(OPT) $(SANFLAGS) $(CFLAGS) -Wall -Wno-unused-function -Wno-sign-compare \
	  -Wno-unused-but-set-variable $(WERROR) -Icompiler -Iruntime -I$(GEN) -c $< -o $@

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
$(MIGSTATE): $(BUILD)/obj/runtime/main.o $(LIBRT)
	$(CC) $(LDFLAGS_ALL) -o $@ $^

$(MIGC): $(BUILD)/obj/compiler/main.o $(LIBMIGC) $(LIBRT)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(XML_LIBS)

$(BUILD)/obj/tests/unit/%.o: tests/unit/%.c $(wildcard tests/unit/*.h) $(wildcard compiler/*.h) runtime/*.h $(GEN_H)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -Wno-missing-prototypes -Icompiler -Iruntime -Itests/unit -I$(GEN) \
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
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/migstate/policies
	install -m 0755 $(MIGC) $(MIGSTATE) $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 policies/* $(DESTDIR)$(PREFIX)/share/migstate/policies/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/migc $(DESTDIR)$(PREFIX)/bin/migstate
	rm -rf $(DESTDIR)$(PREFIX)/share/migstate

format:
	clang-format -i compiler/*.[ch] runtime/*.[ch] tests/unit/*.[ch]

clean:
	rm -rf build build-asan build-fuzz
