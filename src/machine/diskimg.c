/* Raw image files behind struct blockdev: a write-back sector cache (diskimg.h). */
#define _GNU_SOURCE
#include "machine/diskimg.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define SECT BLOCKDEV_SECTOR
#define MAX_SECTORS (1ull << 48)      /* LBA48 */

/* Open-addressing hash of cached sectors: lba -> slot in data[]. */
struct slot { u64 lba; u64 idx; };     /* idx + 1; 0 = empty */

struct diskimg {
    int fd;
    char *path;
    unsigned flags;
    u64 size;          /* bytes, rounded up to a sector */
    u64 file_size;     /* bytes in the file when opened (or after a flush) */
    struct slot *tab;  /* capacity tab_cap, a power of two */
    size_t tab_cap, n;
    u8 *data;          /* n sectors, in order of first write */
    size_t data_cap;   /* in sectors */
    void (*hook)(void *opaque, int tag, u64 lba);  /* before the guest changes a sector */
    void *hook_opaque;
    int hook_tag;
    bool base_hashed;
    u64 base_hash;
};

static u64 hash_lba(u64 x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return x;
}

static u8 *cached(const struct diskimg *d, u64 lba)
{
    if (!d->tab_cap) return NULL;
    for (size_t i = hash_lba(lba) & (d->tab_cap - 1);; i = (i + 1) & (d->tab_cap - 1)) {
        if (!d->tab[i].idx) return NULL;
        if (d->tab[i].lba == lba) return d->data + (d->tab[i].idx - 1) * SECT;
    }
}

static void tab_put(struct slot *tab, size_t cap, u64 lba, u64 idx)
{
    size_t i = hash_lba(lba) & (cap - 1);
    while (tab[i].idx) i = (i + 1) & (cap - 1);
    tab[i] = (struct slot){lba, idx};
}

/* The cache slot for lba, allocated when new; NULL when memory runs out. */
static u8 *cache_slot(struct diskimg *d, u64 lba)
{
    u8 *p = cached(d, lba);
    if (p) return p;
    if ((d->n + 1) * 2 > d->tab_cap) {
        size_t cap = d->tab_cap ? d->tab_cap * 2 : 1024;
        struct slot *t = calloc(cap, sizeof(*t));
        if (!t) return NULL;
        for (size_t i = 0; i < d->tab_cap; i++)
            if (d->tab[i].idx) tab_put(t, cap, d->tab[i].lba, d->tab[i].idx);
        free(d->tab);
        d->tab = t;
        d->tab_cap = cap;
    }
    if (d->n == d->data_cap) {
        size_t cap = d->data_cap ? d->data_cap * 2 : 256;
        u8 *nd = realloc(d->data, cap * SECT);
        if (!nd) return NULL;
        d->data = nd;
        d->data_cap = cap;
    }
    d->n++;
    tab_put(d->tab, d->tab_cap, lba, d->n);
    return d->data + (d->n - 1) * SECT;
}

static void cache_drop(struct diskimg *d)
{
    free(d->tab);
    free(d->data);
    d->tab = NULL;
    d->data = NULL;
    d->tab_cap = d->n = d->data_cap = 0;
}

/* pread all of [off, off+len), zeros past the end of the file */
static int file_read(struct diskimg *d, u64 off, u8 *buf, size_t len)
{
    while (len) {
        ssize_t r = pread(d->fd, buf, len, (off_t)off);
        if (r < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        if (r == 0) {
            memset(buf, 0, len);
            return 0;
        }
        buf += r;
        off += (u64)r;
        len -= (size_t)r;
    }
    return 0;
}

static int dev_read(void *opaque, u64 off, void *buf, size_t len)
{
    struct diskimg *d = opaque;
    u8 *out = buf;
    u64 lba = off / SECT, end = (off + len) / SECT;
    while (lba < end) {
        const u8 *c = cached(d, lba);
        if (c) {
            memcpy(out, c, SECT);
            out += SECT;
            lba++;
            continue;
        }
        u64 run = lba + 1; /* a run of sectors the file holds */
        while (run < end && !cached(d, run)) run++;
        if (file_read(d, lba * SECT, out, (size_t)(run - lba) * SECT) < 0) return -1;
        out += (run - lba) * SECT;
        lba = run;
    }
    return 0;
}

static int dev_write(void *opaque, u64 off, const void *buf, size_t len)
{
    struct diskimg *d = opaque;
    if (d->flags & DISKIMG_READONLY) return -1;
    const u8 *in = buf;
    for (u64 lba = off / SECT; len >= SECT; lba++, in += SECT, len -= SECT) {
        if (d->hook) d->hook(d->hook_opaque, d->hook_tag, lba);
        u8 *p = cache_slot(d, lba);
        if (!p) return -1;
        memcpy(p, in, SECT);
    }
    return 0;
}

static int cmp_u64(const void *a, const void *b)
{
    u64 x = *(const u64 *)a, y = *(const u64 *)b;
    return x < y ? -1 : x > y;
}

static int cmp_slot(const void *a, const void *b)
{
    u64 x = ((const struct slot *)a)->lba, y = ((const struct slot *)b)->lba;
    return x < y ? -1 : x > y;
}

int diskimg_flush(struct diskimg *d)
{
    if (!d || (d->flags & (DISKIMG_SNAPSHOT | DISKIMG_READONLY)) || !d->n) return 0;
    struct slot *order = malloc(d->n * sizeof(*order));
    if (!order) return -1;
    size_t k = 0;
    for (size_t i = 0; i < d->tab_cap; i++)
        if (d->tab[i].idx) order[k++] = d->tab[i];
    qsort(order, k, sizeof(*order), cmp_slot);
    /* Each pwrite covers whole, aligned sectors (the page cache never splits one). */
    int rc = 0;
    for (size_t i = 0; i < k && !rc; i++) {
        const u8 *src = d->data + (order[i].idx - 1) * SECT;
        off_t at = (off_t)(order[i].lba * SECT);
        for (size_t done = 0; done < SECT;) {
            ssize_t w = pwrite(d->fd, src + done, SECT - done, at + (off_t)done);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) {
                rc = -1;
                break;
            }
            done += (size_t)w;
        }
    }
    free(order);
    if (!rc && fdatasync(d->fd) < 0 && errno != EINVAL) rc = -1;
    if (!rc) cache_drop(d); /* durable: reads go to the file again */
    return rc;
}

static int dev_flush(void *opaque) { return diskimg_flush(opaque); }

size_t diskimg_dirty(const struct diskimg *d) { return d ? d->n : 0; }

struct diskimg *diskimg_open(const char *path, unsigned flags, const char *what, char *err, size_t errlen)
{
    if (flags & DISKIMG_CDROM) flags |= DISKIMG_READONLY;
    bool write = !(flags & (DISKIMG_READONLY | DISKIMG_SNAPSHOT));
    int fd = open(path, (write ? O_RDWR : O_RDONLY) | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s %s: cannot open: %s", what, path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s %s: not a regular file", what, path);
        close(fd);
        return NULL;
    }
    if (flock(fd, (write ? LOCK_EX : LOCK_SH) | LOCK_NB) < 0) {
        snprintf(err, errlen, "%s %s: image is in use by another process (locked)", what, path);
        close(fd);
        return NULL;
    }
    u64 size = (u64)st.st_size;
    const char *bad = NULL;
    if (!size) bad = "is empty";
    else if ((size + SECT - 1) / SECT > MAX_SECTORS) bad = "is larger than the 2^48 sectors ATA can address";
    if (bad) {
        snprintf(err, errlen, "%s %s: image %s", what, path, bad);
        close(fd);
        return NULL;
    }
    struct diskimg *d = calloc(1, sizeof(*d));
    if (!d || !(d->path = strdup(path))) {
        free(d);
        close(fd);
        snprintf(err, errlen, "%s %s: out of memory", what, path);
        return NULL;
    }
    d->fd = fd;
    d->flags = flags;
    d->file_size = size;
    d->size = (size + SECT - 1) / SECT * SECT;
    return d;
}

struct blockdev diskimg_dev(struct diskimg *d)
{
    return (struct blockdev){d, dev_read, dev_write, dev_flush, d->size, (d->flags & DISKIMG_READONLY) != 0};
}

void diskimg_close(struct diskimg *d)
{
    if (!d) return;
    if (diskimg_flush(d) < 0)
        fprintf(stderr, "vdebug: %s: writing the guest's cached sectors back failed: %s\n", d->path, strerror(errno));
    cache_drop(d);
    close(d->fd);
    free(d->path);
    free(d);
}

/* ---- for snapshots and the history ---- */

void diskimg_set_write_hook(struct diskimg *d, void (*hook)(void *opaque, int tag, u64 lba), void *opaque, int tag)
{
    d->hook = hook;
    d->hook_opaque = opaque;
    d->hook_tag = tag;
}

unsigned diskimg_flags(const struct diskimg *d) { return d->flags; }
u64 diskimg_size(const struct diskimg *d) { return d->size; }

int diskimg_read(struct diskimg *d, u64 lba, void *buf, size_t n)
{
    if (lba > d->size / SECT || n > d->size / SECT - lba) return -1;
    return dev_read(d, lba * SECT, buf, n * SECT);
}

int diskimg_put(struct diskimg *d, u64 lba, const void *buf)
{
    if (d->flags & DISKIMG_READONLY || lba >= d->size / SECT) return -1;
    u8 *p = cache_slot(d, lba);
    if (!p) return -1;
    memcpy(p, buf, SECT);
    return 0;
}

size_t diskimg_cached(const struct diskimg *d, u64 **lbas)
{
    *lbas = NULL;
    if (!d->n) return 0;
    u64 *out = malloc(d->n * sizeof(u64));
    if (!out) return (size_t)-1;
    size_t k = 0;
    for (size_t i = 0; i < d->tab_cap; i++)
        if (d->tab[i].idx) out[k++] = d->tab[i].lba;
    qsort(out, k, sizeof(u64), cmp_u64);
    *lbas = out;
    return k;
}

int diskimg_replace_cache(struct diskimg *d, size_t n, const u64 *lbas, const u8 *data)
{
    if (d->flags & DISKIMG_READONLY) return n ? -1 : 0;
    cache_drop(d);
    for (size_t i = 0; i < n; i++)
        if (diskimg_put(d, lbas[i], data + i * SECT) < 0) return -1;
    return 0;
}

/* Every non-zero sector's LBA and contents folded in: holes (SEEK_HOLE)
 * are skipped unread, so a sparse 130 GiB image hashes at once, and two
 * copies of an image hash alike however sparse each is. */
int diskimg_base_hash(struct diskimg *d, u64 *out)
{
    if (!d->base_hashed) {
        enum { CHUNK = 1 << 20 };
        u8 *buf = malloc(CHUNK);
        if (!buf) return -1;
        u64 h = 0xcbf29ce484222325ull ^ d->size;
        u64 off = 0;
        while (off < d->size) {
            off_t data = lseek(d->fd, (off_t)off, SEEK_DATA);
            if (data < 0 && errno == ENXIO) break;              /* only a hole is left */
            u64 end = d->size;
            if (data >= 0) {
                off = (u64)data & ~(u64)(SECT - 1);
                off_t hole = lseek(d->fd, data, SEEK_HOLE);
                if (hole > data && (u64)hole < end) end = ((u64)hole + SECT - 1) & ~(u64)(SECT - 1);
            }                                                 /* (no SEEK_DATA: read it all) */
            while (off < end) {
                size_t len = end - off < CHUNK ? (size_t)(end - off) : CHUNK;
                if (file_read(d, off, buf, len) < 0) {
                    free(buf);
                    return -1;
                }
                for (size_t i = 0; i < len; i += SECT) {
                    bool zero = true;
                    for (size_t k = 0; k < SECT && zero; k += 8) zero = !ld64(buf + i + k);
                    if (zero) continue;
                    h = (h ^ ((off + i) / SECT)) * 0x100000001b3ull;
                    for (size_t k = 0; k < SECT; k += 8) h = (h ^ ld64(buf + i + k)) * 0x100000001b3ull;
                }
                off += len;
            }
        }
        free(buf);
        d->base_hash = h;
        d->base_hashed = true;
    }
    *out = d->base_hash;
    return 0;
}
