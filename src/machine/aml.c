/* AML byte emitter (aml.h). Opcodes: ACPI 6.4 section 20.3, resources: 6.4. */
#include "machine/aml.h"
#include <stdio.h>
#include <stdlib.h>

enum {
    ZERO_OP = 0x00, ONE_OP = 0x01, NAME_OP = 0x08, BYTE_PREFIX = 0x0A, WORD_PREFIX = 0x0B,
    DWORD_PREFIX = 0x0C, STRING_PREFIX = 0x0D, QWORD_PREFIX = 0x0E, SCOPE_OP = 0x10,
    BUFFER_OP = 0x11, PACKAGE_OP = 0x12, EXT_OP_PREFIX = 0x5B, DEVICE_OP = 0x82,
    DUAL_NAME_PREFIX = 0x2E, MULTI_NAME_PREFIX = 0x2F, NULL_NAME = 0x00,
};

void aml_init(struct aml *a) { memset(a, 0, sizeof(*a)); }

void aml_free(struct aml *a)
{
    free(a->buf);
    memset(a, 0, sizeof(*a));
}

static void reserve(struct aml *a, size_t n)
{
    if (a->len + n <= a->cap) return;
    size_t cap = a->cap ? a->cap : 256;
    while (cap < a->len + n) cap *= 2;
    u8 *b = realloc(a->buf, cap);
    if (!b) abort();
    a->buf = b;
    a->cap = cap;
}

void aml_byte(struct aml *a, u8 b)
{
    reserve(a, 1);
    a->buf[a->len++] = b;
}

void aml_bytes(struct aml *a, const void *p, size_t n)
{
    reserve(a, n);
    memcpy(a->buf + a->len, p, n);
    a->len += n;
}

static void le(struct aml *a, u64 v, int n)
{
    for (int i = 0; i < n; i++) aml_byte(a, (u8)(v >> 8 * i));
}

/* Insert n bytes at pos (moving what follows). */
static void insert(struct aml *a, size_t pos, const u8 *p, size_t n)
{
    reserve(a, n);
    memmove(a->buf + pos + n, a->buf + pos, a->len - pos);
    memcpy(a->buf + pos, p, n);
    a->len += n;
}

static size_t encode_int(u8 out[9], u64 v)
{
    if (v <= 1) {
        out[0] = v ? ONE_OP : ZERO_OP;
        return 1;
    }
    int n = v <= 0xff ? 1 : v <= 0xffff ? 2 : v <= 0xffffffffu ? 4 : 8;
    out[0] = n == 1 ? BYTE_PREFIX : n == 2 ? WORD_PREFIX : n == 4 ? DWORD_PREFIX : QWORD_PREFIX;
    for (int i = 0; i < n; i++) out[1 + i] = (u8)(v >> 8 * i);
    return 1 + (size_t)n;
}

void aml_int(struct aml *a, u64 v)
{
    u8 b[9];
    aml_bytes(a, b, encode_int(b, v));
}

void aml_string(struct aml *a, const char *s)
{
    aml_byte(a, STRING_PREFIX);
    aml_bytes(a, s, strlen(s) + 1);
}

/* One NameSeg: up to four characters, padded with '_'. */
static void nameseg(struct aml *a, const char *s, size_t n)
{
    if (n == 0 || n > 4) abort(); /* a table-builder bug, not guest input */
    char seg[4] = {'_', '_', '_', '_'};
    memcpy(seg, s, n);
    aml_bytes(a, seg, 4);
}

void aml_namestring(struct aml *a, const char *path)
{
    while (*path == '\\' || *path == '^') aml_byte(a, (u8)*path++);
    int nseg = 0;
    for (const char *p = path; *p; p++)
        if (p == path || p[-1] == '.') nseg++;
    if (nseg == 0) {
        aml_byte(a, NULL_NAME);
        return;
    }
    if (nseg == 2) aml_byte(a, DUAL_NAME_PREFIX);
    else if (nseg > 2) {
        aml_byte(a, MULTI_NAME_PREFIX);
        aml_byte(a, (u8)nseg);
    }
    while (*path) {
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        nameseg(a, path, n);
        path += n + (dot ? 1 : 0);
    }
}

u32 aml_eisaid(const char *id)
{
    /* "PNP0A03": letters as 5-bit values ('A' = 1), then a 16-bit product
     * number; stored big-endian in the dword's bytes. */
    u32 c0 = (u32)(id[0] - 0x40) & 31, c1 = (u32)(id[1] - 0x40) & 31, c2 = (u32)(id[2] - 0x40) & 31;
    u32 prod = (u32)strtoul(id + 3, NULL, 16) & 0xffff;
    u8 b[4] = {(u8)(c0 << 2 | c1 >> 3), (u8)(c1 << 5 | c2), (u8)(prod >> 8), (u8)prod};
    return ld32(b);
}

void aml_name(struct aml *a, const char *name)
{
    aml_byte(a, NAME_OP);
    aml_namestring(a, name);
}

void aml_name_int(struct aml *a, const char *name, u64 v)
{
    aml_name(a, name);
    aml_int(a, v);
}

void aml_name_string(struct aml *a, const char *name, const char *s)
{
    aml_name(a, name);
    aml_string(a, s);
}

void aml_name_eisaid(struct aml *a, const char *name, const char *id)
{
    aml_name(a, name);
    aml_int(a, aml_eisaid(id));
}

/* ---- objects with a PkgLength ---- */

/* The kind of an open object: a Buffer also needs its byte count at the end. */
#define OPEN_BUFFER ((size_t)1 << 63)

static void open_here(struct aml *a, bool buffer)
{
    if (a->depth == AML_MAX_DEPTH) abort();
    a->open[a->depth++] = a->len | (buffer ? OPEN_BUFFER : 0);
}

void aml_scope_begin(struct aml *a, const char *name)
{
    aml_byte(a, SCOPE_OP);
    open_here(a, false);
    aml_namestring(a, name);
}

void aml_device_begin(struct aml *a, const char *name)
{
    aml_byte(a, EXT_OP_PREFIX);
    aml_byte(a, DEVICE_OP);
    open_here(a, false);
    aml_namestring(a, name);
}

void aml_package_begin(struct aml *a, u8 nelem)
{
    aml_byte(a, PACKAGE_OP);
    open_here(a, false);
    aml_byte(a, nelem);
}

void aml_buffer_begin(struct aml *a)
{
    aml_byte(a, BUFFER_OP);
    open_here(a, true);
}

void aml_end(struct aml *a)
{
    if (a->depth == 0) abort();
    size_t o = a->open[--a->depth];
    size_t pos = o & ~OPEN_BUFFER;
    if (o & OPEN_BUFFER) {
        u8 b[9];
        insert(a, pos, b, encode_int(b, a->len - pos));
    }
    /* PkgLength counts its own bytes: one byte holds up to 63, otherwise the
     * lead byte's top bits give 1-3 following bytes and its low nibble the
     * low 4 bits of the length. */
    size_t body = a->len - pos;
    u8 pk[4];
    size_t n;
    if (body + 1 < 0x40) {
        pk[0] = (u8)(body + 1);
        n = 1;
    } else {
        size_t total;
        for (n = 2; n <= 4; n++) {
            total = body + n;
            if (total < (size_t)1 << (4 + 8 * (n - 1))) break;
        }
        if (n > 4) abort();
        pk[0] = (u8)((n - 1) << 6 | (total & 0xf));
        for (size_t i = 1; i < n; i++) pk[i] = (u8)(total >> (4 + 8 * (i - 1)));
    }
    insert(a, pos, pk, n);
}

/* ---- resource descriptors ---- */

void aml_res_io(struct aml *a, u16 base, u8 len)
{
    /* small item 8 (I/O port), 7 bytes: decode16, min, max, alignment, length */
    const u8 d[8] = {0x47, 0x01, (u8)base, (u8)(base >> 8), (u8)base, (u8)(base >> 8), 0x01, len};
    aml_bytes(a, d, sizeof(d));
}

void aml_res_irq(struct aml *a, unsigned irq)
{
    /* small item 4 (IRQ), 2 bytes: the mask; no flags byte = edge, active high, exclusive */
    u16 mask = (u16)(1u << irq);
    const u8 d[3] = {0x22, (u8)mask, (u8)(mask >> 8)};
    aml_bytes(a, d, sizeof(d));
}

/* Word address space descriptor (large item 8): resource type, general flags
 * (min/max fixed, positive decode, producer), type flags, gran/min/max/tra/len. */
static void word_space(struct aml *a, u8 type, u8 type_flags, u16 min, u16 max)
{
    aml_byte(a, 0x88);
    le(a, 13, 2);
    aml_byte(a, type);
    aml_byte(a, 0x0c);
    aml_byte(a, type_flags);
    le(a, 0, 2);
    le(a, min, 2);
    le(a, max, 2);
    le(a, 0, 2);
    le(a, (u32)max - min + 1, 2);
}

void aml_res_word_bus(struct aml *a, u16 min, u16 max) { word_space(a, 2, 0, min, max); }
void aml_res_word_io(struct aml *a, u16 min, u16 max) { word_space(a, 1, 0x03, min, max); }

void aml_res_dword_mem(struct aml *a, u32 min, u32 max)
{
    /* large item 7, 23 bytes: memory, min/max fixed, cacheable (bits 2:1 = 1), read-write */
    aml_byte(a, 0x87);
    le(a, 23, 2);
    aml_byte(a, 0);
    aml_byte(a, 0x0c);
    aml_byte(a, 0x03);
    le(a, 0, 4);
    le(a, min, 4);
    le(a, max, 4);
    le(a, 0, 4);
    le(a, (u64)max - min + 1, 4);
}

void aml_res_end(struct aml *a)
{
    const u8 d[2] = {0x79, 0x00}; /* checksum 0: "treated as if it summed to zero" */
    aml_bytes(a, d, sizeof(d));
}
