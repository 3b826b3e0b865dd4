/*
 * System instructions: descriptor-table registers (LGDT/LIDT/SGDT/SIDT),
 * machine status word, control and debug registers, TLB and cache control,
 * MSRs, time-stamp and performance counters, CPUID, RSM (the x87 escapes
 * are in fpu.c). Privileged forms raise #GP(0) at CPL > 0 and in
 * virtual-8086 mode (CPL 3 there).
 */
#include "cpu/dispatch.h"
#include "cpu/cpu_mem.h"
#include "cpu/sys.h"
#include "cpu/debugreg.h"
#include "cpu/flags.h"
#include "base/log.h"

void cpu_need_cpl0(struct cpu *c)
{
    if (c->s.cpl != 0 || cpu_v86(c)) cpu_raise(c, EXC_GP, 0);
}

/* ---- control registers ---- */
#define CR0_VALID (CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_NE | CR0_WP | CR0_AM | CR0_NW | CR0_CD | CR0_PG)
#define CR4_VALID (CR4_VME | CR4_PVI | CR4_TSD | CR4_DE | CR4_PSE | CR4_PAE | CR4_PGE | CR4_PCE | CR4_OSFXSR | CR4_OSXMMEXCPT)

void cpu_write_cr0(struct cpu *c, u32 v)
{
    /* reserved bits of CR0 are ignored on writes; ET is hardwired to 1 */
    v = (v & CR0_VALID) | CR0_ET;
    if (((v & CR0_PG) && !(v & CR0_PE)) || ((v & CR0_NW) && !(v & CR0_CD))) cpu_raise(c, EXC_GP, 0);
    u32 old = c->s.cr0;
    /* PAE paging in use afterwards: PG, CD or NW changes reload the PDPTEs (SDM 4.4.1) */
    if ((v & CR0_PG) && (c->s.cr4 & CR4_PAE) && ((old ^ v) & (CR0_PG | CR0_CD | CR0_NW)) &&
        !cpu_pg_load_pdptes(c, c->s.cr3))
        cpu_raise(c, EXC_GP, 0);
    c->s.cr0 = v;
    if ((old ^ v) & (CR0_PG | CR0_WP | CR0_PE)) cpu_tlb_flush(c, true);
    if ((old ^ v) & CR0_PE)
        for (int s = 0; s < 6; s++) cpu_seg_recompute(c, s);
}

void cpu_write_cr3(struct cpu *c, u32 v)
{
    if ((c->s.cr0 & CR0_PG) && (c->s.cr4 & CR4_PAE) && !cpu_pg_load_pdptes(c, v)) cpu_raise(c, EXC_GP, 0);
    c->s.cr3 = v;
    cpu_tlb_flush(c, false);
}

void cpu_write_cr4(struct cpu *c, u32 v)
{
    if (v & ~CR4_VALID) cpu_raise(c, EXC_GP, 0);
    u32 old = c->s.cr4;
    /* PAE paging in use afterwards: PAE, PGE or PSE changes reload the PDPTEs */
    if ((c->s.cr0 & CR0_PG) && (v & CR4_PAE) && ((old ^ v) & (CR4_PAE | CR4_PGE | CR4_PSE)) &&
        !cpu_pg_load_pdptes(c, c->s.cr3))
        cpu_raise(c, EXC_GP, 0);
    c->s.cr4 = v;
    if ((old ^ v) & (CR4_PGE | CR4_PAE | CR4_PSE)) cpu_tlb_flush(c, true);
}

static HANDLER(mov_rd_cd)
{
    u32 v;
    switch (i->reg) {
    case 0: v = c->s.cr0; break;
    case 2: v = c->s.cr2; break;
    case 3: v = c->s.cr3; break;
    case 4: v = c->s.cr4; break;
    default: cpu_raise_ne(c, EXC_UD);
    }
    cpu_need_cpl0(c);
    c->s.gpr[i->rm] = v;
}

static HANDLER(mov_cd_rd)
{
    if (i->reg == 1 || i->reg > 4) cpu_raise_ne(c, EXC_UD);
    cpu_need_cpl0(c);
    u32 v = c->s.gpr[i->rm];
    switch (i->reg) {
    case 0: cpu_write_cr0(c, v); break;
    case 2: c->s.cr2 = v; break;
    case 3: cpu_write_cr3(c, v); break;
    case 4: cpu_write_cr4(c, v); break;
    }
}

static HANDLER(mov_rd_dd) { c->s.gpr[i->rm] = cpu_dr_mov_from(c, i->reg); }
static HANDLER(mov_dd_rd) { cpu_dr_mov_to(c, i->reg, c->s.gpr[i->rm]); }

static HANDLER(clts)
{
    cpu_need_cpl0(c);
    c->s.cr0 &= ~CR0_TS;
}

/* ---- machine status word ---- */
static HANDLER(smsw_r)
{
    if (i->osize == 4) c->s.gpr[i->rm] = c->s.cr0;
    else cpu_set_reg16(c, i->rm, (u16)c->s.cr0);
}
static HANDLER(smsw_m) { cpu_wr16(c, i->seg, cpu_ea(c, i), (u16)c->s.cr0); }

static void lmsw(struct cpu *c, u16 v)
{
    cpu_need_cpl0(c);
    /* loads PE MP EM TS; PE can be set but not cleared */
    u32 cr0 = (c->s.cr0 & ~(u32)(CR0_MP | CR0_EM | CR0_TS)) | (v & (CR0_PE | CR0_MP | CR0_EM | CR0_TS));
    cpu_write_cr0(c, cr0);
}
static HANDLER(lmsw_r) { lmsw(c, cpu_reg16(c, i->rm)); }
static HANDLER(lmsw_m) { lmsw(c, cpu_rd16(c, i->seg, cpu_ea(c, i))); }

/* ---- descriptor-table registers ---- */
static u32 ea_plus(const struct x86_insn *i, u32 off, u32 n) { return i->asize == 2 ? (off + n) & 0xffff : off + n; }

static void load_dt(struct cpu *c, const struct x86_insn *i, struct dtable *dt)
{
    cpu_need_cpl0(c);
    u32 off = cpu_ea(c, i);
    u16 limit = cpu_rd16(c, i->seg, off);
    u32 base = cpu_rd32(c, i->seg, ea_plus(i, off, 2));
    if (i->osize == 2) base &= 0xffffff;
    dt->limit = limit;
    dt->base = base;
}
static HANDLER(lgdt) { load_dt(c, i, &c->s.gdtr); }
static HANDLER(lidt) { load_dt(c, i, &c->s.idtr); }

static void store_dt(struct cpu *c, const struct x86_insn *i, const struct dtable *dt)
{
    u32 off = cpu_ea(c, i);
    /* check both parts before writing either (precise exceptions) */
    u32 lin = cpu_seg_lin(c, i->seg, off, 2, SEGCHK_W);
    u32 lin2 = cpu_seg_lin(c, i->seg, ea_plus(i, off, 2), 4, SEGCHK_W);
    cpu_probe_write(c, lin, 2);
    cpu_probe_write(c, lin2, 4);
    /* 16-bit operand size stores a 24-bit base and a zero sixth byte (P6) */
    cpu_lwr16(c, lin, dt->limit);
    cpu_lwr32(c, lin2, i->osize == 2 ? dt->base & 0xffffff : dt->base);
}
static HANDLER(sgdt) { store_dt(c, i, &c->s.gdtr); }
static HANDLER(sidt) { store_dt(c, i, &c->s.idtr); }

/* ---- TLB and caches ---- */
static HANDLER(invlpg)
{
    cpu_need_cpl0(c);
    cpu_tlb_invlpg(c, c->s.seg[i->seg].base + cpu_ea(c, i));
}
static HANDLER(invd) { cpu_need_cpl0(c); }

/* ---- MSRs, counters, identification ---- */
static HANDLER(rdmsr)
{
    cpu_need_cpl0(c);
    u64 v;
    if (!cpu_msr_read(c, c->s.gpr[R_ECX], &v)) {
        VD_LOG(LOG_GUEST_ERRORS, "rdmsr 0x%x: #GP\n", c->s.gpr[R_ECX]);
        cpu_raise(c, EXC_GP, 0);
    }
    c->s.gpr[R_EAX] = (u32)v;
    c->s.gpr[R_EDX] = (u32)(v >> 32);
}

static HANDLER(wrmsr)
{
    cpu_need_cpl0(c);
    u64 v = (u64)c->s.gpr[R_EDX] << 32 | c->s.gpr[R_EAX];
    if (!cpu_msr_write(c, c->s.gpr[R_ECX], v)) {
        VD_LOG(LOG_GUEST_ERRORS, "wrmsr 0x%x <- 0x%llx: #GP\n", c->s.gpr[R_ECX], (unsigned long long)v);
        cpu_raise(c, EXC_GP, 0);
    }
}

static HANDLER(rdtsc)
{
    if ((c->s.cr4 & CR4_TSD) && (c->s.cpl != 0 || cpu_v86(c))) cpu_raise(c, EXC_GP, 0);
    u64 t = cpu_tsc(c);
    c->s.gpr[R_EAX] = (u32)t;
    c->s.gpr[R_EDX] = (u32)(t >> 32);
}

static HANDLER(rdpmc)
{
    if (!(c->s.cr4 & CR4_PCE) && (c->s.cpl != 0 || cpu_v86(c))) cpu_raise(c, EXC_GP, 0);
    if (c->s.gpr[R_ECX] > 1) cpu_raise(c, EXC_GP, 0);
    u64 v = cpu_pmc_read(c, c->s.gpr[R_ECX]);
    c->s.gpr[R_EAX] = (u32)v;
    c->s.gpr[R_EDX] = (u32)(v >> 32);
}

static HANDLER(cpuid)
{
    u32 r[4];
    cpu_cpuid(c, c->s.gpr[R_EAX], c->s.gpr[R_ECX], r);
    c->s.gpr[R_EAX] = r[0];
    c->s.gpr[R_EBX] = r[1];
    c->s.gpr[R_ECX] = r[2];
    c->s.gpr[R_EDX] = r[3];
}

/* There is no SMM: RSM is undefined outside it. */
static HANDLER(rsm) { cpu_raise_ne(c, EXC_UD); }

void cpu_ops_sys_init(void)
{
    cpu_register1(X86_OP_MOV_RdCd, mov_rd_cd);
    cpu_register1(X86_OP_MOV_CdRd, mov_cd_rd);
    cpu_register1(X86_OP_MOV_RdDd, mov_rd_dd);
    cpu_register1(X86_OP_MOV_DdRd, mov_dd_rd);
    cpu_register1(X86_OP_CLTS, clts);
    cpu_register(X86_OP_SMSW_Ev, smsw_r, smsw_m, smsw_r, smsw_m);
    cpu_register(X86_OP_LMSW_Ew, lmsw_r, lmsw_m, lmsw_r, lmsw_m);
    cpu_register1(X86_OP_LGDT_Ms, lgdt);
    cpu_register1(X86_OP_LIDT_Ms, lidt);
    cpu_register1(X86_OP_SGDT_Ms, sgdt);
    cpu_register1(X86_OP_SIDT_Ms, sidt);
    cpu_register1(X86_OP_INVLPG_M, invlpg);
    cpu_register1(X86_OP_INVD, invd);
    cpu_register1(X86_OP_WBINVD, invd);
    cpu_register1(X86_OP_RDMSR, rdmsr);
    cpu_register1(X86_OP_WRMSR, wrmsr);
    cpu_register1(X86_OP_RDTSC, rdtsc);
    cpu_register1(X86_OP_RDPMC, rdpmc);
    cpu_register1(X86_OP_CPUID, cpuid);
    cpu_register1(X86_OP_RSM, rsm);
}
