/*
 * The KVM backend of the vcpu interface (-accel kvm; the switching policy in
 * demand.c wraps it together with an emulator).
 *
 * Memory: the machine's physmem RAM buffer itself is registered as KVM
 * memory slots, so every engine and every device sees one memory. The VGA
 * graphics window and everything else that is not RAM/ROM stays out of the
 * slots and reaches the same MMIO map through KVM_EXIT_MMIO; the ROM (a
 * page-aligned copy, as KVM needs) is mapped read-only. The shadow area
 * 0xC0000-0xFFFFF follows the PAM registers segment by segment (see
 * layout_low_mb); physmem's on_remap (PAM, A20, a new ROM) rebuilds the
 * slots. With A20 masked, every odd megabyte is mapped onto the even one
 * below it, as the gate does.
 *
 * Devices: none in the kernel (no irqchip, PIT or APIC): port I/O and MMIO
 * exits go to the machine's iomap and devices; the PIC's INTR output is
 * injected with KVM_INTERRUPT when KVM says the guest can take it (else an
 * interrupt-window exit is requested), NMIs with KVM_NMI. HLT comes back to
 * the machine loop, which skips virtual time as for the emulators.
 *
 * Time: a run of `n` virtual ns ends when that much host time has passed in
 * KVM_RUN (a POSIX timer signals the thread; the signal handler sets
 * immediate_exit so that a signal just before entry is not lost). Virtual
 * time under KVM is host time spent running the guest, never going back.
 *
 * Debugging: up to four breakpoints and write/access watchpoints of 1, 2 or
 * 4 aligned bytes use the debug registers (KVM_SET_GUEST_DEBUG); anything
 * else is refused (-1), and the policy moves the guest to the emulator.
 */
#define _GNU_SOURCE
#include "cpu/cpu.h"  /* first: <signal.h> under _GNU_SOURCE defines F_LOCK, a name of x86/insn.h */
#include "cpu/sys.h"
#include "accel/kvm_int.h"
#include "accel/kvm.h"
#include "base/log.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MIN_SLICE_NS 50000u   /* shortest run: KVM_RUN's own cost is several microseconds */
#define WINDOW_POLL_NS 20000u /* an interrupt waiting for IF: look again this often */
#define KVM_SIG (SIGRTMIN + 3)

static __thread struct kvm_run *volatile tl_run;
static __thread volatile sig_atomic_t tl_fired;

static void on_timer(int sig)
{
    (void)sig;
    tl_fired = 1;
    struct kvm_run *r = tl_run;
    if (r) r->immediate_exit = 1;
}

static u64 host_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (u64)t.tv_sec * 1000000000u + (u64)t.tv_nsec;
}

/* exit counters for -d stats */
static struct {
    u64 io, mmio, hlt, irq_window, intr, debug, other, entries, injected, nmis;
} st;

/* ---- memory slots ---- */

static int set_slot(struct kvmv *k, int slot, u64 gpa, u64 size, void *host, bool ro)
{
    struct kvm_userspace_memory_region r = {
        .slot = (u32)slot,
        .flags = ro ? KVM_MEM_READONLY : 0,
        .guest_phys_addr = gpa,
        .memory_size = size,
        .userspace_addr = (u64)(uintptr_t)host,
    };
    return ioctl(k->vm, KVM_SET_USER_MEMORY_REGION, &r);
}

/* One slot of the layout being built: merged with the previous one when it
 * continues it (same flags, adjacent in both guest and host memory). */
struct layout {
    struct kvmv *k;
    int n;
    int err;
    u64 gpa, size;
    u8 *host;
    bool ro;
};

static void layout_flush(struct layout *l)
{
    if (l->size && set_slot(l->k, l->n++, l->gpa, l->size, l->host, l->ro) < 0) l->err = -1;
    l->size = 0;
}

static void layout_add(struct layout *l, u64 gpa, u64 size, u8 *host, bool ro)
{
    if (l->size && l->ro == ro && l->gpa + l->size == gpa && l->host + l->size == host) {
        l->size += size;
        return;
    }
    layout_flush(l);
    *l = (struct layout){.k = l->k, .n = l->n, .err = l->err, .gpa = gpa, .size = size, .host = host, .ro = ro};
}

/* The first megabyte as physmem_ptr sees it, at guest address base (0, and
 * 1 MiB too while A20 is masked): RAM below the VGA window and in its text
 * part, then each shadow segment as its PAM mode says -- reads from RAM: a
 * RAM slot, read-only unless writes go to RAM too (a write then exits and
 * physmem_write drops it); reads from the bus: the ROM's read-only alias
 * where there is one (a write exits and physmem_write puts it in RAM or
 * drops it), else no slot (MMIO exits both ways). */
static void layout_low_mb(struct layout *l, struct physmem *pm, u64 base)
{
    layout_add(l, base, PHYS_VGA_START, pm->ram, false);
    layout_add(l, base + PHYS_VGA_TEXT, PHYS_VGA_END - PHYS_VGA_TEXT, pm->ram + PHYS_VGA_TEXT, false);
    u32 alias = pm->rom ? 0x100000 - (pm->rom_size < 0x20000 ? pm->rom_size : 0x20000) : 0x100000;
    for (u32 pa = PHYS_SHADOW_START; pa < 0x100000;) {
        u32 size = pa >= 0xF0000 ? 0x10000 : 0x4000;
        u8 m = pm->pam[physmem_shadow_seg(pa)];
        if (m & PAM_READ_RAM) {
            if (pa + size <= pm->ram_size) layout_add(l, base + pa, size, pm->ram + pa, !(m & PAM_WRITE_RAM));
        } else if (pa >= alias) {
            layout_add(l, base + pa, size, l->k->rom_copy + (pa - 0x100000 + pm->rom_size), true);
        }
        pa += size;
    }
}

static int map_memory(struct kvmv *k)
{
    struct physmem *pm = k->v.board.mem;
    bool a20 = pm->a20_mask == ~0u;
    /* drop the old layout first: slots must not overlap */
    for (int i = 0; i < k->nslots; i++) set_slot(k, i, 0, 0, NULL, false);
    k->nslots = 0;
    if (pm->rom) {
        size_t need = ((size_t)pm->rom_size + 0xfff) & ~(size_t)0xfff;
        if (need != k->rom_copy_size) {
            if (k->rom_copy) munmap(k->rom_copy, k->rom_copy_size);
            k->rom_copy = mmap(NULL, need, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (k->rom_copy == MAP_FAILED) {
                k->rom_copy = NULL;
                k->rom_copy_size = 0;
                return -1;
            }
            k->rom_copy_size = need;
        }
        memcpy(k->rom_copy, pm->rom, pm->rom_size);
    }
    struct layout l = {.k = k};
    layout_low_mb(&l, pm, 0);
    if (a20) {
        layout_add(&l, 0x100000, pm->ram_size - 0x100000, pm->ram + 0x100000, false);
    } else {
        /* every odd megabyte is the even one below it, the first one included */
        layout_low_mb(&l, pm, 0x100000);
        for (u64 mb = 0x200000; mb < pm->ram_size; mb += 0x100000) {
            u64 size = pm->ram_size - mb < 0x100000 ? pm->ram_size - mb : 0x100000;
            layout_add(&l, mb, size, pm->ram + (mb & ~(u64)0x100000), false);
        }
    }
    if (pm->rom) layout_add(&l, (1ull << 32) - pm->rom_size, pm->rom_size, k->rom_copy, true);
    layout_flush(&l);
    k->nslots = l.n;
    return l.err;
}

/* ---- CPUID: vdebug's model, minus what the host cannot run ---- */

static int setup_cpuid(struct kvmv *k)
{
    struct kvm_cpuid2 *sup = calloc(1, sizeof(*sup) + 256 * sizeof(sup->entries[0]));
    struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + 16 * sizeof(c->entries[0]));
    struct cpu *model = calloc(1, sizeof(*model));
    int ret = -1;
    if (!sup || !c || !model) goto out;
    sup->nent = 256;
    if (ioctl(k->sys, KVM_GET_SUPPORTED_CPUID, sup) < 0) goto out;
    /* cpu_cpuid only reads these fields; the APIC bit follows APIC_BASE in KVM too */
    model->apic_base_write = k->v.board.apic_base_write;
    model->s.apic_base = 0xfee00900ull;
    u32 r[4];
    cpu_cpuid(model, 0, 0, r);
    u32 max_basic = r[0];
    cpu_cpuid(model, 0x80000000u, 0, r);
    u32 max_ext = r[0];
    u32 leaves[16];
    unsigned nl = 0;
    for (u32 l = 0; l <= max_basic && nl < 16; l++) leaves[nl++] = l;
    for (u32 l = 0x80000000u; l <= max_ext && nl < 16; l++) leaves[nl++] = l;
    for (unsigned i = 0; i < nl; i++) {
        struct kvm_cpuid_entry2 *e = &c->entries[i];
        cpu_cpuid(model, leaves[i], 0, r);
        memset(e, 0, sizeof(*e));
        e->function = leaves[i];
        e->eax = r[0];
        e->ebx = r[1];
        e->ecx = r[2];
        e->edx = r[3];
        if (leaves[i] == 1 || leaves[i] == 0x80000001u) {
            const struct kvm_cpuid_entry2 *h = NULL;
            for (u32 j = 0; j < sup->nent; j++)
                if (sup->entries[j].function == leaves[i]) h = &sup->entries[j];
            e->ecx &= h ? h->ecx : 0;
            e->edx &= h ? h->edx : 0;
        }
    }
    c->nent = nl;
    ret = ioctl(k->fd, KVM_SET_CPUID2, c);
out:
    free(sup);
    free(model);
    k->cpuid = c;
    return ret;
}

/* ---- lifetime ---- */

static void kvm_destroy(struct vcpu *v)
{
    struct kvmv *k = kvm_of(v);
    if (tl_run == k->run) tl_run = NULL;
    if (k->timer_ok) timer_delete(k->timer);
    if (k->run && k->run != MAP_FAILED) munmap(k->run, k->run_size);
    if (k->fd >= 0) close(k->fd);
    if (k->vm >= 0) close(k->vm);
    if (k->sys >= 0) close(k->sys);
    if (k->rom_copy) munmap(k->rom_copy, k->rom_copy_size);
    free(k->cpuid);
    free(k);
}

/* The RESET state (SDM vol. 3 table 9-1), as cpu/reset.c gives it. */
static void reset_state(struct cpu_state *s)
{
    memset(s, 0, sizeof(*s));
    s->eflags = FL_FIXED1;
    s->eip = 0xfff0;
    s->cr0 = CR0_CD | CR0_NW | CR0_ET;
    s->gpr[R_EDX] = 0x663;
    for (int i = 0; i < 6; i++) s->seg[i] = (struct seg){.limit = 0xffff, .attr = 0x93};
    s->seg[S_CS] = (struct seg){.sel = 0xf000, .base = 0xffff0000u, .limit = 0xffff, .attr = 0x9b};
    s->ldtr = (struct seg){.limit = 0xffff, .attr = 0x82};
    s->tr = (struct seg){.limit = 0xffff, .attr = 0x8b};
    s->gdtr.limit = 0xffff;
    s->idtr.limit = 0xffff;
    s->dr[6] = 0xffff0ff0u;
    s->dr[7] = 0x400;
    s->apic_base = 0xfee00900ull;
    s->pat = 0x0007040600070406ull;
    s->fpu.fcw = 0x40;
    s->fpu.ftw = 0xffff;
    s->fpu.mxcsr = 0x1f80;
}

static void kvm_get_state_op(struct vcpu *v, struct cpu_state *s);
static void kvm_set_state_op(struct vcpu *v, const struct cpu_state *s);

static void kvm_reset(struct vcpu *v)
{
    struct cpu_state s;
    reset_state(&s);
    kvm_set_state_op(v, &s);
    kvm_of(v)->intr_line = false;
}

/* ---- debug registers ---- */

static int update_guest_debug(struct kvmv *k)
{
    struct kvm_guest_debug d;
    memset(&d, 0, sizeof(d));
    u64 dr7 = 0;
    bool any = false;
    for (int i = 0; i < 4; i++) {
        if (!k->dr[i].used) continue;
        any = true;
        d.arch.debugreg[i] = k->dr[i].lin;
        u64 rw = k->dr[i].exec ? 0 : k->dr[i].kind == VCPU_WP_WRITE ? 1 : 3;
        u64 len = k->dr[i].exec ? 0 : k->dr[i].len == 1 ? 0 : k->dr[i].len == 2 ? 1 : 3;
        dr7 |= (2ull << (2 * i)) | (rw << (16 + 4 * i)) | (len << (18 + 4 * i));
    }
    d.arch.debugreg[7] = dr7 | 0x400;
    if (any || k->step_pending) d.control = KVM_GUESTDBG_ENABLE;
    if (any) d.control |= KVM_GUESTDBG_USE_HW_BP;
    if (k->step_pending) d.control |= KVM_GUESTDBG_SINGLESTEP;
    return ioctl(k->fd, KVM_SET_GUEST_DEBUG, &d);
}

/* The guest's own DR7 breakpoints and the debugger's cannot share the registers. */
static bool guest_uses_drs(struct kvmv *k)
{
    struct kvm_debugregs dr;
    if (ioctl(k->fd, KVM_GET_DEBUGREGS, &dr) < 0) return true;
    return (dr.dr7 & 0xff) != 0;
}

static int dr_insert(struct kvmv *k, struct kvm_dr want)
{
    for (int i = 0; i < 4; i++)
        if (k->dr[i].used && !k->dr[i].trap && k->dr[i].exec == want.exec && k->dr[i].lin == want.lin &&
            k->dr[i].len == want.len && k->dr[i].kind == want.kind)
            return 0;
    if (guest_uses_drs(k)) return -1;
    int mine = 0;
    for (int i = 0; i < 4; i++) mine += k->dr[i].used && !k->dr[i].trap;
    if (mine >= vcpu_kvm_free_drs(&k->v)) return -1;
    for (int i = 0; i < 4; i++)
        if (k->dr[i].trap) { /* the trap is re-armed at the next entry if a register is left */
            k->dr[i] = (struct kvm_dr){0};
            update_guest_debug(k);
        }
    for (int i = 0; i < 4; i++)
        if (!k->dr[i].used) {
            k->dr[i] = want;
            k->dr[i].used = true;
            if (update_guest_debug(k) < 0) {
                k->dr[i].used = false;
                return -1;
            }
            return 0;
        }
    return -1;
}

static int dr_remove(struct kvmv *k, struct kvm_dr want)
{
    for (int i = 0; i < 4; i++)
        if (k->dr[i].used && !k->dr[i].trap && k->dr[i].exec == want.exec && k->dr[i].lin == want.lin &&
            k->dr[i].len == want.len && k->dr[i].kind == want.kind) {
            k->dr[i].used = false;
            update_guest_debug(k);
            return 0;
        }
    return -1;
}

bool vcpu_kvm_can_run(struct vcpu *v, const struct cpu_state *s, const char **why)
{
    struct kvmv *k = kvm_of(v);
    if (k->no_paging && (s->cr0 & CR0_PG)) {
        *why = "paging (this host's KVM cannot page)";
        return false;
    }
    return true;
}

bool vcpu_kvm_refused_paging(struct vcpu *v) { return kvm_of(v)->refused_paging; }
int vcpu_kvm_free_drs(struct vcpu *v) { return kvm_of(v)->no_paging ? 3 : 4; }

/* The debug registers hold linear addresses only: physical points are -1. */
static int kvm_bp_insert(struct vcpu *v, u32 lin, bool phys)
{
    return phys ? -1 : dr_insert(kvm_of(v), (struct kvm_dr){.exec = true, .lin = lin, .len = 1});
}
static int kvm_bp_remove(struct vcpu *v, u32 lin, bool phys)
{
    return phys ? -1 : dr_remove(kvm_of(v), (struct kvm_dr){.exec = true, .lin = lin, .len = 1});
}

static int kvm_wp_insert(struct vcpu *v, u32 lin, u32 len, enum vcpu_wp_kind kind, bool phys)
{
    /* the debug registers watch 1, 2 or 4 aligned bytes for writes or any access */
    if (phys || (len != 1 && len != 2 && len != 4) || (lin & (len - 1)) || kind == VCPU_WP_READ) return -1;
    return dr_insert(kvm_of(v), (struct kvm_dr){.lin = lin, .len = len, .kind = kind});
}

static int kvm_wp_remove(struct vcpu *v, u32 lin, u32 len, enum vcpu_wp_kind kind, bool phys)
{
    return phys ? -1 : dr_remove(kvm_of(v), (struct kvm_dr){.lin = lin, .len = len, .kind = kind});
}

/* ---- running ---- */

static void sync_clock(struct kvmv *k, u64 vt0, u64 t0)
{
    struct vclock *ck = k->v.board.clock;
    u64 now = vt0 + (u64)((double)(host_ns() - t0) * k->time_scale);
    if (now > ck->now) ck->now = now;
}

static void do_io(struct kvmv *k)
{
    struct kvm_run *r = k->run;
    u8 *p = (u8 *)r + r->io.data_offset;
    for (u32 i = 0; i < r->io.count; i++, p += r->io.size) {
        if (r->io.direction == KVM_EXIT_IO_OUT) {
            u32 val = 0;
            memcpy(&val, p, r->io.size);
            iomap_write(k->v.board.ports, r->io.port, val, r->io.size);
        } else {
            u32 val = iomap_read(k->v.board.ports, r->io.port, r->io.size);
            memcpy(p, &val, r->io.size);
        }
    }
}

static void do_mmio(struct kvmv *k)
{
    struct kvm_run *r = k->run;
    for (u32 off = 0; off < r->mmio.len; off += 4) {
        unsigned size = r->mmio.len - off < 4 ? r->mmio.len - off : 4;
        u64 pa = r->mmio.phys_addr + off;
        if (r->mmio.is_write) {
            u32 val = 0;
            memcpy(&val, r->mmio.data + off, size);
            physmem_write(k->v.board.mem, pa, val, size);
        } else {
            u32 val = physmem_read(k->v.board.mem, pa, size);
            memcpy(r->mmio.data + off, &val, size);
        }
    }
}

/* From the registers KVM gives with every exit (or asked for, where it cannot). */
static bool in_real_mode(struct kvmv *k)
{
    struct kvm_run *r = k->run;
    if (r->kvm_valid_regs) return !(r->s.regs.sregs.cr0 & CR0_PE) || (r->s.regs.regs.rflags & FL_VM);
    struct kvm_sregs sr;
    struct kvm_regs regs;
    if (ioctl(k->fd, KVM_GET_SREGS, &sr) < 0 || ioctl(k->fd, KVM_GET_REGS, &regs) < 0) return false;
    return !(sr.cr0 & CR0_PE) || (regs.rflags & FL_VM);
}

static bool guest_if(struct kvmv *k)
{
    struct kvm_regs r;
    return ioctl(k->fd, KVM_GET_REGS, &r) == 0 && (r.rflags & FL_IF);
}

static void arm_timer(struct kvmv *k, u64 ns)
{
    struct itimerspec it = {{0, 0}, {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)}};
    if (k->timer_ok) timer_settime(k->timer, 0, &it, NULL);
}

/* The guest's own #DB while the debugger holds the debug registers: give it back. */
static void reinject_db(struct kvmv *k, u64 dr6)
{
    struct kvm_debugregs dr;
    if (ioctl(k->fd, KVM_GET_DEBUGREGS, &dr) == 0) {
        dr.dr6 = dr6;
        ioctl(k->fd, KVM_SET_DEBUGREGS, &dr);
    }
    struct kvm_vcpu_events ev;
    if (ioctl(k->fd, KVM_GET_VCPU_EVENTS, &ev) == 0) {
        ev.exception.injected = 1;
        ev.exception.nr = EXC_DB;
        ev.exception.has_error_code = 0;
        ev.flags = 0;
        ioctl(k->fd, KVM_SET_VCPU_EVENTS, &ev);
    }
}

/* The instruction under a breakpoint runs once when the guest resumes: the
 * breakpoint is disarmed for one single step (RF would do, but not every KVM
 * honours an RF set through KVM_SET_REGS; this host's does not). */
static void begin_step_over(struct kvmv *k)
{
    k->dr[k->over_slot].used = false;
    k->over_active = true;
    k->step_pending = true;
    update_guest_debug(k);
}

static void end_step_over(struct kvmv *k, bool step)
{
    k->dr[k->over_slot].used = true;
    k->over_active = false;
    k->over_slot = -1;
    k->step_pending = step;
    update_guest_debug(k);
}

/*
 * A KVM that cannot page (this host's software KVM drops CR0.PG and answers
 * a MOV to CR0 that sets it with #GP) must not let the guest see that #GP:
 * a debug register watches the entry of the guest's #GP handler, and when
 * the #GP came from a MOV CR0 setting PG, the delivery is undone (the frame
 * popped: EIP, EFLAGS and ESP as before the instruction) and the emulator
 * runs the instruction (VCPU_EXIT_EMULATE; the policy keeps paged states
 * away from this KVM). Only a ring-0 #GP through a 32-bit interrupt or trap
 * gate is undone; the debugger then has three debug registers. The watch
 * follows the guest's IDT as of each exit (placed again before every entry);
 * a new IDT loaded and a MOV CR0 setting PG run with no exit between them
 * still reach the guest's own handler.
 */
static bool lin_read(struct kvmv *k, u32 lin, void *buf, size_t n)
{
    return physmem_debug_rw(k->v.board.mem, lin, buf, n, false) == n; /* paging is off */
}

static void arm_gp_trap(struct kvmv *k, bool synced)
{
    int slot = -1;
    for (int i = 0; i < 4; i++)
        if (k->dr[i].trap) slot = i;
    struct kvm_sregs sr;
    u32 target = 0;
    bool ok = false;
    bool have = synced && (k->run->kvm_valid_regs & KVM_SYNC_X86_SREGS);
    if (have) sr = k->run->s.regs.sregs; /* as of the last exit: no ioctl per entry */
    else have = ioctl(k->fd, KVM_GET_SREGS, &sr) == 0;
    if (have && (sr.cr0 & CR0_PE) && sr.idt.limit >= 13 * 8 + 7) {
        u32 gate[2], desc[2];
        if (lin_read(k, (u32)sr.idt.base + 13 * 8, gate, 8) && ((gate[1] >> 8) & 0x1f) >= 0xe &&
            (gate[1] & 0x8000)) {
            u16 sel = (u16)(gate[0] >> 16);
            u32 off = (gate[0] & 0xffff) | (gate[1] & 0xffff0000u);
            if (!(sel & 4) && lin_read(k, (u32)sr.gdt.base + (sel & ~7u), desc, 8)) {
                u32 base = (desc[0] >> 16) | ((desc[1] & 0xff) << 16) | (desc[1] & 0xff000000u);
                target = base + off;
                ok = true;
            }
        }
    }
    if (slot >= 0 && (!ok || k->dr[slot].lin != target)) {
        k->dr[slot] = (struct kvm_dr){0};
        update_guest_debug(k);
        slot = -1;
    }
    if (!ok || slot >= 0) return;
    for (int i = 3; i >= 0; i--)
        if (!k->dr[i].used) {
            if (guest_uses_drs(k)) return;
            k->dr[i] = (struct kvm_dr){.used = true, .exec = true, .trap = true, .lin = target, .len = 1};
            update_guest_debug(k);
            return;
        }
}

/* Is the instruction at lin a MOV CR0, r32 that sets PG (registers regs)? */
static bool mov_cr0_sets_pg(struct kvmv *k, const struct kvm_regs *regs, u32 lin)
{
    u8 insn[3];
    if (!lin_read(k, lin, insn, 3)) return false;
    if (insn[0] != 0x0f || insn[1] != 0x22 || (insn[2] & 0xf8) != 0xc0) return false; /* MOV CR0, r32 */
    static const int reg_of[8] = {0, 2, 3, 1, 6, 7, 5, 4};  /* ModRM r/m -> kvm_regs order rax rbx rcx rdx rsi rdi rsp rbp */
    const __u64 *gp = &regs->rax;
    return ((u32)gp[reg_of[insn[2] & 7]] & CR0_PG) != 0;
}

/* A shutdown (triple fault) on this host's KVM, which cannot page, at a MOV
 * CR0 that sets PG: the guest had no #GP handler for the trap to catch (the
 * kvm-unit-tests turn paging on before they load an IDT). The failed delivery
 * left the state as before the MOV, so the emulator runs it instead. */
static bool shutdown_was_paging(struct kvmv *k)
{
    struct kvm_regs regs;
    struct kvm_sregs sr;
    if (!k->no_paging || ioctl(k->fd, KVM_GET_REGS, &regs) < 0 || ioctl(k->fd, KVM_GET_SREGS, &sr) < 0) return false;
    if ((sr.cs.selector & 3) || !(sr.cr0 & CR0_PE) || (sr.cr0 & CR0_PG) ||
        !mov_cr0_sets_pg(k, &regs, (u32)sr.cs.base + (u32)regs.rip))
        return false;
    k->refused_paging = true;
    VD_LOG(LOG_ENGINE, "engine: kvm: MOV CR0 setting PG at %04x:%08x shut the guest down (no #GP handler): this "
           "host's KVM cannot page\n", sr.cs.selector, (u32)regs.rip);
    return true;
}

static bool gp_trap_hit(struct kvmv *k)
{
    k->refused_paging = false;
    struct kvm_regs regs;
    struct kvm_sregs sr;
    if (ioctl(k->fd, KVM_GET_REGS, &regs) < 0 || ioctl(k->fd, KVM_GET_SREGS, &sr) < 0) return false;
    u32 frame[4]; /* error code, EIP, CS, EFLAGS */
    u32 sp = (u32)sr.ss.base + (u32)regs.rsp;
    if ((sr.cs.selector & 3) || !lin_read(k, sp, frame, 16) || frame[0] != 0 || (frame[2] & 0xffff) != sr.cs.selector)
        return false;
    if (!mov_cr0_sets_pg(k, &regs, (u32)sr.cs.base + frame[1])) return false;
    regs.rsp += 16;
    regs.rip = frame[1];
    regs.rflags = frame[3];
    if (ioctl(k->fd, KVM_SET_REGS, &regs) < 0) return false;
    k->refused_paging = true;
    VD_LOG(LOG_ENGINE, "engine: kvm: MOV CR0 setting PG at %04x:%08x: this host's KVM cannot page\n",
           sr.cs.selector, frame[1]);
    return true;
}

static enum vcpu_exit kvm_loop(struct kvmv *k, u64 n, bool step)
{
    struct kvm_run *r = k->run;
    struct vclock *ck = k->v.board.clock;
    if (k->kicked) {
        k->kicked = 0;
        return VCPU_EXIT_STOP;
    }
    if (k->halted) {
        if (k->nmi_queued || (k->intr_line && guest_if(k))) k->halted = false;
        else return VCPU_EXIT_HLT;
    }
    k->nmi_queued = false;
    if (k->tsc_dirty) {
        kvm_set_tsc(k, k->tsc);
        k->tsc_dirty = false;
    }
    if (step != k->step_pending) {
        k->step_pending = step;
        update_guest_debug(k);
    }
    if (k->bp_resume) {
        k->bp_resume = false;
        if (k->over_slot >= 0 && k->dr[k->over_slot].used && k->dr[k->over_slot].exec) begin_step_over(k);
    }
    u64 vt0 = ck->now, t0 = host_ns();
    tl_run = r;
    tl_fired = 0;
    r->immediate_exit = 0;
    /* n virtual ns are n / time_scale host ns */
    u64 slice = (u64)((double)n / k->time_scale);
    if (slice < MIN_SLICE_NS) slice = MIN_SLICE_NS;
    u64 end = t0 + slice;
    if (!step) arm_timer(k, slice);
    if (k->no_paging) arm_gp_trap(k, false);
    enum vcpu_exit why = VCPU_EXIT_BUDGET;
    bool fresh = false; /* ready_for_interrupt_injection/if_flag describe the current state */
    for (;;) {
        if (k->kicked) {
            k->kicked = 0;
            why = VCPU_EXIT_STOP;
            break;
        }
        if (tl_fired) {
            /* a short wake-up to look for an interrupt window (see below), or the end */
            u64 t = host_ns();
            if (step || t >= end) break;
            tl_fired = 0;
            r->immediate_exit = 0;
            arm_timer(k, end - t);
        }
        r->request_interrupt_window = 0;
        if (k->intr_line && !k->over_active) {
            if (fresh && r->ready_for_interrupt_injection && r->if_flag) {
                int vec = k->v.board.intr_ack ? k->v.board.intr_ack(k->v.board.intr_opaque) : -1;
                if (vec >= 0) {
                    struct kvm_interrupt in = {.irq = (u32)vec};
                    if (ioctl(k->fd, KVM_INTERRUPT, &in) == 0) st.injected++;
                }
            } else {
                r->request_interrupt_window = 1;
                /* Some KVMs (this one's software KVM) never exit for the window: look
                 * again after a short while rather than at the end of the slice */
                if (!step && end - t0 > WINDOW_POLL_NS) {
                    u64 t = host_ns();
                    if (end > t + WINDOW_POLL_NS) arm_timer(k, WINDOW_POLL_NS);
                }
            }
        }
        /* the guest may have loaded another IDT since the last entry (an exit
         * after its LIDT is the first chance to see it, and a MOV CR0 may follow
         * before the next end of this loop) */
        if (k->no_paging && fresh && !k->over_active) arm_gp_trap(k, true);
        if (k->nmi_held && !step && !k->over_active && ioctl(k->fd, KVM_NMI, 0) == 0) {
            k->nmi_held = false;
            st.nmis++;
        }
        st.entries++;
        int rc = ioctl(k->fd, KVM_RUN, 0);
        fresh = true;
        sync_clock(k, vt0, t0);
        if (rc < 0) {
            if (errno == EINTR || errno == EAGAIN) {
                st.intr++;
                r->immediate_exit = 0;
                if (k->leave_real && in_real_mode(k)) {
                    why = VCPU_EXIT_EMULATE;
                    break;
                }
                continue;
            }
            VD_LOG(LOG_ENGINE, "engine: kvm: KVM_RUN failed: %s\n", strerror(errno));
            why = VCPU_EXIT_EMULATE;
            break;
        }
        bool again = false;
        switch (r->exit_reason) {
        case KVM_EXIT_IO:
            st.io++;
            do_io(k);
            again = true;
            break;
        case KVM_EXIT_MMIO:
            st.mmio++;
            do_mmio(k);
            again = true;
            break;
        case KVM_EXIT_IRQ_WINDOW_OPEN:
            st.irq_window++;
            again = true;
            break;
        case KVM_EXIT_INTR:
            st.intr++;
            again = true;
            break;
        case KVM_EXIT_HLT:
            st.hlt++;
            if (k->intr_line && r->if_flag) continue; /* an interrupt is already waiting: it wakes the CPU */
            k->halted = true;
            why = VCPU_EXIT_HLT;
            break;
        case KVM_EXIT_SHUTDOWN:
            why = shutdown_was_paging(k) ? VCPU_EXIT_EMULATE : VCPU_EXIT_TRIPLE_FAULT;
            break;
        case KVM_EXIT_DEBUG: {
            st.debug++;
            u64 dr6 = r->debug.arch.dr6;
            int hit = -1;
            for (int i = 0; i < 4; i++)
                if ((dr6 & (1u << i)) && k->dr[i].used) {
                    hit = i;
                    break;
                }
            if (k->over_active && (dr6 & (1u << 14))) {
                /* stepped over a breakpoint: arm it again */
                end_step_over(k, step);
                if (step) {
                    why = VCPU_EXIT_STEP;
                    break;
                }
                continue;
            }
            if (hit >= 0 && k->dr[hit].trap) {
                if (gp_trap_hit(k)) {
                    why = VCPU_EXIT_EMULATE;
                    break;
                }
                k->over_slot = hit;
                begin_step_over(k);
                continue;
            }
            if (hit >= 0 && k->dr[hit].exec) {
                k->v.stop.addr = k->dr[hit].lin;
                k->v.stop.phys = false;
                k->bp_resume = true;
                k->over_slot = hit;
                why = VCPU_EXIT_BREAKPOINT;
            } else if (hit >= 0) {
                k->v.stop.addr = k->dr[hit].lin;
                k->v.stop.phys = false;
                k->v.stop.wp_kind = k->dr[hit].kind;
                why = VCPU_EXIT_WATCHPOINT;
            } else if (step && (dr6 & (1u << 14))) {
                why = VCPU_EXIT_STEP;
            } else {
                reinject_db(k, dr6);
                continue;
            }
            break;
        }
        case KVM_EXIT_FAIL_ENTRY:
        case KVM_EXIT_INTERNAL_ERROR:
        default:
            st.other++;
            VD_LOG(LOG_ENGINE, "engine: kvm: exit reason %u (hardware error 0x%llx, suberror %u) at eip %08llx: "
                               "the emulator takes over\n",
                   r->exit_reason, (unsigned long long)r->hw.hardware_exit_reason, r->internal.suberror,
                   (unsigned long long)r->s.regs.regs.rip);
            why = VCPU_EXIT_EMULATE;
            break;
        }
        if (!again) break;
        /* KVM cannot report the CR0 write itself: the first exit that sees real mode or v8086 */
        if (k->leave_real && in_real_mode(k)) {
            why = VCPU_EXIT_EMULATE;
            break;
        }
    }
    if (!step) arm_timer(k, 0);
    /* complete an I/O or MMIO instruction in flight, so that the state is at an instruction boundary */
    if (r->exit_reason == KVM_EXIT_IO || r->exit_reason == KVM_EXIT_MMIO) {
        r->immediate_exit = 1;
        ioctl(k->fd, KVM_RUN, 0);
    }
    r->immediate_exit = 0;
    tl_run = NULL;
    sync_clock(k, vt0, t0);
    k->vtime += ck->now > vt0 ? ck->now - vt0 : 0;
    kvm_get_tsc(k, &k->tsc);
    /* IA32_APIC_BASE is KVM's to keep; the board's local APIC follows it */
    struct kvm_sregs sr;
    if (k->v.board.apic_base_write && ioctl(k->fd, KVM_GET_SREGS, &sr) == 0 && sr.apic_base != k->apic_base_seen) {
        k->apic_base_seen = sr.apic_base;
        k->v.board.apic_base_write(k->v.board.intr_opaque, sr.apic_base);
    }
    k->v.stop.why = why;
    return why;
}

void vcpu_kvm_set_time_scale(struct vcpu *v, double scale)
{
    if (scale > 0) kvm_of(v)->time_scale = scale;
}

void vcpu_kvm_leave_on_real_mode(struct vcpu *v, bool on) { kvm_of(v)->leave_real = on; }

static enum vcpu_exit kvm_run_op(struct vcpu *v, u64 n) { return kvm_loop(kvm_of(v), n, false); }

static enum vcpu_exit kvm_step_op(struct vcpu *v, bool irq)
{
    struct kvmv *k = kvm_of(v);
    bool line = k->intr_line;
    if (!irq) k->intr_line = false;
    k->v.stop.why = VCPU_EXIT_BUDGET;
    enum vcpu_exit x = kvm_loop(k, 0, true);
    k->intr_line = line;
    if (k->step_pending) {
        k->step_pending = false;
        update_guest_debug(k);
    }
    return x;
}

static void kvm_get_state_op(struct vcpu *v, struct cpu_state *s)
{
    struct kvmv *k = kvm_of(v);
    if (kvm_state_get(k, s) < 0) vd_fatal("kvm: reading the vcpu state: %s", strerror(errno));
    if (k->nmi_held) s->nmi_pending = 1;
}

static void kvm_set_state_op(struct vcpu *v, const struct cpu_state *s)
{
    struct kvmv *k = kvm_of(v);
    /* A pending NMI is held here and given with KVM_NMI at the next entry
     * that is no single step (see nmi_held). */
    struct cpu_state t = *s;
    t.nmi_pending = 0;
    if (kvm_state_set(k, &t) < 0) vd_fatal("kvm: writing the vcpu state: %s", strerror(errno));
    k->nmi_held = s->nmi_pending;
    if (s->nmi_pending) k->nmi_queued = true;
    /* a state elsewhere than the breakpoint KVM stopped at: nothing to step over */
    if (k->bp_resume && (k->over_slot < 0 || k->dr[k->over_slot].lin != s->seg[S_CS].base + s->eip))
        k->bp_resume = false;
}

static size_t kvm_read_virt(struct vcpu *v, u32 lin, void *buf, size_t len) { return vcpu_virt_rw(v, lin, buf, len, false); }
static size_t kvm_write_virt(struct vcpu *v, u32 lin, const void *buf, size_t len) { return vcpu_virt_rw(v, lin, (void *)buf, len, true); }

static bool kvm_walk_op(struct vcpu *v, u32 lin, struct vcpu_walk *w)
{
    struct cpu_state s;
    kvm_get_state_op(v, &s);
    return guest_walk(v->board.mem, &s, lin, w);
}

static void kvm_mem_changed(struct vcpu *v, u64 pa, size_t len)
{
    struct kvmv *k = kvm_of(v);
    struct physmem *pm = v->board.mem;
    /* RAM is shared with KVM; only the ROM is a copy */
    bool rom = pm->rom && ((pa < 0x100000 && pa + len > PHYS_BIOS_SHADOW) || pa + len > (1ull << 32) - pm->rom_size);
    if (rom && k->rom_copy) memcpy(k->rom_copy, pm->rom, pm->rom_size);
}

static void kvm_kick(struct vcpu *v)
{
    struct kvmv *k = kvm_of(v);
    k->kicked = 1;
    k->run->immediate_exit = 1;
}

static void kvm_set_intr(struct vcpu *v, bool level) { kvm_of(v)->intr_line = level; }

static void kvm_nmi_op(struct vcpu *v)
{
    struct kvmv *k = kvm_of(v);
    k->nmi_held = true;
    k->nmi_queued = true;
}

static void kvm_flush_tlb(struct vcpu *v)
{
    if (map_memory(kvm_of(v)) < 0) vd_fatal("kvm: remapping guest memory: %s", strerror(errno));
}

static int kvm_tlb_dump(struct vcpu *v, struct vcpu_tlb_entry *out, int max) { return 0; } /* the host's TLB is not visible */
static u64 kvm_icount(struct vcpu *v) { return kvm_of(v)->vtime; }

static void kvm_log_stats(struct vcpu *v)
{
    vd_logf("stats: engine kvm: %.3f s of virtual time under KVM, %llu entries, %llu port I/O exits, %llu MMIO exits, "
            "%llu HLT exits, %llu interrupt windows, %llu interrupts injected, %llu NMIs injected, %llu signal exits, "
            "%llu debug exits\n",
            (double)kvm_of(v)->vtime / 1e9, (unsigned long long)st.entries, (unsigned long long)st.io,
            (unsigned long long)st.mmio, (unsigned long long)st.hlt, (unsigned long long)st.irq_window,
            (unsigned long long)st.injected, (unsigned long long)st.nmis, (unsigned long long)st.intr,
            (unsigned long long)st.debug);
}

static const struct vcpu_ops kvm_ops = {
    .name = "kvm",
    .destroy = kvm_destroy,
    .reset = kvm_reset,
    .run = kvm_run_op,
    .step = kvm_step_op,
    .get_state = kvm_get_state_op,
    .set_state = kvm_set_state_op,
    .read_virt = kvm_read_virt,
    .write_virt = kvm_write_virt,
    .walk = kvm_walk_op,
    .mem_changed = kvm_mem_changed,
    .bp_insert = kvm_bp_insert,
    .bp_remove = kvm_bp_remove,
    .wp_insert = kvm_wp_insert,
    .wp_remove = kvm_wp_remove,
    .kick = kvm_kick,
    .set_intr = kvm_set_intr,
    .nmi = kvm_nmi_op,
    .flush_tlb = kvm_flush_tlb,
    .tlb_dump = kvm_tlb_dump,
    .icount = kvm_icount,
    .log_stats = kvm_log_stats,
};

static bool probe_no_paging(struct kvmv *k)
{
    struct kvmv p = *k;
    p.fd = ioctl(k->vm, KVM_CREATE_VCPU, 1);
    if (p.fd < 0) return true;
    struct cpu_state s, back;
    reset_state(&s);
    s.cr0 = CR0_PE | CR0_ET | CR0_PG;
    for (int i = 0; i < 6; i++) s.seg[i] = (struct seg){.sel = 0x10, .limit = 0xffffffffu, .attr = 0xc093};
    s.seg[S_CS] = (struct seg){.sel = 8, .limit = 0xffffffffu, .attr = 0xc09b};
    bool no = kvm_state_set(&p, &s) < 0 || kvm_state_get(&p, &back) < 0 || !(back.cr0 & CR0_PG);
    close(p.fd);
    return no;
}

static struct vcpu *fail(struct kvmv *k, char *why, size_t n, const char *fmt, const char *what)
{
    if (why) snprintf(why, n, fmt, what, strerror(errno));
    kvm_destroy(&k->v);
    return NULL;
}

struct vcpu *vcpu_kvm_create(const struct vcpu_board *b, char *why, size_t whylen)
{
    struct kvmv *k = calloc(1, sizeof(*k));
    if (!k) {
        if (why) snprintf(why, whylen, "out of memory");
        return NULL;
    }
    k->sys = k->vm = k->fd = -1;
    k->over_slot = -1;
    k->time_scale = 1.0;
    k->v.ops = &kvm_ops;
    k->v.board = *b;
    /* VD_KVM_DEVICE: another device node (the tests name a missing one to see the refusal) */
    const char *dev = getenv("VD_KVM_DEVICE");
    if (!dev || !*dev) dev = "/dev/kvm";
    k->sys = open(dev, O_RDWR | O_CLOEXEC);
    if (k->sys < 0) return fail(k, why, whylen, "%s: %s", dev);
    int api = ioctl(k->sys, KVM_GET_API_VERSION, 0);
    if (api != KVM_API_VERSION) {
        errno = ENOTSUP;
        return fail(k, why, whylen, "%s: not a KVM device, or an unsupported KVM API version (%s)", dev);
    }
    static const struct { int cap; const char *name; } need[] = {
        {KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY"}, {KVM_CAP_SET_GUEST_DEBUG, "KVM_CAP_SET_GUEST_DEBUG"},
        {KVM_CAP_VCPU_EVENTS, "KVM_CAP_VCPU_EVENTS"}, {KVM_CAP_DEBUGREGS, "KVM_CAP_DEBUGREGS"},
        {KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT"}, {KVM_CAP_READONLY_MEM, "KVM_CAP_READONLY_MEM"},
        {KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID"},
    };
    for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
        if (ioctl(k->sys, KVM_CHECK_EXTENSION, need[i].cap) <= 0) {
            errno = ENOTSUP;
            return fail(k, why, whylen, "/dev/kvm lacks %s (%s)", need[i].name);
        }
    k->vm = ioctl(k->sys, KVM_CREATE_VM, 0);
    if (k->vm < 0) return fail(k, why, whylen, "%s: %s", "KVM_CREATE_VM");
    /* real mode without unrestricted guest needs these three pages below the top of 4 GiB (as QEMU) */
    if (ioctl(k->vm, KVM_SET_TSS_ADDR, 0xfeffd000ul) < 0) return fail(k, why, whylen, "%s: %s", "KVM_SET_TSS_ADDR");
    u64 ident = 0xfeffc000ull;
    ioctl(k->vm, KVM_SET_IDENTITY_MAP_ADDR, &ident);
    if (map_memory(k) < 0) return fail(k, why, whylen, "%s: %s", "KVM_SET_USER_MEMORY_REGION");
    k->fd = ioctl(k->vm, KVM_CREATE_VCPU, 0);
    if (k->fd < 0) return fail(k, why, whylen, "%s: %s", "KVM_CREATE_VCPU");
    int sz = ioctl(k->sys, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (sz <= 0) return fail(k, why, whylen, "%s: %s", "KVM_GET_VCPU_MMAP_SIZE");
    k->run_size = (size_t)sz;
    k->run = mmap(NULL, k->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, k->fd, 0);
    if (k->run == MAP_FAILED) {
        k->run = NULL;
        return fail(k, why, whylen, "%s: %s", "mmap of the vcpu");
    }
    k->has_xsave = ioctl(k->sys, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE) > 0;
    /* the registers come with every exit: the policy checks the mode at each one */
    if (ioctl(k->sys, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS) & (KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS))
        k->run->kvm_valid_regs = KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS;
    if (setup_cpuid(k) < 0) return fail(k, why, whylen, "%s: %s", "KVM_SET_CPUID2");

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_timer;
    sa.sa_flags = SA_RESTART; /* a late tick must not fail another system call; KVM_RUN returns EINTR anyway */
    sigemptyset(&sa.sa_mask);
    sigaction(KVM_SIG, &sa, NULL);
    sigset_t ss;
    sigemptyset(&ss);
    sigaddset(&ss, KVM_SIG);
    pthread_sigmask(SIG_UNBLOCK, &ss, NULL);
    struct sigevent sev;
    memset(&sev, 0, sizeof(sev));
    sev.sigev_notify = SIGEV_THREAD_ID;
    sev.sigev_signo = KVM_SIG;
    sev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
    if (timer_create(CLOCK_MONOTONIC, &sev, &k->timer) < 0) return fail(k, why, whylen, "%s: %s", "timer_create");
    k->timer_ok = true;

    /* Can this KVM page? (This host's software KVM silently drops CR0.PG, and
     * its vcpu is not usable after: a second vcpu of this VM tries.) */
    k->no_paging = probe_no_paging(k);
    struct cpu_state s;
    reset_state(&s);
    if (kvm_state_set(k, &s) < 0) return fail(k, why, whylen, "%s: %s", "setting the reset state");
    return &k->v;
}

bool vcpu_kvm_usable(char *why, size_t whylen)
{
    /* a throw-away VM on a small board: the same checks as the real one */
    struct physmem pm;
    if (physmem_init(&pm, 2u << 20) < 0) {
        snprintf(why, whylen, "out of memory");
        return false;
    }
    struct iomap ports;
    iomap_init(&ports, "port");
    struct vclock ck;
    vclock_init(&ck);
    struct vcpu_board b = {.mem = &pm, .ports = &ports, .clock = &ck};
    struct vcpu *v = vcpu_kvm_create(&b, why, whylen);
    if (v) vcpu_destroy(v);
    iomap_free(&ports);
    physmem_free(&pm);
    return v != NULL;
}
