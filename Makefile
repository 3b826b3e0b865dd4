# vdebug — GNU make build. `make` builds ./vdebug; `make test` builds and runs
# every test layer; `make test SANITIZE=1` does it under ASan + UBSan in build-san/.
CC ?= gcc
NASM ?= nasm
ifeq ($(origin CC),default)
CC = gcc
endif

SANITIZE ?= 0
ifeq ($(SANITIZE),1)
BUILD ?= build-san
OPT ?= -O1
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
BIN = $(BUILD)/vdebug
else
BUILD ?= build
OPT ?= -O2
SANFLAGS =
BIN = vdebug
endif

CFLAGS_BASE = -std=gnu11 -g $(OPT) -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
	-Isrc -Iinclude -MMD -MP $(SANFLAGS)
CFLAGS ?=
ALL_CFLAGS = $(CFLAGS_BASE) $(CFLAGS)
LDFLAGS += $(SANFLAGS)
LDLIBS += -lm -lpthread

LIB_SRCS := $(shell find src -name '*.c' ! -path src/main.c | sort)
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
LIB := $(BUILD)/libvdebug.a

# Unit tests: tests/unit/*.c, each a program linked with the library.
UNIT_SRCS := $(wildcard tests/unit/*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/unit/%)
# Differential tests that need extra libraries are built by tests/diff/diff.mk.
# Guest programs: tests/asm/*.asm -> flat multiboot images (nasm -f bin).
ASM_SRCS := $(wildcard tests/asm/*.asm)
ASM_BINS := $(ASM_SRCS:tests/asm/%.asm=$(BUILD)/tests/asm/%.bin)
BENCH_SRCS := $(wildcard bench/guests/*.asm)
BENCH_BINS := $(BENCH_SRCS:bench/guests/%.asm=$(BUILD)/bench/%.bin)

.PHONY: all test bench clean check-tools
all: $(BIN)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(BUILD)/src/main.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/unit/%: tests/unit/%.c $(LIB) $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit $< $(LIB) $(LDFLAGS) -o $@ $(LDLIBS)

$(BUILD)/tests/asm/%.bin: tests/asm/%.asm $(wildcard tests/asm/lib/*.inc)
	@mkdir -p $(dir $@)
	$(NASM) -f bin -I tests/asm/lib/ -o $@ $<

$(BUILD)/bench/%.bin: bench/guests/%.asm $(wildcard tests/asm/lib/*.inc bench/lib/*.inc bench/guests/*.asm)
	@mkdir -p $(dir $@)
	$(NASM) -f bin -I tests/asm/lib/ -o $@ $<

-include tests/diff/diff.mk

TEST_DEPS = $(BIN) $(UNIT_BINS) $(ASM_BINS) $(DIFF_BINS)
test: $(TEST_DEPS)
	@VDEBUG=$(abspath $(BIN)) BUILD=$(abspath $(BUILD)) SANITIZE=$(SANITIZE) tests/run.sh

bench: $(BIN) $(BENCH_BINS)
	@VDEBUG=$(abspath $(BIN)) BUILD=$(abspath $(BUILD)) bench/run.sh

clean:
	rm -rf build build-san vdebug

-include $(LIB_OBJS:.o=.d) $(BUILD)/src/main.d
