/* SMBIOS 2.4 tables (smbios.h). */
#include "machine/smbios.h"
#include <stdlib.h>

/* A growing byte buffer; every structure is its formatted area followed by
 * its strings, each NUL-terminated, and one more NUL. */
struct buf { u8 *b; u32 len, cap; u16 count, max_struct; };

static u8 *grow(struct buf *t, u32 n)
{
    if (t->len + n > t->cap) {
        t->cap = (t->len + n) * 2 + 256;
        t->b = realloc(t->b, t->cap);
        if (!t->b) abort();
    }
    u8 *p = t->b + t->len;
    memset(p, 0, n);
    t->len += n;
    return p;
}

/* Starts a structure of `length` formatted bytes; returns its offset. */
static u32 begin(struct buf *t, u8 type, u8 length, u16 handle)
{
    u32 at = t->len;
    u8 *h = grow(t, length);
    h[0] = type;
    h[1] = length;
    st16(h + 2, handle);
    return at;
}

/* Appends the strings (NULL-terminated list) and ends the structure. */
static void end(struct buf *t, u32 at, const char *const *strs)
{
    bool any = false;
    for (; *strs; strs++) {
        size_t n = strlen(*strs) + 1;
        memcpy(grow(t, (u32)n), *strs, n);
        any = true;
    }
    if (!any) grow(t, 1);   /* an empty string set is two NULs */
    grow(t, 1);
    t->count++;
    if (t->len - at > t->max_struct) t->max_struct = (u16)(t->len - at);
}

static u8 checksum(const u8 *p, u32 n)
{
    u8 s = 0;
    for (u32 i = 0; i < n; i++) s = (u8)(s + p[i]);
    return (u8)-s;
}

enum { H_BIOS = 0x000, H_SYSTEM = 0x100, H_CHASSIS = 0x300, H_CPU = 0x400, H_ARRAY = 0x1000,
       H_DIMM = 0x1100, H_MAPPED = 0x1300, H_BOOT = 0x2000, H_END = 0x7f00 };

u8 *smbios_build(const struct smbios_config *c, u32 base, u32 *len)
{
    struct buf t = {0};
    grow(&t, (SMBIOS_EPS_LEN + 15) & ~15u);  /* the table follows, 16-byte aligned */
    u32 table = t.len;
    static const char *const none[] = {NULL};

    /* type 0: BIOS information */
    u32 at = begin(&t, 0, 0x18, H_BIOS);
    u8 *s = t.b + at;
    s[4] = 1;                               /* vendor: string 1 */
    s[5] = 2;                               /* version */
    st16(s + 6, 0xE800);                    /* starting segment */
    s[8] = 3;                               /* release date */
    s[9] = 0;                               /* ROM size: 64 KiB */
    st64(s + 10, 1u << 3);                  /* characteristics not supported */
    s[18] = 0x00;
    s[19] = 1u << 3;                        /* extension byte 2: targeted content distribution */
    s[20] = 1; s[21] = 0;                   /* system BIOS release 1.0 */
    s[22] = 0xff; s[23] = 0xff;             /* no embedded controller */
    end(&t, at, (const char *const[]){"vdebug", "vdebug loader", "11/22/2026", NULL});

    /* type 1: system information */
    at = begin(&t, 1, 0x1b, H_SYSTEM);
    s = t.b + at;
    s[4] = 1; s[5] = 2; s[6] = 3; s[7] = 0; /* manufacturer, product, version, no serial */
    /* UUID (s + 8..23) all zeros, as QEMU without -uuid: "not set", so
     * SeaBIOS prints no "Machine UUID" line (tests/boot/bootsector.sh
     * compares its sgabios output with QEMU's) and runs stay deterministic */
    s[24] = 0x06;                           /* wake-up type: power switch */
    s[25] = 0; s[26] = 4;                   /* SKU none, family */
    end(&t, at, (const char *const[]){"vdebug", "vdebug PC (i440FX + PIIX3)", "1.0", "Virtual Machine", NULL});

    /* type 3: chassis */
    at = begin(&t, 3, 0x15, H_CHASSIS);
    s = t.b + at;
    s[4] = 1;                               /* manufacturer */
    s[5] = 0x01;                            /* type: other */
    s[9] = s[10] = s[11] = 0x03;            /* boot-up, power supply, thermal: safe */
    s[12] = 0x02;                           /* security: unknown */
    end(&t, at, (const char *const[]){"vdebug", NULL});

    /* type 4: processor */
    at = begin(&t, 4, 0x23, H_CPU);
    s = t.b + at;
    s[4] = 1;                               /* socket designation */
    s[5] = 0x03;                            /* central processor */
    s[6] = 0x11;                            /* family: Pentium II */
    s[7] = 2;                               /* manufacturer */
    st32(s + 8, c->cpuid_signature);
    st32(s + 12, c->cpuid_features);
    s[16] = 3;                              /* version */
    s[17] = 0;                              /* voltage: unknown */
    st16(s + 18, 100);                      /* external clock, MHz */
    st16(s + 20, c->cpu_mhz);               /* max speed */
    st16(s + 22, c->cpu_mhz);               /* current speed */
    s[24] = 0x41;                           /* socket populated, CPU enabled */
    s[25] = 0x01;                           /* upgrade: other */
    st16(s + 26, 0xffff); st16(s + 28, 0xffff); st16(s + 30, 0xffff); /* no cache structures */
    end(&t, at, (const char *const[]){"CPU 0", "GenuineIntel", "Pentium II (vdebug)", NULL});

    /* type 16: physical memory array, 17: its one device, 19: where it is mapped */
    u64 kib = c->ram_size >> 10;
    at = begin(&t, 16, 0x0f, H_ARRAY);
    s = t.b + at;
    s[4] = 0x03;                            /* location: system board */
    s[5] = 0x03;                            /* use: system memory */
    s[6] = 0x03;                            /* error correction: none */
    st32(s + 7, (u32)kib);                  /* maximum capacity, KiB */
    st16(s + 11, 0xfffe);                   /* no error information */
    st16(s + 13, 1);                        /* one device */
    end(&t, at, none);

    at = begin(&t, 17, 0x1b, H_DIMM);
    s = t.b + at;
    st16(s + 4, H_ARRAY);
    st16(s + 6, 0xfffe);
    st16(s + 8, 64); st16(s + 10, 64);      /* total and data width */
    st16(s + 12, (u16)(c->ram_size >> 20)); /* size, MiB (at most 3 GiB here) */
    s[14] = 0x09;                           /* form factor: DIMM */
    s[16] = 1;                              /* device locator */
    s[17] = 0;                              /* no bank locator */
    s[18] = 0x07;                           /* type: RAM */
    st16(s + 19, 1u << 1);                  /* type detail: other */
    end(&t, at, (const char *const[]){"DIMM 0", NULL});

    at = begin(&t, 19, 0x0f, H_MAPPED);
    s = t.b + at;
    st32(s + 4, 0);
    st32(s + 8, (u32)kib - 1);              /* ending address, KiB, inclusive */
    st16(s + 12, H_ARRAY);
    s[14] = 1;                              /* partition width */
    end(&t, at, none);

    at = begin(&t, 32, 0x0b, H_BOOT);
    end(&t, at, none);                      /* status 0: no errors detected */
    at = begin(&t, 127, 4, H_END);
    end(&t, at, none);

    /* entry point */
    u8 *e = t.b;
    memcpy(e, "_SM_", 4);
    e[5] = SMBIOS_EPS_LEN;
    e[6] = 2; e[7] = 4;                     /* SMBIOS 2.4 */
    st16(e + 8, t.max_struct);
    memcpy(e + 16, "_DMI_", 5);
    st16(e + 22, (u16)(t.len - table));
    st32(e + 24, base + table);
    st16(e + 28, t.count);
    e[30] = 0x24;                           /* BCD revision */
    e[21] = checksum(e + 16, 15);
    e[4] = checksum(e, SMBIOS_EPS_LEN);
    *len = t.len;
    return t.b;
}
