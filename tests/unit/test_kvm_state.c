/*
 * State transfer between the engines: random architectural states go
 * emulator -> KVM -> emulator and must come back exactly (every field of
 * struct cpu_state: registers, EFLAGS, segments with their hidden parts,
 * CR0/2/3/4, DR0-7, EFER, SYSENTER, PAT, MTRRs, TSC, the x87/SSE image,
 * interrupt shadow, NMI state, HLT). The states are ones a CPU can be in:
 * protected mode (real mode never goes to KVM), consistent segment
 * attributes, valid memory types, x87 tags that match their registers (a
 * real CPU keeps only the abridged tags). SKIPs without a usable /dev/kvm.
 */
#include "test.h"
#include "accel/vcpu.h"
#include "accel/kvm.h"
#include "cpu/fpu.h"

static u64 rng = 0x9e3779b97f4a7c15ull;
static u64 rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}
static u32 r32(void) { return (u32)rnd(); }
static u32 pick(const u32 *v, int n) { return v[rnd() % (u64)n]; }

static struct seg rand_seg(bool code, u32 dpl)
{
    struct seg s;
    bool g = rnd() & 1;
    s.limit = g ? (r32() | 0xfff) : (r32() & 0xfffff);
    s.base = r32();
    s.sel = (u16)((r32() & 0xfff8) | dpl);
    static const u32 ct[] = {0x9, 0xb, 0xf, 0xd}, dt[] = {0x1, 0x3, 0x5, 0x7};
    u32 type = code ? pick(ct, 2) : pick(dt, 4);
    s.attr = type | SEG_ATTR_S | (dpl << 5) | SEG_ATTR_P | (rnd() & 1 ? SEG_ATTR_DB : 0) | (g ? SEG_ATTR_G : 0) |
             (rnd() & 1 ? SEG_ATTR_AVL : 0);
    return s;
}

static u64 mem_type(void)
{
    static const u32 t[] = {0, 1, 4, 5, 6};
    return pick(t, 5);
}

static void rand_state(struct cpu_state *s)
{
    memset(s, 0, sizeof(*s));
    for (int i = 0; i < 8; i++) s->gpr[i] = r32();
    s->eip = r32();
    u32 cpl = rnd() % 4;
    s->eflags = FL_FIXED1 | (r32() & (FL_ARITH | FL_TF | FL_IF | FL_DF | FL_IOPL | FL_NT | FL_AC | FL_ID));
    s->eflags &= ~FL_TF; /* a trap due at the next boundary is not state either engine keeps apart from TF itself */
    for (int i = 0; i < 6; i++) s->seg[i] = rand_seg(i == S_CS, i == S_CS || i == S_SS ? cpl : rnd() % 4);
    s->seg[S_SS].attr = (s->seg[S_SS].attr & ~0xfu) | (rnd() & 1 ? 3 : 7);
    for (int i = 0; i < 6; i++)
        if (i != S_CS && i != S_SS && !(rnd() % 4)) s->seg[i] = (struct seg){.sel = (u16)(rnd() % 4), .attr = SEG_ATTR_UNUSABLE};
    s->ldtr = (struct seg){(u16)(r32() & 0xfff8), r32(), r32() & 0xfffff, 0x82};
    s->tr = (struct seg){(u16)(r32() & 0xfff8), r32(), r32() & 0xfffff, 0x8b};
    s->gdtr = (struct dtable){r32(), (u16)r32()};
    s->idtr = (struct dtable){r32(), (u16)r32()};
    s->cr0 = CR0_PE | CR0_ET | (r32() & (CR0_MP | CR0_EM | CR0_TS | CR0_NE | CR0_WP | CR0_AM));
    if (rnd() & 1) s->cr0 |= CR0_CD | (rnd() & 1 ? CR0_NW : 0);
    s->cr2 = r32();
    s->cr3 = r32() & 0xfffff018u;
    s->cr4 = r32() & (CR4_VME | CR4_PVI | CR4_TSD | CR4_DE | CR4_PSE | CR4_PAE | CR4_MCE | CR4_PGE | CR4_PCE |
                      CR4_OSFXSR | CR4_OSXMMEXCPT);
    for (int i = 0; i < 4; i++) s->dr[i] = r32();
    s->dr[6] = 0xffff0ff0u | (r32() & 0xe00f);
    s->dr[7] = 0x400 | (r32() & 0x23ff);
    for (int i = 0; i < 4; i++) {
        u32 rw = pick((const u32[]){0, 1, 3}, 3), len = pick((const u32[]){0, 1, 3}, 3);
        s->dr[7] |= (rw << (16 + 4 * i)) | (len << (18 + 4 * i));
    }
    s->efer = rnd() & 1 ? EFER_NXE : 0;
    s->tsc = rnd() >> 16;
    s->sysenter_cs = r32() & 0xffff;
    s->sysenter_esp = r32();
    s->sysenter_eip = r32();
    s->apic_base = 0xfee00000ull | 0x100 | (rnd() & 1 ? 0x800 : 0);
    for (int i = 0; i < 8; i++) s->pat |= (u64)pick((const u32[]){0, 1, 4, 5, 6, 7}, 6) << (8 * i);
    for (int i = 0; i < 8; i++) {
        s->mtrr[2 * i] = (rnd() & 0xffffff000ull) | mem_type();
        s->mtrr[2 * i + 1] = (rnd() & 0xffffff000ull) | (rnd() & 1 ? 0x800 : 0);
    }
    for (int i = 16; i < 27; i++)
        for (int b = 0; b < 8; b++) s->mtrr[i] |= mem_type() << (8 * b);
    s->mtrr[27] = mem_type() | (rnd() & 0xc00);
    for (int i = 0; i < 2; i++) {
        s->perfevtsel[i] = r32() & 0xffff00ffu;
        s->perfctr[i] = rnd() & 0xffffffffffull;
    }
    struct fpu_state *f = &s->fpu;
    f->fcw = (u16)(0x40 | (r32() & 0x1f3f));
    f->fsw = (u16)r32();
    f->fop = (u16)(r32() & 0x7ff);
    f->fip = r32();
    f->fdp = r32();
    f->fcs = (u16)r32();
    f->fds = (u16)r32();
    u32 empty = r32() & 0xff;
    for (int i = 0; i < 8; i++) {
        for (int b = 0; b < 10; b++) f->st[i][b] = (u8)rnd();
        if (rnd() % 4 == 0) memset(f->st[i], 0, 10); /* zero tags too */
        f->ftw |= (u16)(((empty >> i) & 1 ? 3 : fpu_tag_of(f->st[i])) << (2 * i));
    }
    for (int i = 0; i < 8; i++)
        for (int b = 0; b < 16; b++) f->xmm[i][b] = (u8)rnd();
    f->mxcsr = r32() & 0xffbf;
    s->cpl = (u8)cpl;
    s->halted = rnd() & 1;
    s->intr_shadow = (u8)(rnd() % 3);
    s->nmi_blocked = rnd() & 1;
    s->nmi_pending = rnd() & 1;
}

/* The first field that differs, by name (0 if none). */
static const char *diff(const struct cpu_state *a, const struct cpu_state *b, char *buf, size_t n)
{
#define F(x) do { if (memcmp(&a->x, &b->x, sizeof(a->x))) { \
        snprintf(buf, n, "%s differs", #x); return buf; } } while (0)
    for (int i = 0; i < 8; i++) F(gpr[i]);
    F(eip); F(eflags);
    for (int i = 0; i < 6; i++) { F(seg[i].sel); F(seg[i].base); F(seg[i].limit); F(seg[i].attr); }
    F(ldtr); F(tr); F(gdtr); F(idtr); F(cr0); F(cr2); F(cr3); F(cr4);
    for (int i = 0; i < 8; i++) F(dr[i]);
    F(efer); F(tsc); F(sysenter_cs); F(sysenter_esp); F(sysenter_eip); F(apic_base); F(pat);
    for (int i = 0; i < 28; i++) F(mtrr[i]);
    F(perfevtsel); F(perfctr);
    F(fpu.fcw); F(fpu.fsw); F(fpu.ftw); F(fpu.fop); F(fpu.fip); F(fpu.fdp); F(fpu.fcs); F(fpu.fds);
    for (int i = 0; i < 8; i++) F(fpu.st[i]);
    for (int i = 0; i < 8; i++) F(fpu.xmm[i]);
    F(fpu.mxcsr); F(cpl); F(halted); F(intr_shadow); F(nmi_blocked); F(nmi_pending);
#undef F
    return NULL;
}

static void show(const char *what, const struct cpu_state *a, const struct cpu_state *b, const char *field)
{
    printf("    %s: %s\n", what, field);
    const u8 *pa = (const u8 *)a, *pb = (const u8 *)b;
    for (size_t i = 0; i < sizeof(*a); i++)
        if (pa[i] != pb[i]) {
            printf("    first differing byte at offset %zu: %02x vs %02x\n", i, pa[i], pb[i]);
            break;
        }
}

static struct physmem pm;
static struct iomap io;
static struct vclock ck;
static struct vcpu *emu, *kvm;

TEST(round_trip)
{
    char buf[128];
    for (int n = 0; n < 2000 && !test_case_failed; n++) {
        struct cpu_state s, a, b, c;
        rand_state(&s);
        vcpu_set_state(emu, &s);
        vcpu_get_state(emu, &a);
        vcpu_set_state(kvm, &a);
        vcpu_get_state(kvm, &b);
        const char *d = diff(&a, &b, buf, sizeof(buf));
        if (d) {
            show("emulator -> KVM", &a, &b, d);
            FAILF("state %d: emulator -> KVM: %s", n, d);
            break;
        }
        vcpu_set_state(emu, &b);
        vcpu_get_state(emu, &c);
        d = diff(&a, &c, buf, sizeof(buf));
        if (d) FAILF("state %d: KVM -> emulator: %s", n, d);
    }
}

int main(void)
{
    char why[256];
    if (physmem_init(&pm, 4u << 20)) return 1;
    iomap_init(&io, "port");
    vclock_init(&ck);
    struct vcpu_board b = {.mem = &pm, .ports = &io, .clock = &ck};
    kvm = vcpu_kvm_create(&b, why, sizeof(why));
    if (!kvm) {
        printf("SKIP round_trip: KVM not usable: %s\n", why);
        return 0;
    }
    struct vcpu_engine_opts o = {.engine = VCPU_ENGINE_INTERP};
    emu = vcpu_emu_create(&b, &o);
    RUN(round_trip);
    vcpu_destroy(kvm);
    vcpu_destroy(emu);
    iomap_free(&io);
    physmem_free(&pm);
    return test_summary();
}
