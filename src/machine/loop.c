/*
 * The machine loop. The vcpu runs in slices that end at the next device
 * deadline (1 instruction = 1 virtual ns), so timers fire at exact virtual
 * times whatever the slicing: runs are deterministic. Between slices the loop
 * fires expired timers, passes host input to the devices, and handles the
 * requests devices and signals left (exit, reset, interrupt).
 *
 * HLT: with IF=1 the clock skips to the next deadline; with nothing armed the
 * loop waits for host input. When a person types at the console (m->pace_idle,
 * -icount sleep=on) a halt instead waits in real time for the deadline or
 * for input, whichever comes first, so idle guests do not spin the host and
 * guest time keeps pace with the wall clock while nothing runs. A halt nothing can
 * end (IF=0, or IF=1 with no timer and no input source) ends the run with a
 * message, unless a debugger drives the machine: then the machine reports
 * itself idle and the debugger waits on its own socket.
 *
 * ACPI S3 (suspend to RAM) stops the CPU after the instruction that entered
 * it; the clock then skips from deadline to deadline until a wake event (the
 * RTC's interrupt with PM1_EN.RTC_EN set, or the power button), and
 * pc_resume resets everything but RAM and resumes the guest where firmware
 * would. A suspended machine that nothing can wake ends the run with a message.
 *
 * Triple faults and reset requests reset the machine; under -no-reboot they
 * shut it down (exit status 0, as QEMU), and under -no-shutdown a shutdown
 * pauses the machine with its state intact for inspection.
 */
#define _GNU_SOURCE /* ppoll */
#include "machine/pc.h"
#include "base/log.h"
#include "machine/history.h"
#include "machine/replay.h"
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>

/* Longest slice: bounds the latency of host input and of the icount limit check. */
#define SLICE_MAX (1u << 20)
/* Longest real-time wait of a paced HLT (ns). */
#define PACE_MAX 20000000u

static void where(struct machine *m, char *buf, size_t size)
{
    struct cpu_state s;
    vcpu_get_state(m->cpu, &s);
    snprintf(buf, size, "%04x:%08x", s.seg[S_CS].sel, s.eip);
}

static bool guest_if(struct machine *m)
{
    struct cpu_state s;
    vcpu_get_state(m->cpu, &s);
    return s.eflags & FL_IF;
}

/* A shutdown (not a guest-requested exit): exit, or pause under -no-shutdown. */
static void shutdown(struct machine *m, const char *why)
{
    char at[32];
    where(m, at, sizeof(at));
    if (m->cfg.no_shutdown) {
        fprintf(stderr, "vdebug: %s at %s: guest stopped (-no-shutdown)%s\n", why, at,
                m->cfg.gdb ? "" : "; press Ctrl-C to quit");
        m->paused = true;
        return;
    }
    fprintf(stderr, "vdebug: %s at %s: guest shut down\n", why, at);
    pc_request_exit(m, 0, MEXIT_SHUTDOWN);
}

static void triple_fault(struct machine *m)
{
    if (m->cfg.no_reboot) {
        shutdown(m, "triple fault (-no-reboot)");
        return;
    }
    /* A guest that faults before retiring one instruction would reset forever. */
    if (vcpu_icount(m->cpu) == m->reset_icount && m->resets) {
        shutdown(m, "triple fault again before any instruction retired after reset (reset loop)");
        return;
    }
    if (vd_log_enabled(LOG_INT | LOG_GUEST_ERRORS)) {
        char at[32];
        where(m, at, sizeof(at));
        vd_logf("triple fault at %s: system reset\n", at);
    }
    machine_reset(m);
}

/* Handles pending requests; returns true with *st set when the caller must return. */
static bool pending(struct machine *m, enum machine_stop *st)
{
    if (m->interrupt_req) {
        m->interrupt_req = 0;
        *st = MACHINE_INTERRUPTED;
        return true;
    }
    if (m->reset_req && !m->exit_req) {
        m->reset_req = false;
        if (m->cfg.no_reboot) shutdown(m, "reset request (-no-reboot)");
        else machine_reset(m);
    }
    if (m->exit_req) {
        *st = MACHINE_EXIT;
        return true;
    }
    if (m->suspend_req) {
        m->suspend_req = false;
        m->suspended = true;
        m->wake_button = false;
        cmos_set_byte(&m->cmos, 0x0f, 0xfe);    /* shutdown status: S3 resume, as QEMU sets it */
    }
    if (m->cfg.icount_limit && vcpu_icount(m->cpu) >= m->cfg.icount_limit && !m->paused) {
        char at[32];
        where(m, at, sizeof(at));
        fprintf(stderr, "vdebug: instruction limit reached (-icount-limit %llu) at %s\n",
                (unsigned long long)m->cfg.icount_limit, at);
        pc_request_exit(m, 124, MEXIT_ICOUNT);
        *st = MACHINE_EXIT;
        return true;
    }
    return false;
}

/* Blocks until host input is readable or a signal arrives. Signals are
 * blocked until ppoll waits, so one that lands just before cannot be lost. */
static void wait_input(struct machine *m, const struct timespec *timeout)
{
    int fds[4];
    int n = machine_poll_fds(m, fds, 4);
    struct pollfd p[4];
    for (int i = 0; i < n; i++) p[i] = (struct pollfd){fds[i], POLLIN, 0};
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigprocmask(SIG_BLOCK, &block, &old);
    if (!m->interrupt_req) ppoll(p, (nfds_t)n, timeout, &old);
    sigprocmask(SIG_SETMASK, &old, NULL);
}

/* Suspended to RAM (S3). Returns false when the machine is idle or exiting. */
static bool suspended(struct machine *m)
{
    bool rtc = m->rtc_irq && acpi_pm_rtc_wake(&m->acpi_pm);
    if (rtc || m->wake_button) {
        bool button = m->wake_button;
        m->suspended = m->wake_button = false;
        VD_LOG(LOG_IOPORT, "acpi: wake-up from S3 (%s)\n", rtc ? "RTC" : "power button");
        pc_resume(m, rtc);
        if (button) acpi_pm_power_button(&m->acpi_pm);
        return true;
    }
    /* the RTC can wake the machine only with RTC_EN and one of its interrupts enabled */
    u8 rtc_b = cmos_get_byte(&m->cmos, 0x0b);
    u64 dl = vclock_next_deadline(&m->clock);
    if (acpi_pm_rtc_wake(&m->acpi_pm) && (rtc_b & 0x70) && dl != VCLOCK_NEVER) {
        if (dl > m->clock.now) m->clock.now = dl;
        vclock_run_expired(&m->clock);
        return true;
    }
    if (m->cfg.gdb) {
        m->idle = true; /* the debugger may press the power button (monitor system_powerdown) */
        return false;
    }
    char at[32];
    where(m, at, sizeof(at));
    fprintf(stderr, "vdebug: guest suspended to RAM (ACPI S3) at %s with no wake-up event enabled "
                    "(RTC_EN and an RTC interrupt)\n", at);
    pc_request_exit(m, 0, MEXIT_HALTED);
    return false;
}

/* A paced HLT waits in real time for at most ns, or until host input. */
static u64 paced_wait(struct machine *m, u64 ns)
{
    struct timespec t0, t1, to = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
    clock_gettime(CLOCK_MONOTONIC, &t0);
    wait_input(m, &to);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (u64)(t1.tv_sec - t0.tv_sec) * 1000000000u + (u64)(t1.tv_nsec - t0.tv_nsec);
}

/* The CPU is in HLT. Returns false when the machine is idle or exiting. */
static bool skip_halt(struct machine *m)
{
    u64 dl = vclock_next_deadline(&m->clock);
    bool ifl = guest_if(m);
    if (ifl && dl != VCLOCK_NEVER && m->pace_idle && dl > m->clock.now) {
        /* wait at most PACE_MAX at a time: the debugger's socket is polled between slices */
        u64 ns = dl - m->clock.now < PACE_MAX ? dl - m->clock.now : PACE_MAX;
        u64 slept = rr_paced_skip(m, ns, paced_wait);
        m->clock.now += slept < ns ? slept : ns;
        rr_input(m, RR_SITE_PACE);
        vclock_run_expired(&m->clock);
        return true;
    }
    if (ifl && dl != VCLOCK_NEVER) {
        if (dl > m->clock.now) m->clock.now = dl;
        vclock_run_expired(&m->clock);
        return true;
    }
    bool input = hostchar_has_input(m->serial_hc[0]) || hostchar_has_input(m->serial_hc[1]) ||
                 display_has_input(m->display);
    if (ifl && rr_replaying(m)) {
        /* recorded input ends this halt: hand it out where it came in, never wait for the host */
        u64 pos = rr_position(m);
        rr_input(m, RR_SITE_WAIT);
        if (rr_position(m) != pos || rr_halt_check(m)) return true;
        return false; /* diverged */
    }
    if (m->cfg.gdb) {
        m->idle = true; /* the debugger waits on its socket and the input descriptors */
        return false;
    }
    if (ifl && input) {
        display_refresh(m->display, true); /* the screen as the guest left it, while it waits */
        wait_input(m, NULL);
        rr_input(m, RR_SITE_WAIT);
        return true;
    }
    char at[32];
    where(m, at, sizeof(at));
    if (!ifl)
        fprintf(stderr, "vdebug: guest halted with interrupts disabled at %s (HLT with IF=0)\n", at);
    else
        fprintf(stderr, "vdebug: guest halted at %s with no timer armed and no input source\n", at);
    pc_request_exit(m, 0, MEXIT_HALTED);
    return false;
}

enum machine_stop machine_run(struct machine *m, u64 max_insns)
{
    u64 start = m->clock.now; /* budget in virtual ns: instructions plus time skipped over HLT */
    m->idle = false;
    for (;;) {
        enum machine_stop st;
        if (pending(m, &st)) return st;
        if (m->paused) {
            m->idle = true;
            return MACHINE_BUDGET;
        }
        u64 used = m->clock.now - start;
        if (used >= max_insns) return MACHINE_BUDGET;
        if (m->suspended) {
            if (!suspended(m)) {
                if (pending(m, &st)) return st;
                return MACHINE_BUDGET; /* idle */
            }
            continue;
        }
        history_tick(m);
        rr_input(m, RR_SITE_SLICE);
        vclock_run_expired(&m->clock);
        u64 budget = max_insns - used;
        u64 dl = vclock_next_deadline(&m->clock);
        if (dl <= m->clock.now) budget = 1; /* a timer re-armed itself in the past: one step, fire again */
        else if (dl != VCLOCK_NEVER && dl - m->clock.now < budget) budget = dl - m->clock.now;
        if (budget > SLICE_MAX) budget = SLICE_MAX;
        budget = rr_budget(m, history_budget(m, budget));
        if (m->cfg.icount_limit) {
            u64 left = m->cfg.icount_limit - vcpu_icount(m->cpu);
            if (budget > left) budget = left;
        }
        m->clock.slice_end = m->clock.now + budget;
        enum vcpu_exit x = vcpu_run(m->cpu, budget);
        m->clock.slice_end = 0;
        switch (x) {
        case VCPU_EXIT_BUDGET:
        case VCPU_EXIT_STOP:
        case VCPU_EXIT_STEP:
        case VCPU_EXIT_EMULATE:
            break;
        case VCPU_EXIT_HLT:
            if (!skip_halt(m)) {
                if (pending(m, &st)) return st;
                return MACHINE_BUDGET; /* idle */
            }
            break;
        case VCPU_EXIT_BREAKPOINT:
        case VCPU_EXIT_WATCHPOINT:
            return MACHINE_DEBUG;
        case VCPU_EXIT_TRIPLE_FAULT:
            triple_fault(m);
            break;
        }
    }
}

enum machine_stop machine_step(struct machine *m, bool irq)
{
    enum machine_stop st;
    if (pending(m, &st)) return st;
    if (m->paused) {
        m->cpu->stop.why = VCPU_EXIT_STEP;
        return MACHINE_DEBUG;
    }
    history_tick(m);
    vclock_run_expired(&m->clock);
    history_note_step(m, irq, vcpu_icount(m->cpu));
    enum vcpu_exit x = vcpu_step(m->cpu, irq);
    if (x == VCPU_EXIT_HLT && irq && guest_if(m)) {
        /* stepping a halted CPU waits for the next event, as hardware would */
        u64 dl = vclock_next_deadline(&m->clock);
        if (dl != VCLOCK_NEVER) {
            if (dl > m->clock.now) m->clock.now = dl;
            vclock_run_expired(&m->clock);
            x = vcpu_step(m->cpu, irq);
        }
    }
    if (x == VCPU_EXIT_TRIPLE_FAULT) triple_fault(m);
    if (pending(m, &st)) return st;
    return MACHINE_DEBUG;
}

bool machine_interrupt_pending(const struct machine *m) { return m->interrupt_req != 0; }

void machine_interrupt(struct machine *m)
{
    m->interrupt_req = 1;
    vcpu_kick(m->cpu);
}

void machine_reset(struct machine *m)
{
    if (m->hist) history_set_replaying(m, false);
    pc_reset_devices(m);
    vcpu_reset(m->cpu);
    pc_boot(m);
    m->resets++;
    m->reset_icount = vcpu_icount(m->cpu);
    m->reset_req = false;
    m->exit_req = false;
    m->paused = false;
    m->idle = false;
    m->suspend_req = m->suspended = m->wake_button = false;
}

bool machine_idle(const struct machine *m) { return m->idle; }
