# Differential tests that need extra host libraries. Included by the top
# Makefile; every program added to DIFF_BINS is built by `make test` and run by
# tests/run.sh (tests/diff/*), which counts its PASS/FAIL/SKIP lines.
# Add one block per test, with a comment header like the one below.
# Available: $(BUILD), $(LIB), $(CC), $(ALL_CFLAGS), $(LDFLAGS), $(LDLIBS).

# ---- decode_oracle: the decoder and disassembler against Capstone 4 ----
# Needs libcapstone-dev (Debian 12: capstone 4.0.2); without it the test is a
# script that reports SKIP. If Zydis 4 (libzydis-dev) is installed, the same
# samples are also checked against it (the *_zydis lines).
# VD_DECODE_N: random samples per mode (default 1,000,000); VD_DECODE_SEED.
DIFF_BINS += $(BUILD)/tests/diff/decode_oracle
ifeq ($(wildcard /usr/include/capstone/capstone.h),)
$(BUILD)/tests/diff/decode_oracle:
	@mkdir -p $(dir $@)
	printf '#!/bin/sh\necho "SKIP decode_capstone: libcapstone-dev is not installed"\n' >$@
	chmod +x $@
else
DECODE_ORACLE_ZYDIS := $(if $(wildcard /usr/include/Zydis/Zydis.h),-DHAVE_ZYDIS,)
$(BUILD)/tests/diff/decode_oracle: tests/diff/decode_oracle.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(DECODE_ORACLE_ZYDIS) $< $(LIB) $(LDFLAGS) -o $@ $(LDLIBS) -lcapstone \
		$(if $(DECODE_ORACLE_ZYDIS),-lZydis)
endif

# ---- hostcmp: integer instruction handlers against the host CPU ----
# Runs each user-level integer form natively and in the interpreter and
# compares registers, memory and the defined flags. Native code runs in
# 64-bit mode (this kernel runs no IA-32 code; see the file's header), so
# the program is an ordinary 64-bit build linked with the library.
# VD_HOSTCMP_N sets cases per variant (default 1500).
DIFF_BINS += $(BUILD)/tests/diff/hostcmp
$(BUILD)/tests/diff/hostcmp: tests/diff/hostcmp.c $(LIB) $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit $< $(LIB) $(LDFLAGS) -o $@ $(LDLIBS)

# ---- fpu_hostcmp: every x87 instruction form against the host's x87 ----
# Random FPU states and operands (NaNs, denormals, pseudo-denormals,
# unnormals, every PC/RC, masked and unmasked exceptions) through the
# interpreter and natively between FRSTOR and FNSAVE; compares the whole
# state and memory. VD_FPUCMP_N: cases per memory form (default 3000).
DIFF_BINS += $(BUILD)/tests/diff/fpu_hostcmp
$(BUILD)/tests/diff/fpu_hostcmp: tests/diff/fpu_hostcmp.c $(LIB) $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit $< $(LIB) $(LDFLAGS) -o $@ $(LDLIBS)

# ---- sse_hostcmp: every MMX/SSE/SSE2 form against the host CPU ----
# Random register/memory states (NaNs, denormals, infinities, every rounding
# mode, FZ/DAZ, masked and unmasked exceptions) through the interpreter and
# natively; compares mm/xmm/MXCSR/tags/GPRs/EFLAGS/memory and #XM vs SIGFPE.
# VD_SSECMP_N: cases per form variant (default 600); VD_SSECMP_SEED.
DIFF_BINS += $(BUILD)/tests/diff/sse_hostcmp
$(BUILD)/tests/diff/sse_hostcmp: tests/diff/sse_hostcmp.c $(LIB) $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit $< $(LIB) $(LDFLAGS) -o $@ $(LDLIBS)

# ---- dbt_x64_oracle: the translator's x86-64 encoder against Capstone 4 ----
# Every shape of src/dbt/x64.h (each wrapper, every allowed register, size,
# base/index/scale/displacement class, imm8/imm32 boundary, condition code)
# decoded back: one instruction of the emitted (minimal) length with the
# expected mnemonic and operands; x_overflow and x_patch. Needs
# libcapstone-dev, else a script that reports SKIP; Zydis 4 (libzydis-dev),
# if installed, is a second decoder for the same checks.
DIFF_BINS += $(BUILD)/tests/diff/dbt_x64_oracle
ifeq ($(wildcard /usr/include/capstone/capstone.h),)
$(BUILD)/tests/diff/dbt_x64_oracle:
	@mkdir -p $(dir $@)
	printf '#!/bin/sh\necho "SKIP dbt_x64: libcapstone-dev is not installed"\n' >$@
	chmod +x $@
else
DBT_X64_ZYDIS := $(if $(wildcard /usr/include/Zydis/Zydis.h),-DHAVE_ZYDIS,)
$(BUILD)/tests/diff/dbt_x64_oracle: tests/diff/dbt_x64_oracle.c src/dbt/x64.h src/base/types.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(DBT_X64_ZYDIS) $< $(LDFLAGS) -o $@ $(LDLIBS) -lcapstone \
		$(if $(DBT_X64_ZYDIS),-lZydis)
endif
