/* The board and the machine loop through their public API (machine.h,
 * config.h), with tiny multiboot guests assembled here as bytes. */
#include "test.h"
#include "machine/config.h"
#include "machine/machine.h"
#include "machine/loader.h"
#include <unistd.h>

static char dir[64];
static char path_k[128], path_dcon[128];

/* a.out-kludge multiboot image at base (1 MiB unless the test needs low
 * memory): 32-byte header, then code at base + 0x20 */
#define ENTRY 0x100020u
static void write_guest_at(u32 base, const u8 *code, size_t n)
{
    u8 img[512] = {0};
    st32(img, MULTIBOOT_HEADER_MAGIC);
    st32(img + 4, 0x10003);
    st32(img + 8, (u32)-(MULTIBOOT_HEADER_MAGIC + 0x10003));
    st32(img + 12, base);
    st32(img + 16, base);
    st32(img + 28, base + 0x20);
    memcpy(img + 32, code, n);
    FILE *f = fopen(path_k, "wb");
    fwrite(img, 1, 32 + n, f);
    fclose(f);
}
static void write_guest(const u8 *code, size_t n) { write_guest_at(0x100000, code, n); }

static struct machine *make(bool gdb)
{
    struct machine_config c;
    machine_config_init(&c);
    c.ram_size = 8u << 20;
    c.kernel = path_k;
    c.debugcon = path_dcon;
    c.exit_device = true;
    c.exit_iobase = 0xf4;
    c.exit_iosize = 4;
    c.gdb = gdb;
    c.no_reboot = true;
    struct machine *m = machine_create(&c);
    if (!m) FAILF("machine_create failed");
    return m;
}

static u32 eip(struct machine *m)
{
    struct cpu_state s;
    vcpu_get_state(machine_vcpu(m), &s);
    return s.eip;
}

/* mov al,'A'; out 0xe9,al; mov al,3; out 0xf4,al; hlt */
static const u8 hello[] = {0xb0, 'A', 0xe6, 0xe9, 0xb0, 3, 0xe6, 0xf4, 0xf4};

TEST(entry_state_and_run_to_guest_exit)
{
    write_guest(hello, sizeof(hello));
    struct machine *m = make(false);
    if (!m) return;
    struct cpu_state s;
    vcpu_get_state(machine_vcpu(m), &s);
    CHECK_EQ(s.eip, ENTRY);
    CHECK_EQ(s.gpr[R_EAX], MULTIBOOT_BOOT_MAGIC);
    CHECK_EQ(s.gpr[R_EBX], BOOT_INFO_ADDR);
    CHECK_EQ(s.cr0 & (CR0_PE | CR0_PG), CR0_PE);
    CHECK_EQ(s.eflags & FL_IF, 0);
    CHECK_EQ(machine_run(m, UINT64_MAX), MACHINE_EXIT);
    CHECK_EQ(machine_exit_status(m), 7);
    CHECK_EQ(machine_exit_reason(m), MEXIT_GUEST);
    CHECK_EQ(vcpu_icount(machine_vcpu(m)), 4); /* the OUT to 0xf4 completes; HLT never runs */
    machine_destroy(m);
    FILE *f = fopen(path_dcon + 5, "r");
    char buf[8] = {0};
    CHECK(f && fread(buf, 1, sizeof(buf) - 1, f) == 1);
    if (f) fclose(f);
    CHECK_STR(buf, "A");
}

TEST(budget_and_step)
{
    write_guest(hello, sizeof(hello));
    struct machine *m = make(false);
    if (!m) return;
    CHECK_EQ(machine_run(m, 2), MACHINE_BUDGET);
    CHECK_EQ(vcpu_icount(machine_vcpu(m)), 2);
    CHECK_EQ(eip(m), ENTRY + 4);
    CHECK_EQ(machine_step(m, true), MACHINE_DEBUG);
    CHECK_EQ(machine_vcpu(m)->stop.why, VCPU_EXIT_STEP);
    CHECK_EQ(eip(m), ENTRY + 6);
    CHECK_EQ(machine_step(m, true), MACHINE_EXIT); /* the OUT to the exit port */
    CHECK_EQ(machine_exit_status(m), 7);
    machine_destroy(m);
}

TEST(breakpoint_stops_the_loop)
{
    write_guest(hello, sizeof(hello));
    struct machine *m = make(true);
    if (!m) return;
    CHECK_EQ(vcpu_bp_insert(machine_vcpu(m), ENTRY + 4, false), 0);
    CHECK_EQ(machine_run(m, UINT64_MAX), MACHINE_DEBUG);
    CHECK_EQ(machine_vcpu(m)->stop.why, VCPU_EXIT_BREAKPOINT);
    CHECK_EQ(eip(m), ENTRY + 4);
    CHECK_EQ(machine_run(m, UINT64_MAX), MACHINE_EXIT);
    machine_destroy(m);
}

TEST(reset_reloads_the_kernel)
{
    write_guest(hello, sizeof(hello));
    struct machine *m = make(false);
    if (!m) return;
    CHECK_EQ(machine_run(m, UINT64_MAX), MACHINE_EXIT);
    u8 junk[4] = {0xcc, 0xcc, 0xcc, 0xcc};
    vcpu_write_phys(machine_vcpu(m), ENTRY, junk, 4);
    machine_reset(m);
    u8 b[2];
    vcpu_read_phys(machine_vcpu(m), ENTRY, b, 2);
    CHECK_EQ(b[0], 0xb0);
    CHECK_EQ(b[1], 'A');
    CHECK_EQ(eip(m), ENTRY);
    CHECK_EQ(machine_run(m, UINT64_MAX), MACHINE_EXIT); /* a reset clears the exit request */
    CHECK_EQ(machine_exit_status(m), 7);
    machine_destroy(m);
}

/* cli; hlt */
static const u8 dead[] = {0xfa, 0xf4};

TEST(dead_halt_exits_without_debugger)
{
    write_guest(dead, sizeof(dead));
    struct machine *m = make(false);
    if (!m) return;
    CHECK_EQ(machine_run(m, UINT64_MAX), MACHINE_EXIT);
    CHECK_EQ(machine_exit_reason(m), MEXIT_HALTED);
    CHECK_EQ(machine_exit_status(m), 0);
    machine_destroy(m);
}

TEST(dead_halt_is_idle_under_debugger)
{
    write_guest(dead, sizeof(dead));
    struct machine *m = make(true);
    if (!m) return;
    CHECK_EQ(machine_run(m, 1000000), MACHINE_BUDGET);
    CHECK(machine_idle(m));
    CHECK_EQ(machine_run(m, 1000000), MACHINE_BUDGET); /* still idle, returns at once */
    CHECK(machine_idle(m));
    machine_destroy(m);
}

TEST(interrupt_request)
{
    /* jmp $ */
    static const u8 spin[] = {0xeb, 0xfe};
    write_guest(spin, sizeof(spin));
    struct machine *m = make(false);
    if (!m) return;
    machine_interrupt(m);
    CHECK_EQ(machine_run(m, UINT64_MAX), MACHINE_INTERRUPTED);
    CHECK_EQ(machine_run(m, 1000), MACHINE_BUDGET);
    machine_destroy(m);
}

TEST(a20_gate_through_port_92)
{
    /* in al,0x92; and al,0xfd; out 0x92,al; mov dword [0x1100f0],0x12345678;
     * or al,2; out 0x92,al; mov dword [0x1100f4],0x9abcdef0; mov al,0; out 0xf4,al
     * (0x100f0 below, clear of the BIOS data the loader leaves at 0-0x4ff) */
    static const u8 code[] = {
        0xe4, 0x92, 0x24, 0xfd, 0xe6, 0x92,
        0xc7, 0x05, 0xf0, 0x00, 0x11, 0x00, 0x78, 0x56, 0x34, 0x12,
        0x0c, 0x02, 0xe6, 0x92,
        0xc7, 0x05, 0xf4, 0x00, 0x11, 0x00, 0xf0, 0xde, 0xbc, 0x9a,
        0xb0, 0x00, 0xe6, 0xf4,
    };
    write_guest_at(0x10000, code, sizeof(code)); /* code below 1 MiB: it runs with A20 off */
    struct machine *m = make(false);
    if (!m) return;
    CHECK_EQ(machine_run(m, UINT64_MAX), MACHINE_EXIT);
    CHECK_EQ(machine_exit_status(m), 1);
    u32 lo[2], hi[2];
    vcpu_read_phys(machine_vcpu(m), 0x100f0, lo, 8);
    vcpu_read_phys(machine_vcpu(m), 0x1100f0, hi, 8);
    CHECK_EQ(lo[0], 0x12345678); /* A20 off: bit 20 masked */
    CHECK_EQ(hi[0], 0);
    CHECK_EQ(hi[1], 0x9abcdef0); /* A20 on again */
    CHECK_EQ(lo[1], 0);
    machine_destroy(m);
}

TEST(cmos_reports_memory_size)
{
    /* the guest copies CMOS 0x17/0x18 (KiB of memory above 1 MiB) to 0x9000 */
    static const u8 code[] = {
        0xb0, 0x17, 0xe6, 0x70, 0xe4, 0x71, 0xa2, 0x00, 0x90, 0x00, 0x00, /* mov [0x9000],al */
        0xb0, 0x18, 0xe6, 0x70, 0xe4, 0x71, 0xa2, 0x01, 0x90, 0x00, 0x00, /* mov [0x9001],al */
        0xb0, 0x00, 0xe6, 0xf4,
    };
    write_guest(code, sizeof(code));
    struct machine *m = make(false);
    if (!m) return;
    CHECK_EQ(machine_run(m, UINT64_MAX), MACHINE_EXIT);
    u8 v[2];
    vcpu_read_phys(machine_vcpu(m), 0x9000, v, 2);
    CHECK_EQ(v[0] | v[1] << 8, (8u << 20) / 1024 - 1024);
    machine_destroy(m);
}

TEST(machine_info_devices)
{
    write_guest(hello, sizeof(hello));
    struct machine *m = make(false);
    if (!m) return;
    char buf[4096];
    CHECK(machine_info(m, "pic", buf, sizeof(buf)) > 0 && buf[0]);
    CHECK(machine_info(m, "pit", buf, sizeof(buf)) > 0 && buf[0]);
    CHECK(machine_info(m, "rtc", buf, sizeof(buf)) > 0 && buf[0]);
    CHECK(machine_info(m, "serial", buf, sizeof(buf)) > 0 && buf[0]);
    CHECK_EQ(machine_info(m, "nonsense", buf, sizeof(buf)), -1);
    CHECK(machine_mem(m) && machine_mem(m)->ram_size == (8u << 20));
    machine_destroy(m);
}

/* -kernel without -bios: the loader leaves what SeaBIOS leaves (machine/bios_data.h) */
TEST(bios_data_after_direct_boot)
{
    static const u8 code[] = {0xb0, 0x00, 0xe6, 0xf4}; /* mov al,0; out 0xf4,al */
    write_guest_at(0x100000, code, sizeof(code));
    struct machine *m = make(false);
    if (!m) return;
    u32 ivt[256];
    vcpu_read_phys(machine_vcpu(m), 0, ivt, sizeof(ivt));
    CHECK_EQ(ivt[0x08], 0xf000fea5u);                 /* IRQ 0: the tick handler */
    CHECK_EQ(ivt[0x09], 0xf000ff54u);                 /* IRQ 1-7: EOI to the master */
    CHECK_EQ(ivt[0x0f], 0xf000ff54u);
    CHECK_EQ(ivt[0x70], 0xf000ff64u);                 /* IRQ 8: RTC acknowledge, EOI to both */
    CHECK_EQ(ivt[0x71], 0xf000ff5bu);                 /* IRQ 9-15: EOI to both */
    CHECK_EQ(ivt[0x77], 0xf000ff5bu);
    CHECK_EQ(ivt[0x00], 0xf000ff53u);                 /* the rest: IRET */
    CHECK_EQ(ivt[0x1c], 0xf000ff53u);
    u8 iret = 0, ebda = 0;
    vcpu_read_phys(machine_vcpu(m), 0xfff53, &iret, 1);
    CHECK_EQ(iret, 0xcf);
    vcpu_read_phys(machine_vcpu(m), 0x9fc00, &ebda, 1);
    CHECK_EQ(ebda, 1);
    u16 bda[0x80];
    vcpu_read_phys(machine_vcpu(m), 0x400, bda, sizeof(bda));
    CHECK_EQ(bda[0x0e / 2], 0x9fc0);                  /* EBDA segment */
    CHECK_EQ(bda[0x10 / 2], 0x0026);                  /* x87, mouse, 80x25 colour, no serial port */
    CHECK_EQ(((u8 *)bda)[0x49], 3);                   /* the VGA in mode 3 (tests/boot/bda.sh: all of it) */
    CHECK_EQ(ld16((u8 *)bda + 0x63), 0x3d4);          /* its CRTC port */
    CHECK_EQ(ld16((u8 *)bda + 0x13), 639);
    CHECK_EQ(ld32((u8 *)bda + 0x6c), 0);              /* RTC starts at midnight */
    char info[1024];
    machine_info(m, "pic", info, sizeof(info));
    CHECK(strstr(info, "b8   00   0x08") != NULL);    /* master: IMR b8, ELCR 0, base 0x08 */
    CHECK(strstr(info, "8e   02   0x70") != NULL);    /* slave: IMR 8e, ELCR 02 (SCI), base 0x70 */
    machine_info(m, "pit", info, sizeof(info));
    CHECK(strstr(info, "0  2    lsb/msb 0   1    0x0000") != NULL); /* channel 0: mode 2, count 65536 */
    CHECK_EQ(machine_run(m, UINT64_MAX), MACHINE_EXIT);
    machine_destroy(m);
}

TEST(bad_kernel_creates_nothing)
{
    FILE *f = fopen(path_k, "wb");
    fputs("not a kernel", f);
    fclose(f);
    unlink(path_dcon + 5);
    struct machine_config c;
    machine_config_init(&c);
    c.kernel = path_k;
    c.debugcon = path_dcon;
    CHECK(machine_create(&c) == NULL);
    CHECK(access(path_dcon + 5, F_OK) != 0);
}

int main(void)
{
    snprintf(dir, sizeof(dir), "/tmp/vdebug-test-machine.XXXXXX");
    if (!mkdtemp(dir)) return 1;
    snprintf(path_k, sizeof(path_k), "%s/k.bin", dir);
    snprintf(path_dcon, sizeof(path_dcon), "file:%s/dcon", dir);
    /* machine messages ("guest halted ...") are expected here */
    if (!freopen("/dev/null", "w", stderr)) return 1;
    RUN(entry_state_and_run_to_guest_exit);
    RUN(budget_and_step);
    RUN(breakpoint_stops_the_loop);
    RUN(reset_reloads_the_kernel);
    RUN(dead_halt_exits_without_debugger);
    RUN(dead_halt_is_idle_under_debugger);
    RUN(interrupt_request);
    RUN(a20_gate_through_port_92);
    RUN(cmos_reports_memory_size);
    RUN(machine_info_devices);
    RUN(bios_data_after_direct_boot);
    RUN(bad_kernel_creates_nothing);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd)) {}
    return test_summary();
}
