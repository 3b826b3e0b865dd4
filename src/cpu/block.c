/*
 * The decoded-block cache (block.h): decoding, lookup structures, and the
 * self-modifying-code bookkeeping behind cpu_invalidate_host.
 */
#include "cpu/block.h"
#include "cpu/cpu_mem.h"
#include "base/log.h"
#include <stdlib.h>

#define ARENA_SIZE (16u << 20)
#define CHUNK_SHIFT 6 /* 64-byte chunks */

struct block_cache *block_cache_new(size_t ram_pages)
{
    struct block_cache *bc = calloc(1, sizeof(*bc));
    if (!bc) return NULL;
    bc->ram_pages = ram_pages;
    bc->arena_size = ARENA_SIZE;
    bc->arena = malloc(ARENA_SIZE);
    bc->page_head = calloc(ram_pages + 1, sizeof(*bc->page_head));
    bc->code_chunks = calloc(ram_pages + 1, sizeof(*bc->code_chunks));
    if (!bc->arena || !bc->page_head || !bc->code_chunks) {
        block_cache_free(bc);
        return NULL;
    }
    return bc;
}

void block_cache_free(struct block_cache *bc)
{
    if (!bc) return;
    free(bc->arena);
    free(bc->page_head);
    free(bc->code_chunks);
    free(bc);
}

/* Drop every block. Blocks in the arena stay readable until the next
 * build, so a handler may call this in the middle of a block. */
void cpu_dcache_flush(struct cpu *c)
{
    struct block_cache *bc = c->bc;
    memset(bc->table, 0, sizeof(bc->table));
    memset(bc->page_head, 0, bc->ram_pages * sizeof(*bc->page_head));
    memset(bc->code_chunks, 0, bc->ram_pages * sizeof(*bc->code_chunks));
    bc->arena_used = 0;
    __atomic_or_fetch(&c->events, EV_BLOCK_END, __ATOMIC_RELAXED);
    if (c->code_flush_hook) c->code_flush_hook(c->code_hook_opaque);
}

/* RAM page index of a host pointer, or -1 if it is not RAM (ROM needs no tracking). */
static inline long ram_page(const struct cpu *c, const u8 *p)
{
    if (p < c->bus.ram || p >= c->bus.ram + c->bus.ram_size) return -1;
    return (long)((size_t)(p - c->bus.ram) >> 12);
}

bool cpu_is_code_page(const struct cpu *c, const u8 *host)
{
    long pg = ram_page(c, host);
    return pg >= 0 && c->bc->code_chunks[pg];
}

/* Chunk mask of bytes [off, off + len) of a page (len >= 1, within the page). */
static inline u64 chunk_mask(unsigned off, unsigned len)
{
    unsigned first = off >> CHUNK_SHIFT, last = (off + len - 1) >> CHUNK_SHIFT;
    u64 upto = last == 63 ? ~0ull : (2ull << last) - 1;
    return upto & ~((1ull << first) - 1);
}

void cpu_invalidate_host(struct cpu *c, const u8 *host, size_t len)
{
    struct block_cache *bc = c->bc;
    if (len == 0) return;
    long pg = ram_page(c, host);
    if (pg < 0) { /* not RAM (a debugger write to ROM): no page lists to consult */
        cpu_dcache_flush(c);
        return;
    }
    /* one page at a time */
    size_t off = (size_t)(host - c->bus.ram) & 0xfff;
    if (off + len > 0x1000) {
        size_t first = 0x1000 - off;
        cpu_invalidate_host(c, host + first, len - first);
        len = first;
    }
    if (!(bc->code_chunks[pg] & chunk_mask((unsigned)off, (unsigned)len))) return;
    if (c->code_inval_hook) c->code_inval_hook(c->code_hook_opaque, host, len);
    const u8 *end = host + len;
    for (struct block **pp = &bc->page_head[pg]; *pp;) {
        struct block *b = *pp;
        if (b->key && b->key < end && b->key + b->bytes > host) {
            struct block **t = &bc->table[block_hash(b->key)];
            if (*t == b) *t = NULL;
            b->key = NULL;
        }
        if (!b->key) *pp = b->page_next; /* unlink dropped and replaced blocks */
        else pp = &b->page_next;
    }
    __atomic_or_fetch(&c->events, EV_BLOCK_END, __ATOMIC_RELAXED);
}

/* Mark [host, host+len) (within one page) as code. The first code on a RAM
 * page sends write-TLB entries that map it to the slow path, which calls
 * cpu_invalidate_host. Returns the RAM page, or -1 (not RAM: no tracking). */
static long mark_code(struct cpu *c, const u8 *host, unsigned len)
{
    long pg = ram_page(c, host);
    if (pg < 0) return -1;
    struct block_cache *bc = c->bc;
    unsigned off = (unsigned)((size_t)(host - c->bus.ram) & 0xfff);
    if (!bc->code_chunks[pg]) cpu_tlb_drop_host_writes(c, c->bus.ram + ((size_t)pg << 12));
    bc->code_chunks[pg] |= chunk_mask(off, len);
    return pg;
}

void cpu_code_mark(struct cpu *c, const u8 *host, unsigned len) { mark_code(c, host, len); }

static void note_code(struct cpu *c, struct block *b)
{
    long pg = mark_code(c, b->key, b->bytes);
    if (pg < 0) return;
    struct block_cache *bc = c->bc;
    b->page_next = bc->page_head[pg];
    bc->page_head[pg] = b;
}

/* Does the block end after this instruction? After any F_BRANCH form but
 * the conditional near branches: when one is taken the run loop sees that
 * EIP did not fall through and leaves the block there; when it is not,
 * the block goes on with the next instruction. */
static bool ends_block(const struct x86_insn *in)
{
    switch (in->op) {
    case X86_OP_JCC_Jb:
    case X86_OP_JCC_Jz:
    case X86_OP_LOOPNE_Jb:
    case X86_OP_LOOPE_Jb:
    case X86_OP_LOOP_Jb:
    case X86_OP_JCXZ_Jb:
        return false;
    case X86_OP_UD:
        return true;
    default:
        return x86_forms[in->op].flags & F_BRANCH;
    }
}

static void log_insn(struct cpu *c, const struct x86_insn *in, u32 eip)
{
    char buf[96];
    x86_format(in, eip, buf, sizeof(buf));
    vd_logf("%04x:%08x  %s\n", c->s.seg[S_CS].sel, eip, buf);
}

const struct block *block_build(struct cpu *c, const u8 *p, size_t avail, u8 mode, u32 eip)
{
    struct block_cache *bc = c->bc;
    size_t need = sizeof(struct block) + BLOCK_MAX_INSNS * sizeof(struct block_insn);
    if (bc->arena_used + need > bc->arena_size) cpu_dcache_flush(c);
    struct block *b = (struct block *)(bc->arena + bc->arena_used);
    size_t off = 0;
    unsigned n = 0;
    while (n < BLOCK_MAX_INSNS) {
        struct block_insn *x = &b->insn[n];
        int len = x86_decode(p + off, avail - off, (enum x86_mode)mode, &x->in);
        if (len <= 0) {
            /* the first instruction decides: too long is #GP(0); one that
             * does not fit in the page goes the slow way */
            if (n == 0 && len == X86_DEC_TOOLONG) cpu_raise(c, EXC_GP, 0);
            break;
        }
        x->fn = cpu_select_handler(&x->in);
        if (vd_log_enabled(LOG_IN_ASM)) log_insn(c, &x->in, eip + (u32)off);
        off += (size_t)len;
        n++;
        if (ends_block(&x->in)) break;
    }
    if (n == 0) return NULL;
    b->key = p;
    b->mode = mode;
    b->n = (u8)n;
    b->bytes = (u16)off;
    b->page_next = NULL;
    bc->arena_used += (sizeof(struct block) + n * sizeof(struct block_insn) + 15) & ~(size_t)15;
    struct block **t = &bc->table[block_hash(p)];
    if (*t) (*t)->key = NULL; /* replaced: dead (page lists unlink it lazily) */
    *t = b;
    note_code(c, b);
    return b;
}
