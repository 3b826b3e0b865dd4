/*
 * The dynamic binary translator: guest blocks become host x86-64 code that
 * runs on the same struct cpu as the interpreter (same registers, lazy
 * flags, TLB, slow paths and handlers). dbt_run is a drop-in for cpu_run:
 * same budget, same exits, same instruction counts; what it does not
 * translate it hands to the interpreter at block granularity.
 */
#ifndef VD_DBT_DBT_H
#define VD_DBT_DBT_H
#include "cpu/cpu.h"

struct dbt;

struct dbt_stats {
    u64 insns_translated;   /* guest instructions retired in translated code */
    u64 insns_interp;       /* guest instructions retired by the interpreter under dbt_run */
    u64 blocks_translated;  /* translations made */
    u64 guest_insns_translated; /* guest instructions in those translations */
    u64 native_insns;       /* ... of which emitted natively (the rest call their handler) */
    u64 flushes;            /* whole-cache flushes (cache full, or decoded code dropped) */
    u64 invalidations;      /* translations dropped because their bytes were written */
    u64 chains;             /* direct jumps patched to their successor */
    u64 lookups;            /* exits that looked their next block up (dbt_lookup) */
    u64 lookups_direct;     /* ... of which direct jumps not (yet) chained */
    u64 code_bytes;         /* host code currently in the cache */
    u64 verify_blocks;      /* blocks run under the lockstep checker */
    u64 verify_unchecked;   /* ... of which not compared (a device saw them, or events were left pending) */
    double translate_seconds;
};

/* Is the translator built for this host? (x86-64 only) */
bool dbt_available(void);
/* cache_bytes: bound of the translation cache (0 = default). verify: the
 * lockstep checker. NULL on failure (no executable memory). */
struct dbt *dbt_new(struct cpu *c, size_t cache_bytes, bool verify);
void dbt_free(struct dbt *d);
/* Run up to max_insns guest instructions; as cpu_run. */
enum cpu_exit dbt_run(struct dbt *d, u64 max_insns);
/* Drop every translation (the CPU's state was replaced, e.g. reset). */
void dbt_flush(struct dbt *d);
/* Count the blocks run in c->blocks, as the interpreter counts its own (the
 * KVM policy's count of blocks in protected mode). While on, every
 * translated block runs alone from the dispatcher (no chaining, no lookup
 * of its successor), so that each is counted; off (the default), nothing
 * of this costs translated code anything. */
void dbt_count_blocks(struct dbt *d, bool on);
void dbt_get_stats(const struct dbt *d, struct dbt_stats *s);

#endif
