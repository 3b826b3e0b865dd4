#include "mem/iomap.h"
#include "base/log.h"
#include <stdlib.h>

void iomap_init(struct iomap *m, const char *kind)
{
    m->kind = kind;
    m->r = NULL;
    m->n = m->cap = 0;
}

void iomap_free(struct iomap *m)
{
    free(m->r);
    m->r = NULL;
    m->n = m->cap = 0;
}

int iomap_add(struct iomap *m, u64 base, u64 len, const char *name, unsigned width,
              io_read_fn read, io_write_fn write, void *opaque)
{
    if (len == 0 || base + len < base) return -1;
    int pos = 0;
    while (pos < m->n && m->r[pos].base < base) pos++;
    if (pos > 0 && m->r[pos - 1].base + m->r[pos - 1].len > base) return -1;
    if (pos < m->n && base + len > m->r[pos].base) return -1;
    if (m->n == m->cap) {
        int cap = m->cap ? m->cap * 2 : 16;
        struct io_region *r = realloc(m->r, (size_t)cap * sizeof(*r));
        if (!r) vd_fatal("out of memory");
        m->r = r;
        m->cap = cap;
    }
    memmove(&m->r[pos + 1], &m->r[pos], (size_t)(m->n - pos) * sizeof(*m->r));
    m->r[pos] = (struct io_region){base, len, name, width ? width : 1, read, write, opaque};
    m->n++;
    return 0;
}

int iomap_remove(struct iomap *m, u64 base, void *opaque)
{
    for (int i = 0; i < m->n; i++) {
        if (m->r[i].base != base || m->r[i].opaque != opaque) continue;
        memmove(&m->r[i], &m->r[i + 1], (size_t)(m->n - i - 1) * sizeof(*m->r));
        m->n--;
        return 0;
    }
    return -1;
}

const struct io_region *iomap_find(const struct iomap *m, u64 addr)
{
    int lo = 0, hi = m->n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        const struct io_region *r = &m->r[mid];
        if (addr < r->base) hi = mid - 1;
        else if (addr - r->base >= r->len) lo = mid + 1;
        else return r;
    }
    return NULL;
}

static u32 read_piece(struct iomap *m, u64 addr, unsigned size)
{
    const struct io_region *r = iomap_find(m, addr);
    if (!r || !r->read) {
        if (!r) VD_LOG(LOG_UNIMP, "unmapped %s read 0x%llx size %u\n", m->kind,
                       (unsigned long long)addr, size);
        return size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
    }
    if (size <= r->width && addr - r->base + size <= r->len)
        return r->read(r->opaque, addr - r->base, size);
    /* Split into the device's width (or bytes at a region edge). */
    u32 v = 0;
    for (unsigned i = 0; i < size;) {
        unsigned w = r->width;
        while (w > 1 && ((size - i) < w || (addr + i) % w || addr + i - r->base + w > r->len)) w >>= 1;
        v |= read_piece(m, addr + i, w) << (i * 8);
        i += w;
    }
    return v;
}

u32 iomap_read(struct iomap *m, u64 addr, unsigned size)
{
    u32 v = read_piece(m, addr, size);
    VD_LOG(LOG_IOPORT, "%s read  0x%llx/%u -> 0x%x\n", m->kind, (unsigned long long)addr, size, v);
    return v;
}

static void write_piece(struct iomap *m, u64 addr, u32 val, unsigned size)
{
    const struct io_region *r = iomap_find(m, addr);
    if (!r || !r->write) {
        if (!r) VD_LOG(LOG_UNIMP, "unmapped %s write 0x%llx size %u val 0x%x\n", m->kind,
                       (unsigned long long)addr, size, val);
        return;
    }
    if (size <= r->width && addr - r->base + size <= r->len) {
        r->write(r->opaque, addr - r->base, val, size);
        return;
    }
    for (unsigned i = 0; i < size;) {
        unsigned w = r->width;
        while (w > 1 && ((size - i) < w || (addr + i) % w || addr + i - r->base + w > r->len)) w >>= 1;
        u32 piece = (val >> (i * 8)) & (w == 4 ? 0xffffffffu : (1u << (w * 8)) - 1);
        write_piece(m, addr + i, piece, w);
        i += w;
    }
}

void iomap_write(struct iomap *m, u64 addr, u32 val, unsigned size)
{
    VD_LOG(LOG_IOPORT, "%s write 0x%llx/%u <- 0x%x\n", m->kind, (unsigned long long)addr, size, val);
    write_piece(m, addr, val, size);
}
