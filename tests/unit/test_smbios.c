/* SMBIOS tables: entry point checksums, structure walk, and dmidecode (an
 * established parser) reading a dump of them when it is installed. */
#include "test.h"
#include "machine/smbios.h"
#include <unistd.h>

static const struct smbios_config cfg = {.ram_size = 256u << 20, .cpuid_signature = 0x663,
                                         .cpuid_features = 0x0383fbff, .cpu_mhz = 1000};
#define BASE 0xF8000u

static u8 sum(const u8 *p, u32 n)
{
    u8 s = 0;
    for (u32 i = 0; i < n; i++) s = (u8)(s + p[i]);
    return s;
}

/* Offset of the structure of a type (the first), or -1; counts them all. */
static long find(const u8 *b, u32 len, u32 table, u8 type, int *count)
{
    long hit = -1;
    u32 p = table;
    *count = 0;
    while (p + 4 <= len) {
        if (b[p] == type && hit < 0) hit = p;
        (*count)++;
        if (b[p] == 127) break;
        u32 q = p + b[p + 1];
        while (q + 1 < len && (b[q] || b[q + 1])) q++;
        p = q + 2;
    }
    return hit;
}

TEST(entry_point_and_structures)
{
    u32 len;
    u8 *b = smbios_build(&cfg, BASE, &len);
    CHECK(!memcmp(b, "_SM_", 4));
    CHECK_EQ(sum(b, b[5]), 0);
    CHECK_EQ(b[5], 31);
    CHECK(!memcmp(b + 16, "_DMI_", 5));
    CHECK_EQ(sum(b + 16, 15), 0);
    u32 table = ld32(b + 24) - BASE;
    CHECK_EQ(table % 16, 0);
    CHECK_EQ(table + ld16(b + 22), len);
    int n;
    long t4 = find(b, len, table, 4, &n);
    CHECK_EQ(n, ld16(b + 28));
    CHECK_EQ(n, 9);
    CHECK(t4 > 0);
    if (t4 > 0) {
        CHECK_EQ(ld32(b + t4 + 8), 0x663);
        CHECK_EQ(ld16(b + t4 + 22), 1000);
    }
    long t17 = find(b, len, table, 17, &n);
    CHECK(t17 > 0);
    if (t17 > 0) CHECK_EQ(ld16(b + t17 + 12), 256);
    long t19 = find(b, len, table, 19, &n);
    if (t19 > 0) CHECK_EQ(ld32(b + t19 + 8), (256u << 10) - 1);
    CHECK(find(b, len, table, 127, &n) > 0);
    free(b);
}

/* dmidecode --from-dump reads a file with the entry point at 0 and the
 * table at 32 (the entry point's table address rewritten to 32). */
TEST(dmidecode_reads_the_tables)
{
    u32 len;
    u8 *b = smbios_build(&cfg, BASE, &len);
    u32 table = ld32(b + 24) - BASE;
    u32 tlen = ld16(b + 22);
    u8 dump[32 + 4096] = {0};
    memcpy(dump, b, 31);
    st32(dump + 24, 32);
    dump[21] = 0;
    u8 s = 0;
    for (int i = 16; i < 31; i++) s = (u8)(s + dump[i]);
    dump[21] = (u8)-s;
    dump[4] = 0;
    s = 0;
    for (int i = 0; i < 31; i++) s = (u8)(s + dump[i]);
    dump[4] = (u8)-s;
    memcpy(dump + 32, b + table, tlen);
    char path[] = "/tmp/vd-smbios-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0 && write(fd, dump, 32 + tlen) == (ssize_t)(32 + tlen));
    close(fd);
    char cmd[256], out[8192];
    snprintf(cmd, sizeof(cmd), "dmidecode --from-dump %s 2>&1", path);
    FILE *p = popen(cmd, "r");
    size_t n = p ? fread(out, 1, sizeof(out) - 1, p) : 0;
    out[n] = 0;
    if (p) pclose(p);
    unlink(path);
    static const char *const want[] = {
        "SMBIOS 2.4 present.", "Vendor: vdebug", "Product Name: vdebug PC (i440FX + PIIX3)",
        "Family: Pentium II", "Signature: Type 0, Family 6, Model 6, Stepping 3",
        "Current Speed: 1000 MHz", "Size: 256 MB", "Ending Address: 0x0000FFFFFFF",
        "No errors detected", "End Of Table"};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        if (!strstr(out, want[i])) FAILF("dmidecode output lacks '%s':\n%s", want[i], out);
    if (strstr(out, "Invalid") || strstr(out, "<OUT OF SPEC>") || strstr(out, "Bad"))
        FAILF("dmidecode complains:\n%s", out);
    free(b);
}

int main(void)
{
    RUN(entry_point_and_structures);
    if (system("command -v dmidecode >/dev/null 2>&1") == 0) RUN(dmidecode_reads_the_tables);
    else SKIP_CASE(dmidecode_reads_the_tables, "dmidecode not installed (Debian package dmidecode)");
    return test_summary();
}
