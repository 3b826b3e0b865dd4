/*
 * The canonical architectural state of one IA-32 CPU. Every engine (the
 * interpreter, the translator, KVM) reads and writes this format through the
 * vcpu interface; the debugger and the tests see nothing else. Pure data.
 */
#ifndef VD_CPU_STATE_H
#define VD_CPU_STATE_H
#include "base/types.h"

/* Segment descriptor cache ("hidden part"). attr uses the VMX access-rights
 * layout: bits 0-3 type, 4 S, 5-6 DPL, 7 P, 12 AVL, 13 L, 14 D/B, 15 G;
 * bit 16 set means "unusable" (null selector loaded in protected mode). */
struct seg {
    u16 sel;
    u32 base;
    u32 limit;   /* byte-granular (G already applied) */
    u32 attr;
};
#define SEG_ATTR_TYPE(a) ((a) & 0xf)
#define SEG_ATTR_S (1u << 4)
#define SEG_ATTR_DPL(a) (((a) >> 5) & 3)
#define SEG_ATTR_P (1u << 7)
#define SEG_ATTR_AVL (1u << 12)
#define SEG_ATTR_DB (1u << 14)
#define SEG_ATTR_G (1u << 15)
#define SEG_ATTR_UNUSABLE (1u << 16)
/* Convert between the attr layout and a descriptor's high dword (bits 8-23). */
static inline u32 seg_attr_from_desc_hi(u32 hi) { return ((hi >> 8) & 0xff) | (((hi >> 20) & 0xf) << 12); }

struct dtable { u32 base; u16 limit; };

enum { R_EAX, R_ECX, R_EDX, R_EBX, R_ESP, R_EBP, R_ESI, R_EDI };
enum { S_ES, S_CS, S_SS, S_DS, S_FS, S_GS };

/* EFLAGS bits */
enum {
    FL_CF = 1u << 0, FL_FIXED1 = 1u << 1, FL_PF = 1u << 2, FL_AF = 1u << 4, FL_ZF = 1u << 6,
    FL_SF = 1u << 7, FL_TF = 1u << 8, FL_IF = 1u << 9, FL_DF = 1u << 10, FL_OF = 1u << 11,
    FL_IOPL = 3u << 12, FL_NT = 1u << 14, FL_RF = 1u << 16, FL_VM = 1u << 17, FL_AC = 1u << 18,
    FL_VIF = 1u << 19, FL_VIP = 1u << 20, FL_ID = 1u << 21,
};
#define FL_ARITH (FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)

enum {
    CR0_PE = 1u << 0, CR0_MP = 1u << 1, CR0_EM = 1u << 2, CR0_TS = 1u << 3, CR0_ET = 1u << 4,
    CR0_NE = 1u << 5, CR0_WP = 1u << 16, CR0_AM = 1u << 18, CR0_NW = 1u << 29, CR0_CD = 1u << 30,
    CR0_PG = 1u << 31,
};
enum {
    CR4_VME = 1u << 0, CR4_PVI = 1u << 1, CR4_TSD = 1u << 2, CR4_DE = 1u << 3, CR4_PSE = 1u << 4,
    CR4_PAE = 1u << 5, CR4_MCE = 1u << 6, CR4_PGE = 1u << 7, CR4_PCE = 1u << 8,
    CR4_OSFXSR = 1u << 9, CR4_OSXMMEXCPT = 1u << 10,
};
#define EFER_NXE (1ull << 11)

/* Exception vectors */
enum {
    EXC_DE = 0, EXC_DB = 1, EXC_NMI = 2, EXC_BP = 3, EXC_OF = 4, EXC_BR = 5, EXC_UD = 6, EXC_NM = 7,
    EXC_DF = 8, EXC_TS = 10, EXC_NP = 11, EXC_SS = 12, EXC_GP = 13, EXC_PF = 14, EXC_MF = 16,
    EXC_AC = 17, EXC_MC = 18, EXC_XM = 19,
};

struct fpu_state {
    u16 fcw, fsw, ftw;       /* control, status, full tag word (2 bits per register) */
    u16 fop;
    u32 fip, fdp;
    u16 fcs, fds;
    u8 st[8][10];            /* physical registers R0..R7, 80-bit extended, little-endian */
    u8 xmm[8][16];
    u32 mxcsr;
};

struct cpu_state {
    u32 gpr[8];
    u32 eip;
    u32 eflags;              /* complete EFLAGS (engines materialize lazy flags on export) */
    struct seg seg[6];       /* ES CS SS DS FS GS */
    struct seg ldtr, tr;
    struct dtable gdtr, idtr;
    u32 cr0, cr2, cr3, cr4;
    u32 dr[8];               /* DR0-3, DR6 at [6], DR7 at [7]; [4],[5] unused */
    u64 efer;
    u64 tsc;                 /* time-stamp counter */
    u32 sysenter_cs, sysenter_esp, sysenter_eip;
    u64 apic_base;
    u64 pat;
    u64 mtrr[28];            /* MTRRs: 0-15 variable PhysBase/PhysMask pairs, 16-26 fixed
                              * (64K_00000, 16K_80000/A0000, 4K_C0000..F8000), 27 MTRRdefType */
    u64 perfevtsel[2];       /* P6 PERFEVTSEL0/1 */
    u64 perfctr[2];          /* P6 PERFCTR0/1 (40 bits; see pmu.c for the interpreter's encoding) */
    struct fpu_state fpu;
    /* Event state that must survive a switch of engine. */
    u8 cpl;
    u8 halted;               /* in HLT, waiting for an interrupt */
    u8 intr_shadow;          /* interrupts blocked for one instruction (STI / MOV SS) */
    u8 nmi_blocked;          /* between NMI delivery and the next IRET */
    u8 nmi_pending;
};

#endif
