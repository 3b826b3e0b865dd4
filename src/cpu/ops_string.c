/*
 * String instructions MOVS CMPS STOS LODS SCAS with REP/REPE/REPNE.
 * One handler per (operation, element size, address size, repeat kind),
 * chosen at decode time. Address size picks SI/DI/CX or ESI/EDI/ECX; the
 * source segment honours overrides, the destination is always ES.
 *
 * A repeated instruction commits each iteration (registers and memory)
 * before the next one, so a fault leaves the completed iterations done and
 * EIP at the instruction. At most STR_BATCH iterations run per call (one
 * while single-stepping or with DR7 breakpoints armed); then next_eip = eip
 * and the run loop re-executes it, which lets interrupts and traps in
 * between iterations as on hardware. Each call counts as an instruction, so
 * how many iterations a call runs depends only on architectural state (the
 * count, TF, DR7): never on the TLB's contents (which path runs), write
 * tracking or a debugger's breakpoints -- a snapshot restored or a replay
 * with other breakpoints retires the same counts.
 */
#include "cpu/debugreg.h"
#include "cpu/ops.h"

#define STR_BATCH 1024u

enum { ST_MOVS, ST_CMPS, ST_STOS, ST_LODS, ST_SCAS };
enum { REP_NONE, REP_E, REP_NE }; /* MOVS/STOS/LODS treat REP_NE as REP */

OPS_INLINE void idx_put(struct cpu *c, int r, u32 v, bool a32)
{
    if (a32) c->s.gpr[r] = v;
    else cpu_set_reg16(c, r, (u16)v);
}

/* Fast path of REP MOVS/STOS with DF = 0 and 32-bit addressing: one run of
 * elements that stays inside one page of the destination (and source),
 * done through the host pointers of present fast TLB entries (never code
 * pages, MMIO or watched pages). Returns the number of elements done; 0
 * when it cannot, and the element loop then does the next iteration, which
 * fills the TLB or raises the fault. Overlapping forward moves are copied
 * element by element, as the hardware's iterations would. */
OPS_INLINE u32 str_fast(struct cpu *c, const struct x86_insn *i, int op, unsigned sz, u32 cnt, u32 max)
{
    u32 di = c->s.gpr[R_EDI], ld = c->s.seg[S_ES].base + di;
    u32 n = (0x1000 - (ld & 0xfff)) / sz;
    const struct segcheck *k = &c->segchk[S_ES];
    const struct tlb_entry *ew = &c->tlbc->w[TLB_IDX(ld)];
    if (n > cnt) n = cnt;
    if (n > max) n = max;
    if (n == 0 || ew->tag != (ld & 0xfffff000u)) return 0;
    if (!(k->ok & SEGCHK_W) || di < k->lo || (u64)di + n * sz - 1 > k->hi) return 0;
    u8 *d = TLB_HOST(ew, ld);
    if (unlikely(c->write_log))
        for (u32 j = 0; j < n * sz; j += 4) c->write_log(c->write_log_opaque, d + j, n * sz - j < 4 ? n * sz - j : 4);
    if (op == ST_STOS) {
        u32 v = c->s.gpr[R_EAX];
        if (sz == 1) memset(d, (int)(v & 0xff), n);
        else if (sz == 2) for (u32 j = 0; j < n; j++) st16(d + 2 * j, (u16)v);
        else for (u32 j = 0; j < n; j++) st32(d + 4 * j, v);
    } else {
        u32 si = c->s.gpr[R_ESI], ls = c->s.seg[i->seg].base + si;
        u32 ns = (0x1000 - (ls & 0xfff)) / sz;
        const struct segcheck *ks = &c->segchk[i->seg];
        const struct tlb_entry *er = &c->tlbc->r[TLB_IDX(ls)];
        if (n > ns) n = ns;
        if (n == 0 || er->tag != (ls & 0xfffff000u)) return 0;
        if (!(ks->ok & SEGCHK_R) || si < ks->lo || (u64)si + n * sz - 1 > ks->hi) return 0;
        const u8 *s = TLB_HOST(er, ls);
        if (d > s && d < s + n * sz) {
            for (u32 j = 0; j < n; j++) {
                if (sz == 1) d[j] = s[j];
                else if (sz == 2) st16(d + 2 * j, ld16(s + 2 * j));
                else st32(d + 4 * j, ld32(s + 4 * j));
            }
        } else {
            memmove(d, s, n * sz);
        }
        c->s.gpr[R_ESI] = si + n * sz;
    }
    c->s.gpr[R_EDI] = di + n * sz;
    c->s.gpr[R_ECX] = cnt - n;
    return n;
}

OPS_INLINE void str_op(struct cpu *c, const struct x86_insn *i, int op, unsigned sz, bool a32, int rep)
{
    u32 am = a32 ? 0xffffffffu : 0xffffu;
    u32 step = (c->s.eflags & FL_DF) ? (u32)-(i32)sz : sz;
    u32 cnt = c->s.gpr[R_ECX] & am;
    unsigned n = STR_BATCH;
    if (rep && cnt == 0) return;
    bool fast = rep && a32 && (op == ST_MOVS || op == ST_STOS) && !(c->s.eflags & FL_DF);
    /* Single-step and debug-register traps come after every iteration on
     * hardware: then run one iteration per call. */
    if (unlikely(c->events & (EV_TF | EV_DEBUG)) && ((c->s.eflags & FL_TF) || cpu_dr_armed(c))) {
        n = 1;
        fast = false;
    }
    for (;;) {
        if (fast) {
            u32 done = str_fast(c, i, op, sz, cnt, n);
            if (done) {
                cnt -= done;
                if (cnt == 0) return;
                n -= done;
                if (n == 0) {
                    c->next_eip = c->s.eip; /* come back for the rest */
                    return;
                }
                continue;
            }
        }
        u32 si = c->s.gpr[R_ESI] & am, di = c->s.gpr[R_EDI] & am, a = 0, b = 0;
        switch (op) {
        case ST_MOVS:
            mem_put(c, S_ES, di, sz, mem_get(c, i->seg, si, sz));
            idx_put(c, R_ESI, si + step, a32);
            idx_put(c, R_EDI, di + step, a32);
            break;
        case ST_CMPS:
            a = mem_get(c, i->seg, si, sz);
            b = mem_get(c, S_ES, di, sz);
            lf_set(c, LF_SUB8 + lf_szidx(sz), (a - b) & sz_mask(sz), a, b);
            idx_put(c, R_ESI, si + step, a32);
            idx_put(c, R_EDI, di + step, a32);
            break;
        case ST_STOS:
            mem_put(c, S_ES, di, sz, reg_get(c, R_EAX, sz));
            idx_put(c, R_EDI, di + step, a32);
            break;
        case ST_LODS:
            reg_put(c, R_EAX, sz, mem_get(c, i->seg, si, sz));
            idx_put(c, R_ESI, si + step, a32);
            break;
        default: /* SCAS */
            a = reg_get(c, R_EAX, sz);
            b = mem_get(c, S_ES, di, sz);
            lf_set(c, LF_SUB8 + lf_szidx(sz), (a - b) & sz_mask(sz), a, b);
            idx_put(c, R_EDI, di + step, a32);
            break;
        }
        if (!rep) return;
        cnt = (cnt - 1) & am;
        idx_put(c, R_ECX, cnt, a32);
        if (cnt == 0) return;
        if (op == ST_CMPS || op == ST_SCAS) {
            if (rep == REP_E && a != b) return;
            if (rep == REP_NE && a == b) return;
        }
        if (--n == 0) {
            c->next_eip = c->s.eip; /* come back for the rest */
            return;
        }
    }
}

#define STR_H(N, OP, S, A, R) static HANDLER(h_##N##_##S##_##A##_##R) { str_op(c, i, OP, S, A, R); }
#define STR_HR(N, OP, S, A) STR_H(N, OP, S, A, 0) STR_H(N, OP, S, A, 1) STR_H(N, OP, S, A, 2)
#define STR_HS(N, OP, S) STR_HR(N, OP, S, 0) STR_HR(N, OP, S, 1)
#define STR_ALL(N, OP) STR_HS(N, OP, 1) STR_HS(N, OP, 2) STR_HS(N, OP, 4)
STR_ALL(movs, ST_MOVS)
STR_ALL(cmps, ST_CMPS)
STR_ALL(stos, ST_STOS)
STR_ALL(lods, ST_LODS)
STR_ALL(scas, ST_SCAS)

#define STR_TR(N, S, A) {h_##N##_##S##_##A##_0, h_##N##_##S##_##A##_1, h_##N##_##S##_##A##_2}
#define STR_TS(N, S) {STR_TR(N, S, 0), STR_TR(N, S, 1)}
#define STR_TAB(N) static const cpu_handler tab_##N[3][2][3] = {STR_TS(N, 1), STR_TS(N, 2), STR_TS(N, 4)};
STR_TAB(movs)
STR_TAB(cmps)
STR_TAB(stos)
STR_TAB(lods)
STR_TAB(scas)

static int rep_kind(const struct x86_insn *i)
{
    return (i->pfx & X86_PFX_REP) ? REP_E : (i->pfx & X86_PFX_REPNE) ? REP_NE : REP_NONE;
}
/* byte forms pass osize 1 */
static cpu_handler pick(const cpu_handler (*t)[2][3], const struct x86_insn *i, unsigned sz)
{
    return t[sz == 1 ? 0 : sz == 2 ? 1 : 2][i->asize == 4][rep_kind(i)];
}
#define STR_SEL(N) \
    static cpu_handler sel_##N##b(const struct x86_insn *i) { return pick(tab_##N, i, 1); } \
    static cpu_handler sel_##N##v(const struct x86_insn *i) { return pick(tab_##N, i, i->osize); }
STR_SEL(movs)
STR_SEL(cmps)
STR_SEL(stos)
STR_SEL(lods)
STR_SEL(scas)

void ops_string_init(void)
{
    cpu_register_selector(X86_OP_MOVSB, sel_movsb);
    cpu_register_selector(X86_OP_MOVSV, sel_movsv);
    cpu_register_selector(X86_OP_CMPSB, sel_cmpsb);
    cpu_register_selector(X86_OP_CMPSV, sel_cmpsv);
    cpu_register_selector(X86_OP_STOSB, sel_stosb);
    cpu_register_selector(X86_OP_STOSV, sel_stosv);
    cpu_register_selector(X86_OP_LODSB, sel_lodsb);
    cpu_register_selector(X86_OP_LODSV, sel_lodsv);
    cpu_register_selector(X86_OP_SCASB, sel_scasb);
    cpu_register_selector(X86_OP_SCASV, sel_scasv);
}
