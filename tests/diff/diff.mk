# Differential tests that need extra host libraries. Included by the top
# Makefile; every program added to DIFF_BINS is built by `make test` and run by
# tests/run.sh (tests/diff/*). Add one block per test, with a comment header.
# Variables available: $(BUILD), $(LIB), $(CC), $(ALL_CFLAGS), $(LDFLAGS), $(LDLIBS).

# ---- decode_oracle: the decoder and disassembler against Capstone 4 ----
# Needs libcapstone-dev (Debian 12: capstone 4.0.2). VD_DECODE_N sets the
# number of random samples per mode (default 1,000,000).
DIFF_BINS += $(BUILD)/tests/diff/decode_oracle
$(BUILD)/tests/diff/decode_oracle: tests/diff/decode_oracle.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $< $(LIB) $(LDFLAGS) -o $@ $(LDLIBS) -lcapstone
