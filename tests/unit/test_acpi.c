/*
 * ACPI tables (machine/acpi.c) and the AML emitter (machine/aml.c).
 *
 * Structure (checksums, lengths, pointers, FADT fields against the PM
 * device's constants) is checked here; the oracle for the encoding is
 * ACPICA (Debian's acpica-tools): every table is disassembled with iasl and
 * compiled back, and the result must be byte-identical to ours (except the
 * compiler ID and checksum, which iasl writes as its own); acpiexec loads
 * the FADT and DSDT into a namespace and evaluates objects. Without iasl /
 * acpiexec those cases SKIP.
 */
#define _GNU_SOURCE
#include "test.h"
#include "machine/acpi.h"
#include "machine/aml.h"
#include "dev/acpi_pm.h"
#include "dev/cmos.h"
#include <unistd.h>

static u8 sum(const u8 *p, size_t n)
{
    u8 s = 0;
    while (n--) s = (u8)(s + *p++);
    return s;
}

/* ---- AML encodings (ACPI 6.4 chapter 20) ---- */

TEST(aml_eisaid)
{
    /* ACPI 6.4 section 19.6.35: EISAID("PNP0C0C") = 0x0C0CD041 */
    CHECK_EQ(aml_eisaid("PNP0C0C"), 0x0C0CD041);
    CHECK_EQ(aml_eisaid("PNP0A03"), 0x030AD041);
}

TEST(aml_integers_and_names)
{
    struct aml a;
    aml_init(&a);
    aml_int(&a, 0);
    aml_int(&a, 1);
    aml_int(&a, 0xff);
    aml_int(&a, 0x100);
    aml_int(&a, 0x10000);
    aml_int(&a, 0x100000000ull);
    static const u8 ints[] = {0x00, 0x01, 0x0a, 0xff, 0x0b, 0x00, 0x01, 0x0c, 0x00, 0x00, 0x01, 0x00,
                              0x0e, 0, 0, 0, 0, 1, 0, 0, 0};
    CHECK_EQ(a.len, sizeof(ints));
    CHECK(!memcmp(a.buf, ints, sizeof(ints)));
    a.len = 0;
    aml_namestring(&a, "\\_SB.PCI0");
    CHECK_EQ(a.len, 10);
    CHECK(!memcmp(a.buf, "\\\x2e_SB_PCI0", 10));
    a.len = 0;
    aml_namestring(&a, "^A.BC.DEF");
    CHECK_EQ(a.len, 15);
    CHECK(!memcmp(a.buf, "^\x2f\x03" "A___BC__DEF_", 15));
    a.len = 0;
    aml_namestring(&a, "\\");
    CHECK_EQ(a.len, 2);
    CHECK(!memcmp(a.buf, "\\\0", 2));
    aml_free(&a);
}

/* Package of n one-byte elements: body = NumElements + n bytes. */
static size_t package_of(struct aml *a, int n)
{
    a->len = 0;
    aml_package_begin(a, (u8)n);
    for (int i = 0; i < n; i++) aml_int(a, 0);
    aml_end(a);
    return a->len;
}

TEST(aml_pkglength)
{
    struct aml a;
    aml_init(&a);
    /* 1-byte PkgLength holds up to 63 (including itself) */
    CHECK_EQ(package_of(&a, 61), 1 + 1 + 62);
    CHECK_EQ(a.buf[1], 63);
    /* 62 elements: 63 body bytes + 2 PkgLength bytes = 65 = 0x41: lead 0x41, then 0x04 */
    CHECK_EQ(package_of(&a, 62), 1 + 2 + 63);
    CHECK_EQ(a.buf[1], 0x41);
    CHECK_EQ(a.buf[2], 0x04);
    CHECK_EQ(a.buf[3], 62);
    /* a 5000-byte buffer needs 3 PkgLength bytes (up to 0xFFFFF) */
    a.len = 0;
    aml_buffer_begin(&a);
    for (int i = 0; i < 5000; i++) aml_byte(&a, 0x55);
    aml_end(&a);
    /* BufferOp, PkgLength(3), WordPrefix 0x1388, data */
    CHECK_EQ(a.len, 1 + 3 + 3 + 5000);
    u32 total = 3 + 3 + 5000;
    CHECK_EQ(a.buf[1], 0x80 | (total & 0xf));
    CHECK_EQ(a.buf[2], (total >> 4) & 0xff);
    CHECK_EQ(a.buf[3], total >> 12);
    CHECK_EQ(a.buf[4], 0x0b);
    CHECK_EQ(ld16(a.buf + 5), 5000);
    aml_free(&a);
}

/* ---- the tables ---- */

static const struct acpi_config cfg = {.ram_size = 256ull << 20, .com = {true, true}};
static u8 *blob;
static u32 blob_len;
static struct acpi_layout at;

static u8 *tbl(u32 addr) { return blob + (addr - ACPI_TABLES_BASE); }

TEST(layout_and_checksums)
{
    CHECK(blob_len <= ACPI_TABLES_MAX);
    /* RSDP: in the BIOS area on a 16-byte boundary, both checksums */
    CHECK(at.rsdp >= 0xE0000 && at.rsdp + ACPI_RSDP_LEN <= 0x100000);
    CHECK_EQ(at.rsdp % 16, 0);
    u8 *r = tbl(at.rsdp);
    CHECK(!memcmp(r, "RSD PTR ", 8));
    CHECK_EQ(sum(r, 20), 0);
    CHECK_EQ(sum(r, ACPI_RSDP_LEN), 0);
    CHECK_EQ(r[15], 2);
    CHECK_EQ(ld32(r + 16), at.rsdt);
    CHECK_EQ(ld32(r + 20), ACPI_RSDP_LEN);
    CHECK_EQ(ld64(r + 24), at.xsdt);
    /* FACS: 64-byte aligned, no checksum */
    CHECK_EQ(at.facs % 64, 0);
    CHECK(!memcmp(tbl(at.facs), "FACS", 4));
    CHECK_EQ(ld32(tbl(at.facs) + 4), 64);
    /* every table with a header: signature, length inside the blob, checksum */
    static const char *const sigs[] = {"RSDT", "XSDT", "FACP", "DSDT"};
    const u32 addrs[] = {at.rsdt, at.xsdt, at.fadt, at.dsdt};
    for (int i = 0; i < 4; i++) {
        u8 *t = tbl(addrs[i]);
        u32 len = ld32(t + 4);
        CHECK(!memcmp(t, sigs[i], 4));
        CHECK(addrs[i] + len <= ACPI_TABLES_BASE + blob_len);
        CHECK_EQ(sum(t, len), 0);
        CHECK(!memcmp(t + 10, "VDBG  ", 6));
    }
    CHECK_EQ(ld32(tbl(at.rsdt) + 4), ACPI_HDR_LEN + 4);
    CHECK_EQ(ld32(tbl(at.rsdt) + ACPI_HDR_LEN), at.fadt);
    CHECK_EQ(ld32(tbl(at.xsdt) + 4), ACPI_HDR_LEN + 8);
    CHECK_EQ(ld64(tbl(at.xsdt) + ACPI_HDR_LEN), at.fadt);
    CHECK_EQ(ld32(tbl(at.fadt) + 4), ACPI_FADT_LEN);
    CHECK_EQ(tbl(at.fadt)[8], 3);
    /* tables do not overlap */
    const u32 starts[] = {at.facs, at.rsdp, at.rsdt, at.xsdt, at.fadt, at.dsdt};
    const u32 lens[] = {64, ACPI_RSDP_LEN, ld32(tbl(at.rsdt) + 4), ld32(tbl(at.xsdt) + 4), ACPI_FADT_LEN,
                        ld32(tbl(at.dsdt) + 4)};
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < i; j++)
            CHECK(starts[i] >= starts[j] + lens[j] || starts[j] >= starts[i] + lens[i]);
}

/* A Generic Address Structure in system I/O space. */
static void check_gas(const u8 *g, u32 port, unsigned bits)
{
    CHECK_EQ(g[0], 1);
    CHECK_EQ(g[1], bits);
    CHECK_EQ(g[2], 0);
    CHECK_EQ(ld64(g + 4), port);
}

TEST(fadt_matches_the_pm_device)
{
    u8 *f = tbl(at.fadt);
    CHECK_EQ(ld32(f + FADT_FACS), at.facs);
    CHECK_EQ(ld32(f + FADT_DSDT), at.dsdt);
    CHECK_EQ(ld64(f + FADT_X_FACS), 0);      /* the 32-bit pointer is enough (QEMU/SeaBIOS do the same) */
    CHECK_EQ(ld64(f + FADT_X_DSDT), at.dsdt);
    CHECK_EQ(ld16(f + FADT_SCI_INT), ACPI_PM_SCI_IRQ);
    CHECK_EQ(ld32(f + FADT_SMI_CMD), ACPI_PM_SMI_CMD);
    CHECK_EQ(f[FADT_ACPI_ENABLE], ACPI_PM_ENABLE);
    CHECK_EQ(f[FADT_ACPI_DISABLE], ACPI_PM_DISABLE);
    CHECK_EQ(ld32(f + FADT_PM1A_EVT), ACPI_PM_BASE);
    CHECK_EQ(ld32(f + FADT_PM1A_CNT), ACPI_PM_BASE + ACPI_PM_CNT_OFF);
    CHECK_EQ(ld32(f + FADT_PM_TMR), ACPI_PM_BASE + ACPI_PM_TMR_OFF);
    CHECK_EQ(f[FADT_PM1_EVT_LEN], 4);    /* the spec's minimum: 2 status + 2 enable bytes */
    CHECK_EQ(f[FADT_PM1_CNT_LEN], 2);
    CHECK_EQ(f[FADT_PM_TMR_LEN], 4);
    CHECK_EQ(ld32(f + FADT_GPE0), 0);
    /* the 64-bit blocks agree with the 32-bit ones (ACPICA warns otherwise) */
    check_gas(f + FADT_X_PM1A_EVT, ACPI_PM_BASE, 32);
    check_gas(f + FADT_X_PM1A_CNT, ACPI_PM_BASE + ACPI_PM_CNT_OFF, 16);
    check_gas(f + FADT_X_PM_TMR, ACPI_PM_BASE + ACPI_PM_TMR_OFF, 32);
    for (int off = FADT_X_PM1B_EVT; off < ACPI_FADT_LEN; off += 12)
        if (off != FADT_X_PM1A_CNT && off != FADT_X_PM_TMR) CHECK_EQ(ld64(f + off + 4), 0);
    /* 24-bit timer, reset register 0xCF9 <- 6, fixed power button */
    u32 flags = ld32(f + FADT_FLAGS);
    CHECK_EQ(flags & FADT_F_TMR_VAL_EXT, 0);
    CHECK(flags & FADT_F_RESET_REG_SUP);
    CHECK_EQ(flags & FADT_F_PWR_BUTTON, 0);
    check_gas(f + FADT_RESET_REG, 0xcf9, 8);
    CHECK_EQ(f[FADT_RESET_VALUE], 6);
    CHECK_EQ(f[FADT_CENTURY], CMOS_CENTURY);
    CHECK(ld16(f + FADT_BOOT_ARCH) & BOOT_ARCH_8042);
}

TEST(dsdt_follows_the_machine)
{
    /* COM2 absent: no second PNP0501; the PCI window starts at the end of RAM */
    struct acpi_config c = {.ram_size = 64ull << 20, .com = {true, false}};
    u32 len;
    struct acpi_layout w;
    u8 *b = acpi_build(&c, ACPI_TABLES_BASE, &len, &w);
    u8 *d = b + (w.dsdt - ACPI_TABLES_BASE);
    u32 dlen = ld32(d + 4);
    u8 com[5] = {0x0c}, window[4];
    st32(com + 1, aml_eisaid("PNP0501"));
    st32(window, 64u << 20);
    int ncom = 0, nwin = 0;
    for (u32 i = 0; i + 5 <= dlen; i++) ncom += !memcmp(d + i, com, 5);
    for (u32 i = 0; i + 4 <= dlen; i++) nwin += !memcmp(d + i, window, 4);
    CHECK_EQ(ncom, 1);
    CHECK_EQ(nwin, 1);
    CHECK_EQ(sum(d, dlen), 0);
    free(b);
}

/* With the APIC pair: a MADT, listed in both RSDT and XSDT. */
static const struct acpi_config cfg_apic = {.ram_size = 128ull << 20, .apic = true, .ioapic_id = 1,
                                            .ioapic_addr = 0xFEC00000u};
static u8 *blob_apic;
static u32 blob_apic_len;
static struct acpi_layout at_apic;
static u8 *tbl_apic(u32 addr) { return blob_apic + (addr - ACPI_TABLES_BASE); }

TEST(madt)
{
    CHECK_EQ(at.madt, 0);   /* none without APICs */
    CHECK(at_apic.madt != 0);
    u8 *rsdt = tbl_apic(at_apic.rsdt), *xsdt = tbl_apic(at_apic.xsdt), *m = tbl_apic(at_apic.madt);
    CHECK_EQ(ld32(rsdt + 4), ACPI_HDR_LEN + 8);
    CHECK_EQ(ld32(rsdt + ACPI_HDR_LEN + 4), at_apic.madt);
    CHECK_EQ(ld32(xsdt + 4), ACPI_HDR_LEN + 16);
    CHECK_EQ(ld64(xsdt + ACPI_HDR_LEN + 8), at_apic.madt);
    CHECK_EQ(sum(rsdt, ld32(rsdt + 4)), 0);
    CHECK_EQ(sum(xsdt, ld32(xsdt + 4)), 0);
    CHECK(!memcmp(m, "APIC", 4));
    u32 len = ld32(m + 4);
    CHECK_EQ(sum(m, len), 0);
    CHECK(at_apic.madt + len <= ACPI_TABLES_BASE + blob_apic_len);
    CHECK_EQ(ld32(m + MADT_LAPIC_ADDR), 0xFEE00000u);
    CHECK_EQ(ld32(m + MADT_FLAGS), MADT_PCAT_COMPAT);
    /* walk the entries: each type once (two overrides), lengths add up */
    int seen[5] = {0};
    u32 off = MADT_ENTRIES;
    while (off + 2 <= len && m[off + 1] >= 2) {
        u8 type = m[off], elen = m[off + 1];
        if (type < 5) seen[type]++;
        if (type == 1) {
            CHECK_EQ(m[off + 2], 1);
            CHECK_EQ(ld32(m + off + 4), 0xFEC00000u);
            CHECK_EQ(ld32(m + off + 8), 0);
        }
        if (type == 2 && m[off + 3] == ACPI_PM_SCI_IRQ) CHECK_EQ(ld16(m + off + 8), 0x000d);
        if (type == 2 && m[off + 3] == 0) CHECK_EQ(ld32(m + off + 4), 2);
        off += elen;
    }
    CHECK_EQ(off, len);
    CHECK_EQ(seen[0], 1);
    CHECK_EQ(seen[1], 1);
    CHECK_EQ(seen[2], 2);
    CHECK_EQ(seen[4], 1);
}

/* ---- ACPICA as the oracle ---- */

static char dir[64];

static bool have(const char *tool)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", tool);
    return system(cmd) == 0;
}

static void put(const char *name, const u8 *p, u32 len)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, len, f) != len) FAILF("cannot write %s", path);
    if (f) fclose(f);
}

static u8 *get(const char *name, u32 *len)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    u8 *b = malloc(1 << 16);
    *len = (u32)fread(b, 1, 1 << 16, f);
    fclose(f);
    return b;
}

/* Run a shell command in dir; its output goes to out (NUL-terminated). */
static int run(const char *cmd, char *out, size_t size)
{
    char full[512];
    snprintf(full, sizeof(full), "cd %s && { %s; } 2>&1", dir, cmd);
    FILE *p = popen(full, "r");
    if (!p) return -1;
    size_t n = fread(out, 1, size - 1, p);
    out[n] = 0;
    return pclose(p);
}

/* iasl -d, then iasl back: the recompiled table must equal ours except the
 * checksum (offset 9) and the compiler ID/revision (28-35), which iasl sets. */
static void roundtrip(const char *name, const u8 *t, bool has_header)
{
    static char out[1 << 16];
    u32 len = ld32(t + 4);   /* the FACS has its length there too */
    char dat[32], cmd[128];
    snprintf(dat, sizeof(dat), "%s.dat", name);
    put(dat, t, len);
    snprintf(cmd, sizeof(cmd), "iasl -d %s && iasl -oa %s.dsl", dat, name);
    int st = run(cmd, out, sizeof(out));
    if (st != 0 || !strstr(out, "Compilation successful. 0 Errors, 0 Warnings")) {
        FAILF("iasl on %s: status %d: %s", name, st, out);
        return;
    }
    char aml[32];
    snprintf(aml, sizeof(aml), "%s.aml", name);
    u32 n;
    u8 *back = get(aml, &n);
    if (!back) {
        FAILF("iasl wrote no %s", aml);
        return;
    }
    CHECK_EQ(n, len);
    if (n == len) {
        if (has_header) CHECK_EQ(sum(back, n), 0);
        for (u32 i = 0; i < n; i++) {
            if (has_header && (i == 9 || (i >= 28 && i < 36))) continue;
            if (back[i] != t[i]) {
                FAILF("%s byte %u: ours 0x%02x, iasl's 0x%02x", name, i, t[i], back[i]);
                break;
            }
        }
    }
    free(back);
}

TEST(iasl_roundtrip)
{
    if (!have("iasl")) {
        SKIP_CASE(iasl_roundtrip, "iasl not installed (Debian package acpica-tools)");
        return;
    }
    roundtrip("dsdt", tbl(at.dsdt), true);
    roundtrip("facp", tbl(at.fadt), true);
    roundtrip("rsdt", tbl(at.rsdt), true);
    roundtrip("xsdt", tbl(at.xsdt), true);
    roundtrip("facs", tbl(at.facs), false);
    roundtrip("apic", tbl_apic(at_apic.madt), true);
    roundtrip("xsdt2", tbl_apic(at_apic.xsdt), true);
    /* and the disassembly says what we meant */
    u32 n;
    u8 *dsl = get("dsdt.dsl", &n);
    if (!dsl) return;
    dsl[n < (1 << 16) ? n : n - 1] = 0;
    const char *s = (const char *)dsl;
    CHECK(strstr(s, "Name (\\_S5, Package (0x04)") != NULL);
    CHECK(strstr(s, "Name (\\_S3, Package (0x04)") != NULL);
    CHECK(strstr(s, "EisaId (\"PNP0A03\")") != NULL);
    CHECK(strstr(s, "WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode,") != NULL);
    CHECK(strstr(s, "0x03F8,             // Range Minimum") != NULL);
    CHECK(strstr(s, "IRQNoFlags ()\n                            {4}") != NULL);
    CHECK(strstr(s, "EisaId (\"PNP0303\")") != NULL);
    CHECK(strstr(s, "EisaId (\"PNP0F13\")") != NULL);
    CHECK(strstr(s, "EisaId (\"PNP0B00\")") != NULL);
    free(dsl);
    u8 *facp = get("facp.dsl", &n);
    if (!facp) return;
    facp[n < (1 << 16) ? n : n - 1] = 0;
    CHECK(strstr((char *)facp, "PM1A Event Block Address : 00000600") != NULL);
    CHECK(strstr((char *)facp, "SCI Interrupt : 0009") != NULL);
    CHECK(strstr((char *)facp, "Reset Register Supported (V2) : 1") != NULL);
    free(facp);
}

TEST(acpiexec_namespace)
{
    if (!have("acpiexec")) {
        SKIP_CASE(acpiexec_namespace, "acpiexec not installed (Debian package acpica-tools)");
        return;
    }
    static char out[1 << 16];
    put("facp.dat", tbl(at.fadt), ACPI_FADT_LEN);
    put("dsdt.dat", tbl(at.dsdt), ld32(tbl(at.dsdt) + 4));
    int st = run("acpiexec -b 'evaluate \\_S5; evaluate \\_SB.PCI0.ISA.COM2._UID; namespace' facp.dat dsdt.dat",
                 out, sizeof(out));
    CHECK_EQ(st, 0);
    CHECK(strstr(out, "Evaluation of \\_S5 returned object") != NULL);
    CHECK(strstr(out, "[Package] Contains 4 Elements") != NULL);
    CHECK(strstr(out, "[Integer] = 0000000000000002") != NULL);
    CHECK(strstr(out, "_HID Integer") && strstr(out, "= 00000000030AD041"));
    CHECK(strstr(out, "Error") == NULL && strstr(out, "Warning") == NULL);
}

int main(void)
{
    RUN(aml_eisaid);
    RUN(aml_integers_and_names);
    RUN(aml_pkglength);
    blob = acpi_build(&cfg, ACPI_TABLES_BASE, &blob_len, &at);
    RUN(layout_and_checksums);
    RUN(fadt_matches_the_pm_device);
    RUN(dsdt_follows_the_machine);
    blob_apic = acpi_build(&cfg_apic, ACPI_TABLES_BASE, &blob_apic_len, &at_apic);
    RUN(madt);
    snprintf(dir, sizeof(dir), "/tmp/vdebug-acpi-XXXXXX");
    if (!mkdtemp(dir)) {
        printf("FAIL acpica: cannot create a temporary directory\n");
        return 1;
    }
    RUN(iasl_roundtrip);
    RUN(acpiexec_namespace);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0) printf("note: could not remove %s\n", dir);
    free(blob);
    free(blob_apic);
    return test_summary();
}
