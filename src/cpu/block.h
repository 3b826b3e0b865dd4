/*
 * The decoded-block cache. A block is a run of instructions decoded once
 * from consecutive bytes of one page: it ends after an instruction that may
 * change EIP non-sequentially, CS, the mode or the privilege level
 * (F_BRANCH) except a conditional near branch, before an instruction that
 * would cross the page end, or at BLOCK_MAX_INSNS. A taken conditional
 * branch leaves the block (the run loop sees EIP did not fall through).
 * The rule this rests on: a form that can load CS, change CPL or CS.D must
 * carry F_BRANCH in opcodes.def, and TLB invalidation must go through
 * mmu.c (which sets EV_BLOCK_END); anything else an instruction does is
 * seen by the next one in the same block as it would be without blocks. Each instruction carries the handler chosen for it at
 * decode time. Blocks are keyed by the host address of their first byte
 * and the code mode (CS.D), so two linear aliases of a physical page share
 * them and a remapped linear page finds the code it now maps.
 *
 * Blocks live in an arena that is emptied when it fills up. Blocks decoded
 * from RAM are also listed per RAM page, and a mask per page records which
 * 64-byte chunks hold decoded bytes: a write to such a chunk (self-modifying
 * code) drops the blocks it overlaps and sets EV_BLOCK_END so that the run
 * loop leaves the block in progress after the writing instruction.
 */
#ifndef VD_CPU_BLOCK_H
#define VD_CPU_BLOCK_H
#include "cpu/cpu.h"

#define BLOCK_MAX_INSNS 32
#define BLOCK_HASH_BITS 16

struct block_insn {
    cpu_handler fn;
    struct x86_insn in;
};

struct block {
    const u8 *key;              /* host address of the first byte; NULL once dropped */
    struct block *page_next;    /* the other blocks decoded from the same RAM page */
    u16 bytes;                  /* bytes covered by the instructions */
    u8 mode;                    /* X86_MODE_16/32 it was decoded for */
    u8 n;                       /* instructions, 1..BLOCK_MAX_INSNS */
    struct block_insn insn[];
};

struct block_cache {
    struct block *table[1u << BLOCK_HASH_BITS]; /* direct-mapped on the key */
    u8 *arena;
    size_t arena_used, arena_size;
    size_t ram_pages;
    struct block **page_head;   /* per RAM page: blocks decoded from it */
    u64 *code_chunks;           /* per RAM page: bit i = bytes 64i..64i+63 hold decoded code */
};

struct block_cache *block_cache_new(size_t ram_pages);
void block_cache_free(struct block_cache *bc);

static inline unsigned block_hash(const u8 *p)
{
    uintptr_t a = (uintptr_t)p;
    return (unsigned)((a ^ (a >> BLOCK_HASH_BITS)) & ((1u << BLOCK_HASH_BITS) - 1));
}

/* The cached block for host address p in `mode`, or NULL. */
static inline const struct block *block_find(const struct block_cache *bc, const u8 *p, u8 mode)
{
    const struct block *b = bc->table[block_hash(p)];
    return likely(b && b->key == p && b->mode == mode) ? b : NULL;
}

/* Decode a block from p (avail bytes to the end of its page) for linear
 * address lin (for the -d in_asm log). NULL when the first instruction does
 * not fit in the page; raises #GP(0) when it is longer than 15 bytes. */
const struct block *block_build(struct cpu *c, const u8 *p, size_t avail, u8 mode, u32 eip);

#endif
