/*
 * x87 rules the host comparison cannot reach: CR0.EM/TS/MP (#NM), the
 * CR0.NE=0 path (FERR# asserted by the next waiting instruction, which
 * freezes until IGNNE# or a clear ES; no-wait forms never wait), precise
 * memory faults (a faulting FSTP/FLD/FRSTOR changes nothing), and the
 * pointer registers with prefixes and segment overrides. Expected values
 * come from the SDM (vol. 1 ch. 8, vol. 3 2.5 and 9.2).
 */
#include "test_ops_util.h"
#include "cpu/fpu.h"

static int ferr_calls, ferr_level;
static bool ignne_pin;
static void on_ferr(void *o, bool level) { (void)o; ferr_calls++; ferr_level = level; }
static bool on_ignne(void *o) { (void)o; return ignne_pin; }

static void fpu_reset(void)
{
    tv_reset();
    tv->s.cr0 = (tv->s.cr0 & ~(CR0_EM | CR0_TS | CR0_MP)) | CR0_NE;
    fpu_init_state(&tv->s.fpu);
    tv->fpu_ferr = NULL;
    tv->fpu_ignne = NULL;
    ferr_calls = ferr_level = 0;
    ignne_pin = false;
}

/* FLD1; FLDZ; FDIV ST1, ST0 with ZE unmasked: ES pending */
static void make_pending(void)
{
    fpu_init_state(&tv->s.fpu);
    tv->s.fpu.fcw = 0x037b;
    CHECK_EQ(TV_RUN(3, 0xd9, 0xe8, 0xd9, 0xee, 0xdc, 0xf9), 0);
    CHECK_EQ(tv->s.fpu.fsw, 0xb084);
}

TEST(fpu_nm_rules)
{
    fpu_reset();
    tv->s.cr0 |= CR0_EM;
    CHECK_EQ(TV_RUN(1, 0xd9, 0xe8), 1 + EXC_NM);          /* FLD1 */
    CHECK_EQ(TV_RUN(1, 0xdb, 0xe3), 1 + EXC_NM);          /* FNINIT */
    CHECK_EQ(TV_RUN(1, 0xd9, 0xd1), 1 + EXC_NM);          /* undefined escape: #NM first */
    CHECK_EQ(TV_RUN(1, 0x9b), 0);                         /* WAIT ignores EM */
    tv->s.cr0 = (tv->s.cr0 & ~CR0_EM) | CR0_TS;
    CHECK_EQ(TV_RUN(1, 0xd8, 0xc1), 1 + EXC_NM);
    CHECK_EQ(TV_RUN(1, 0x9b), 0);                         /* WAIT: TS without MP */
    tv->s.cr0 |= CR0_MP;
    CHECK_EQ(TV_RUN(1, 0x9b), 1 + EXC_NM);
    tv->s.cr0 &= ~CR0_TS;
    CHECK_EQ(TV_RUN(1, 0xd9, 0xd1), 1 + EXC_UD);
    CHECK_EQ(TV_RUN(1, 0xdd, 0x0b), 1 + EXC_UD);          /* FISTTP m64: SSE3, not on a P6 */
}

TEST(fpu_mf_ne1)
{
    fpu_reset();
    make_pending();
    CHECK_EQ(TV_RUN(1, 0xdf, 0xe0), 0);                   /* FNSTSW AX: no wait */
    CHECK_EQ(tv_r()[R_EAX] & 0xffff, 0xb084);
    CHECK_EQ(TV_RUN(1, 0xd9, 0xe8), 1 + EXC_MF);          /* FLD1 waits */
    CHECK_EQ(tv_fault_eip(false), TV_CODE);
    CHECK_EQ(tv->s.fpu.fsw, 0xb084);                      /* and did not run */
    tv->s.gpr[R_ESP] = TV_STACK;
    CHECK_EQ(TV_RUN(1, 0xd9, 0x2d, 0, 0, 0x10, 0), 1 + EXC_MF); /* FLDCW waits too */
    tv->s.gpr[R_ESP] = TV_STACK;
    CHECK_EQ(TV_RUN(1, 0xdb, 0xe2), 0);                   /* FNCLEX */
    CHECK_EQ(TV_RUN(1, 0x9b), 0);
}

TEST(fpu_ferr_ne0)
{
    fpu_reset();
    tv->s.cr0 &= ~CR0_NE;
    make_pending();
    /* no FERR# wiring: runs on as if IGNNE# were asserted */
    CHECK_EQ(TV_RUN(1, 0x9b), 0);
    tv->fpu_ferr = on_ferr;
    tv->fpu_ignne = on_ignne;
    tv->s.eip = TV_CODE;
    memcpy(tv_ram + TV_CODE, (const u8[]){0x9b, 0x90}, 2);
    cpu_invalidate_host(tv, tv_ram + TV_CODE, 2);
    cpu_run(tv, 3);
    CHECK_EQ(tv->s.eip, TV_CODE);                        /* frozen on the WAIT */
    CHECK(ferr_calls >= 1 && ferr_level == 1);
    ignne_pin = true;                                    /* port 0xF0 */
    cpu_run(tv, 1);
    CHECK_EQ(tv->s.eip, TV_CODE + 1);
    CHECK_EQ(tv->s.fpu.fsw & FSW_ES, FSW_ES);            /* still pending */
    CHECK_EQ(TV_RUN(1, 0xdb, 0xe2), 0);                   /* FNCLEX ends FERR# */
    CHECK_EQ(ferr_level, 0);
    /* the no-wait forms never wait */
    ignne_pin = false;
    make_pending();
    ferr_calls = 0;
    CHECK_EQ(TV_RUN(1, 0xdf, 0xe0), 0);
    CHECK_EQ(TV_RUN(1, 0xdd, 0x35, 0, 0, 0x10, 0), 0);     /* FNSAVE: then initialized */
    CHECK_EQ(ferr_calls, 1);
    CHECK_EQ(ferr_level, 0);
    CHECK_EQ(tv->s.fpu.fcw, 0x037f);
}

/* A memory operand that faults leaves the FPU as it was. */
TEST(fpu_precise_faults)
{
    fpu_reset();
    CHECK_EQ(TV_RUN(2, 0xd9, 0xe8, 0xd9, 0xeb), 0);       /* FLD1; FLDPI */
    struct fpu_state before = tv->s.fpu;
    /* DS limit 0x100005: a 10-byte access at 0x100000 crosses it */
    tv->s.seg[S_DS].limit = 0x100005;
    cpu_seg_recompute(tv, S_DS);
    tv->s.gpr[R_EBX] = 0x100000;
    CHECK_EQ(TV_RUN(1, 0xdb, 0x3b), 1 + EXC_GP);          /* FSTP m80 [ebx] */
    CHECK(!memcmp(&tv->s.fpu, &before, sizeof(before)));
    tv->s.gpr[R_ESP] = TV_STACK;
    CHECK_EQ(TV_RUN(1, 0xdb, 0x2b), 1 + EXC_GP);          /* FLD m80 */
    CHECK(!memcmp(&tv->s.fpu, &before, sizeof(before)));
    tv->s.gpr[R_ESP] = TV_STACK;
    CHECK_EQ(TV_RUN(1, 0xdd, 0x23), 1 + EXC_GP);          /* FRSTOR */
    CHECK(!memcmp(&tv->s.fpu, &before, sizeof(before)));
    tv->s.gpr[R_ESP] = TV_STACK;
    CHECK_EQ(TV_RUN(1, 0xdd, 0x33), 1 + EXC_GP);          /* FNSAVE: no partial image, no init */
    CHECK(!memcmp(&tv->s.fpu, &before, sizeof(before)));
    CHECK_EQ(ld32(tv_ram + 0x100000), 0);
}

/* FIP is the first prefix byte; FDS names the override. */
TEST(fpu_pointers)
{
    fpu_reset();
    tv->s.seg[S_FS].sel = 0x10;
    tv->s.gpr[R_EBX] = 0x100000;
    st32(tv_ram + 0x100000, 0x3fc00000);
    CHECK_EQ(TV_RUN(1, 0x64, 0x66, 0xd9, 0x03), 0);       /* FS: o16 FLD dword [ebx] */
    CHECK_EQ(tv->s.fpu.fip, TV_CODE);
    CHECK_EQ(tv->s.fpu.fcs, 0x08);
    CHECK_EQ(tv->s.fpu.fop, 0x103);
    CHECK_EQ(tv->s.fpu.fdp, 0x100000);
    CHECK_EQ(tv->s.fpu.fds, 0x10);
    tv->s.seg[S_FS].sel = 0x33;                           /* the selector as loaded */
    CHECK_EQ(TV_RUN(1, 0x64, 0xd8, 0x03), 0);             /* FADD dword fs:[ebx] */
    CHECK_EQ(tv->s.fpu.fds, 0x33);
    CHECK_EQ(TV_RUN(1, 0xd9, 0xe1), 0);                   /* FABS: pointers to it, FDP kept */
    CHECK_EQ(tv->s.fpu.fop, 0x1e1);
    CHECK_EQ(tv->s.fpu.fds, 0x33);
    CHECK_EQ(TV_RUN(1, 0xd9, 0x3b), 0);                   /* FNSTCW: control, no change */
    CHECK_EQ(tv->s.fpu.fop, 0x1e1);
}

int main(void)
{
    RUN(fpu_nm_rules);
    RUN(fpu_mf_ne1);
    RUN(fpu_ferr_ne0);
    RUN(fpu_precise_faults);
    RUN(fpu_pointers);
    return test_summary();
}
