/* ACPI on the assembled board: the tables a -kernel boot finds in guest
 * memory (found the way an OS searches for the RSDP), the ELCR the loader
 * programs for the SCI, and a guest-driven S5 power-off, with tiny multiboot
 * guests assembled here as bytes. */
#include "test.h"
#include "machine/config.h"
#include "machine/machine.h"
#include "machine/loader.h"
#include "dev/acpi_pm.h"
#include "debug/monitor.h"
#include <stdlib.h>
#include <unistd.h>

static char dir[64], path_k[128], path_rom[128];

static void write_guest(const u8 *code, size_t n)
{
    u8 img[512] = {0};
    st32(img, MULTIBOOT_HEADER_MAGIC);
    st32(img + 4, 0x10003);
    st32(img + 8, (u32)-(MULTIBOOT_HEADER_MAGIC + 0x10003));
    st32(img + 12, 0x100000);
    st32(img + 16, 0x100000);
    st32(img + 28, 0x100020);
    memcpy(img + 32, code, n);
    FILE *f = fopen(path_k, "wb");
    fwrite(img, 1, 32 + n, f);
    fclose(f);
}

static struct machine *make(const char *kernel, const char *bios, bool no_shutdown)
{
    struct machine_config c;
    machine_config_init(&c);
    c.ram_size = 8u << 20;
    c.kernel = kernel;
    c.bios = bios;
    c.exit_device = true;
    c.exit_iobase = 0xf4;
    c.exit_iosize = 4;
    c.no_reboot = true;
    c.no_shutdown = no_shutdown;
    struct machine *m = machine_create(&c);
    if (!m) FAILF("machine_create failed");
    return m;
}

static u8 sum(const u8 *p, size_t n)
{
    u8 s = 0;
    while (n--) s = (u8)(s + *p++);
    return s;
}

/* ACPI 6.4 section 5.2.5.1: the RSDP is on a 16-byte boundary in
 * 0xE0000-0xFFFFF with a valid checksum. Returns its address or 0. */
static u32 find_rsdp(struct physmem *pm)
{
    for (u32 a = 0xE0000; a < 0x100000; a += 16) {
        u8 r[20];
        if (physmem_debug_rw(pm, a, r, 20, false) == 20 && !memcmp(r, "RSD PTR ", 8) && sum(r, 20) == 0)
            return a;
    }
    return 0;
}

/* mov al,0x74; out 0xf4,al: exits with status 0xe9 (not run: the test reads memory) */
static const u8 idle_exit[] = {0xb0, 0x74, 0xe6, 0xf4, 0xf4};

TEST(tables_in_guest_memory)
{
    write_guest(idle_exit, sizeof(idle_exit));
    struct machine *m = make(path_k, NULL, false);
    if (!m) return;
    struct physmem *pm = machine_mem(m);
    u32 rsdp = find_rsdp(pm);
    CHECK(rsdp != 0);
    u8 r[36], hdr[36], fadt[244];
    physmem_debug_rw(pm, rsdp, r, sizeof(r), false);
    CHECK_EQ(sum(r, 36), 0);
    /* RSDT -> FADT -> the PM device's control block */
    physmem_debug_rw(pm, ld32(r + 16), hdr, sizeof(hdr), false);
    CHECK(!memcmp(hdr, "RSDT", 4));
    u32 fadt_addr;
    physmem_debug_rw(pm, ld32(r + 16) + 36, &fadt_addr, 4, false);
    physmem_debug_rw(pm, fadt_addr, fadt, sizeof(fadt), false);
    CHECK(!memcmp(fadt, "FACP", 4));
    CHECK_EQ(sum(fadt, sizeof(fadt)), 0);
    CHECK_EQ(ld32(fadt + 64), ACPI_PM_BASE + ACPI_PM_CNT_OFF);
    /* the tables live in the e820 "reserved" F segment */
    struct memmap_entry mm[MEMMAP_MAX];
    int n = machine_memmap(8u << 20, false, 0, mm), covered = 0;
    for (int i = 0; i < n; i++)
        if (mm[i].type == MEMMAP_RESERVED && rsdp >= mm[i].base && fadt_addr + 244 <= mm[i].base + mm[i].len)
            covered = 1;
    CHECK(covered);
    machine_destroy(m);
}

TEST(elcr_sci_level)
{
    /* mov dx,0x4d1; in al,dx; out 0xf4,al: exit status (ELCR2 << 1) | 1 */
    static const u8 code[] = {0x66, 0xba, 0xd1, 0x04, 0xec, 0xe6, 0xf4, 0xf4};
    write_guest(code, sizeof(code));
    struct machine *m = make(path_k, NULL, false);
    if (!m) return;
    CHECK_EQ(machine_run(m, 1000), MACHINE_EXIT);
    CHECK_EQ(machine_exit_status(m), (0x02 << 1) | 1);   /* IRQ 9 level, nothing else */
    machine_destroy(m);
}

/* ACPI_ENABLE through SMI_CMD, wait for SCI_EN, then PM1a_CNT = SLP_TYP 0 | SLP_EN */
static const u8 poweroff[] = {
    0xb0, 0xf1, 0xe6, 0xb2,                 /* mov al,0xf1; out 0xb2,al */
    0x66, 0xba, 0x04, 0x06,                 /* mov dx,0x604 */
    0x66, 0xed, 0xa8, 0x01, 0x74, 0xfa,     /* 1: in ax,dx; test al,1; jz 1b */
    0x66, 0xb8, 0x01, 0x20, 0x66, 0xef,     /* mov ax,0x2001; out dx,ax */
    0xb0, 0x10, 0xe6, 0xf4,                 /* not reached: exit status 0x21 */
    0xf4,
};

TEST(s5_powers_off_with_status_0)
{
    write_guest(poweroff, sizeof(poweroff));
    struct machine *m = make(path_k, NULL, false);
    if (!m) return;
    CHECK_EQ(machine_run(m, 100000), MACHINE_EXIT);
    CHECK_EQ(machine_exit_status(m), 0);
    CHECK_EQ(machine_exit_reason(m), MEXIT_POWEROFF);
    machine_destroy(m);
}

TEST(s5_under_no_shutdown_pauses)
{
    write_guest(poweroff, sizeof(poweroff));
    struct machine *m = make(path_k, NULL, true);
    if (!m) return;
    CHECK_EQ(machine_run(m, 100000), MACHINE_BUDGET);
    CHECK(machine_idle(m));
    u64 icount = vcpu_icount(machine_vcpu(m));
    CHECK_EQ(machine_run(m, 100000), MACHINE_BUDGET);
    CHECK_EQ(vcpu_icount(machine_vcpu(m)), icount);   /* stopped, state kept */
    char info[512];
    CHECK(machine_info(m, "acpi", info, sizeof(info)) > 0);
    CHECK(strstr(info, "SCI_EN=1") != NULL);
    machine_destroy(m);
}

static char mon_said[128];
static void mon_out(void *o, const char *t, size_t n)
{
    (void)o;
    size_t have = strlen(mon_said);
    if (have + n < sizeof(mon_said)) {
        memcpy(mon_said + have, t, n);
        mon_said[have + n] = 0;
    }
}

/* The monitor's system_powerdown presses the power button: a guest polling
 * PM1_STS sees PWRBTN_STS (bit 8) and exits through the exit device. */
TEST(system_powerdown_sets_pwrbtn_sts)
{
    static const u8 poll[] = {
        0x66, 0xba, 0x00, 0x06,             /* mov dx, 0x600 (PM1_STS) */
        0x66, 0xed,                         /* in ax, dx */
        0xa9, 0x00, 0x01, 0x00, 0x00,       /* test eax, 0x100 */
        0x74, 0xf3,                         /* jz back to the mov */
        0xb0, 0x05, 0xe6, 0xf4,             /* mov al, 5; out 0xf4, al: exit (5 << 1) | 1 */
        0xeb, 0xfe,
    };
    write_guest(poll, sizeof(poll));
    struct machine *m = make(path_k, NULL, false);
    if (!m) return;
    CHECK_EQ(machine_run(m, 100000), MACHINE_BUDGET);   /* polling: no button yet */
    struct monitor mon;
    monitor_init(&mon, m, machine_vcpu(m));
    mon_said[0] = 0;
    mon.out = mon_out;
    CHECK_EQ(monitor_exec(&mon, "system_powerdown"), 0);
    CHECK_STR(mon_said, "power button pressed\n");
    CHECK_EQ(machine_run(m, 100000), MACHINE_EXIT);
    CHECK_EQ(machine_exit_status(m), 11);
    machine_destroy(m);
}

TEST(bios_rom_gets_no_tables)
{
    /* a raw ROM of HLTs: the F segment is the ROM, nothing is written there */
    static u8 rom[65536];
    memset(rom, 0xf4, sizeof(rom));
    FILE *f = fopen(path_rom, "wb");
    fwrite(rom, 1, sizeof(rom), f);
    fclose(f);
    struct machine *m = make(NULL, path_rom, false);
    if (!m) return;
    CHECK_EQ(find_rsdp(machine_mem(m)), 0);
    u8 b[16];
    physmem_debug_rw(machine_mem(m), 0xF0000, b, sizeof(b), false);
    CHECK_EQ(b[0], 0xf4);
    machine_destroy(m);
}

TEST(firmware_segments_only_in_the_bios_area)
{
    char err[256];
    struct boot_image b;
    boot_image_init(&b);
    boot_image_add_firmware(&b, 0xF0000, calloc(1, 0x1000), 0x1000, "tables");
    CHECK_EQ(boot_image_check(&b, 8u << 20, err, sizeof(err)), 0);
    /* an ordinary segment may not go there */
    boot_image_add(&b, 0xF8000, 16, calloc(1, 16), 16, "kernel");
    CHECK_EQ(boot_image_check(&b, 8u << 20, err, sizeof(err)), -1);
    CHECK(strstr(err, "PC memory hole") != NULL);
    boot_image_free(&b);
    /* a firmware segment outside 0xE0000-0xFFFFF is refused, so is an overlap */
    boot_image_init(&b);
    boot_image_add_firmware(&b, 0xDF000, calloc(1, 0x2000), 0x2000, "tables");
    CHECK_EQ(boot_image_check(&b, 8u << 20, err, sizeof(err)), -1);
    CHECK(strstr(err, "outside the BIOS area") != NULL);
    boot_image_free(&b);
    boot_image_init(&b);
    boot_image_add_firmware(&b, 0xF0000, calloc(1, 0x100), 0x100, "ACPI tables");
    boot_image_add_firmware(&b, 0xF00F0, calloc(1, 0x100), 0x100, "SMBIOS tables");
    CHECK_EQ(boot_image_check(&b, 8u << 20, err, sizeof(err)), -1);
    CHECK(strstr(err, "overlaps ACPI tables") != NULL);
    boot_image_free(&b);
}

int main(void)
{
    snprintf(dir, sizeof(dir), "/tmp/vdebug-acpi-board-XXXXXX");
    if (!mkdtemp(dir)) {
        printf("FAIL setup: cannot create a temporary directory\n");
        return 1;
    }
    snprintf(path_k, sizeof(path_k), "%s/kernel", dir);
    snprintf(path_rom, sizeof(path_rom), "%s/rom", dir);
    RUN(tables_in_guest_memory);
    RUN(elcr_sci_level);
    RUN(s5_powers_off_with_status_0);
    RUN(s5_under_no_shutdown_pauses);
    RUN(system_powerdown_sets_pwrbtn_sts);
    RUN(bios_rom_gets_no_tables);
    RUN(firmware_segments_only_in_the_bios_area);
    unlink(path_k);
    unlink(path_rom);
    rmdir(dir);
    return test_summary();
}
