/* QEMU's fw_cfg device: items, the port interface and DMA (fw_cfg.h). */
#include "dev/fw_cfg.h"
#include "base/log.h"
#include <stdio.h>
#include <stdlib.h>

static void put_be32(u8 *p, u32 v) { p[0] = (u8)(v >> 24); p[1] = (u8)(v >> 16); p[2] = (u8)(v >> 8); p[3] = (u8)v; }
static void put_be16(u8 *p, u16 v) { p[0] = (u8)(v >> 8); p[1] = (u8)v; }
static u32 get_be32(const u8 *p) { return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3]; }

static struct fw_cfg_item *find(struct fw_cfg *f, u16 key)
{
    if (key >= FW_CFG_FILE_FIRST && key < FW_CFG_FILE_FIRST + f->nfiles) return &f->file[key - FW_CFG_FILE_FIRST].it;
    for (int i = 0; i < f->nitem; i++)
        if (f->item[i].key == key) return &f->item[i];
    return NULL;
}

const struct fw_cfg_item *fw_cfg_find(const struct fw_cfg *f, u16 key) { return find((struct fw_cfg *)f, key); }

void fw_cfg_add_bytes(struct fw_cfg *f, u16 key, u8 *data, u32 len)
{
    struct fw_cfg_item *it = find(f, key);
    if (!it) {
        if (f->nitem == f->cap) {
            int cap = f->cap ? 2 * f->cap : 32;
            struct fw_cfg_item *n = realloc(f->item, (size_t)cap * sizeof(*n));
            if (!n) {
                free(data);
                return;
            }
            f->item = n;
            f->cap = cap;
        }
        it = &f->item[f->nitem++];
        it->key = key;
    } else {
        free(it->data);
    }
    it->data = data;
    it->len = data ? len : 0;
}

static void add_le(struct fw_cfg *f, u16 key, u64 v, unsigned n)
{
    u8 *d = malloc(n);
    if (!d) return;
    for (unsigned i = 0; i < n; i++) d[i] = (u8)(v >> (8 * i));
    fw_cfg_add_bytes(f, key, d, n);
}
void fw_cfg_add_i16(struct fw_cfg *f, u16 key, u16 v) { add_le(f, key, v, 2); }
void fw_cfg_add_i32(struct fw_cfg *f, u16 key, u32 v) { add_le(f, key, v, 4); }
void fw_cfg_add_i64(struct fw_cfg *f, u16 key, u64 v) { add_le(f, key, v, 8); }

/* The directory item, rebuilt whenever a file is added. */
static void build_dir(struct fw_cfg *f)
{
    u32 len = 4 + 64 * (u32)f->nfiles;
    u8 *d = calloc(1, len);
    if (!d) return;
    put_be32(d, (u32)f->nfiles);
    for (int i = 0; i < f->nfiles; i++) {
        u8 *e = d + 4 + 64 * i;
        put_be32(e, f->file[i].it.len);
        put_be16(e + 4, (u16)(FW_CFG_FILE_FIRST + i));
        memcpy(e + 8, f->file[i].name, FW_CFG_NAME_LEN);
    }
    fw_cfg_add_bytes(f, FW_CFG_FILE_DIR, d, len);
}

int fw_cfg_file_key(const struct fw_cfg *f, const char *name)
{
    for (int i = 0; i < f->nfiles; i++)
        if (!strcmp(f->file[i].name, name)) return FW_CFG_FILE_FIRST + i;
    return -1;
}

int fw_cfg_add_file(struct fw_cfg *f, const char *name, u8 *data, u32 len)
{
    size_t n = strlen(name);
    if (!n || n >= FW_CFG_NAME_LEN || f->nfiles == FW_CFG_MAX_FILES || fw_cfg_file_key(f, name) >= 0) {
        free(data);
        return -1;
    }
    /* sorted by name, as QEMU orders them: later files move up one key */
    int at = 0;
    while (at < f->nfiles && strcmp(f->file[at].name, name) < 0) at++;
    memmove(&f->file[at + 1], &f->file[at], (size_t)(f->nfiles - at) * sizeof(f->file[0]));
    f->nfiles++;
    struct fw_cfg_file *fl = &f->file[at];
    memset(fl, 0, sizeof(*fl));
    memcpy(fl->name, name, n);
    fl->it.data = data;
    fl->it.len = data ? len : 0;
    for (int i = 0; i < f->nfiles; i++) f->file[i].it.key = (u16)(FW_CFG_FILE_FIRST + i);
    build_dir(f);
    return FW_CFG_FILE_FIRST + at;
}

static void select_item(struct fw_cfg *f, u16 key)
{
    f->sel = key;
    f->offset = 0;
    f->sel_valid = find(f, key) != NULL;
}

/* ---- guest memory for DMA: RAM only, page by page ---- */

static bool dma_rw(struct fw_cfg *f, u64 pa, u8 *buf, u32 len, bool write, bool zero)
{
    u64 start = pa;
    u32 done = 0;
    while (done < len) {
        u64 a = pa + done;
        if (a < pa || a >= (1ull << 32)) return false;        /* beyond 4 GiB (or wrapped) */
        u32 n = 0x1000 - (u32)(a & 0xfff);
        if (n > len - done) n = len - done;
        u8 *p = physmem_ptr(f->mem, a, write);
        if (!p) goto fail; /* MMIO, a hole, or ROM for a write */
        /* write tracking (snapshots): mark the RAM pages before writing them */
        if (write && f->mem->dirty && p >= f->mem->ram && p < f->mem->ram + f->mem->ram_size)
            physmem_mark_written(f->mem, (u64)(p - f->mem->ram), n);
        if (!write) memcpy(buf + done, p, n);
        else if (zero) memset(p, 0, n);
        else memcpy(p, buf + done, n);
        done += n;
    }
    if (write && f->dma_written && len) f->dma_written(f->opaque, start, len);
    return true;
fail:
    if (write && f->dma_written && done) f->dma_written(f->opaque, start, done);
    return false;
}

static void dma_transfer(struct fw_cfg *f)
{
    u64 desc = f->dma_addr;
    f->dma_addr = 0;
    u8 d[16];
    u8 err[4];
    put_be32(err, FW_CFG_DMA_ERROR);
    if (!dma_rw(f, desc, d, 16, false, false)) {
        VD_LOG(LOG_GUEST_ERRORS, "fw_cfg: DMA descriptor at 0x%llx is not in RAM\n", (unsigned long long)desc);
        dma_rw(f, desc, err, 4, true, false);
        return;
    }
    u32 control = get_be32(d), length = get_be32(d + 4);
    u64 addr = (u64)get_be32(d + 8) << 32 | get_be32(d + 12);
    if (control & FW_CFG_DMA_SELECT) select_item(f, (u16)(control >> 16));
    bool read = false, write = false;
    if (control & FW_CFG_DMA_READ) read = true;
    else if (control & FW_CFG_DMA_WRITE) write = true;
    else if (!(control & FW_CFG_DMA_SKIP)) length = 0;
    u32 status = 0;
    struct fw_cfg_item *it = f->sel_valid ? find(f, f->sel) : NULL;
    while (length > 0 && !status) {
        u32 len;
        if (!it || !it->data || f->offset >= it->len) {
            len = length; /* past the end: reads give zeros, writes fail */
            if (read && !dma_rw(f, addr, NULL, len, true, true)) status = FW_CFG_DMA_ERROR;
            if (write) status = FW_CFG_DMA_ERROR;
        } else {
            len = it->len - f->offset < length ? it->len - f->offset : length;
            if (read && !dma_rw(f, addr, it->data + f->offset, len, true, false)) status = FW_CFG_DMA_ERROR;
            if (write) status = FW_CFG_DMA_ERROR; /* no writable items */
            if (!status) f->offset += len;
        }
        if (status) {
            VD_LOG(LOG_GUEST_ERRORS, "fw_cfg: DMA %s of %u bytes at 0x%llx failed (item 0x%x)\n",
                   write ? "write" : "read", len, (unsigned long long)addr, f->sel);
            break;
        }
        addr += len;
        length -= len;
    }
    u8 st[4];
    put_be32(st, status);
    dma_rw(f, desc, st, 4, true, false);
}

/* ---- ports ---- */

static u32 sel_read(void *opaque, u64 off, unsigned size)
{
    struct fw_cfg *f = opaque;
    (void)off;
    if (size != 1) return (1u << (8 * size)) - 1; /* only byte reads are valid */
    const struct fw_cfg_item *it = f->sel_valid ? find(f, f->sel) : NULL;
    if (!it || f->offset >= it->len) return 0;
    return it->data[f->offset++];
}

static void sel_write(void *opaque, u64 off, u32 val, unsigned size)
{
    struct fw_cfg *f = opaque;
    (void)off;
    if (size == 2) select_item(f, (u16)val);
    else VD_LOG(LOG_GUEST_ERRORS, "fw_cfg: data write ignored (the item is read-only)\n");
}

static const u8 dma_sig[8] = {'Q', 'E', 'M', 'U', ' ', 'C', 'F', 'G'};

static u32 dma_read(void *opaque, u64 off, unsigned size)
{
    (void)opaque;
    u32 v = 0;
    for (unsigned i = 0; i < size && off + i < 8; i++) v |= (u32)dma_sig[off + i] << (8 * i);
    return v;
}

static u32 bswap32(u32 v) { return __builtin_bswap32(v); }

static void dma_write(void *opaque, u64 off, u32 val, unsigned size)
{
    struct fw_cfg *f = opaque;
    if (size != 4) return;
    if (off == 0) {
        f->dma_addr = (u64)bswap32(val) << 32;
    } else if (off == 4) {
        f->dma_addr |= bswap32(val);
        dma_transfer(f);
    }
}

void fw_cfg_init(struct fw_cfg *f, struct iomap *ports, struct physmem *mem,
                 void (*dma_written)(void *opaque, u64 paddr, u32 len), void *opaque)
{
    memset(f, 0, sizeof(*f));
    f->mem = mem;
    f->dma_written = dma_written;
    f->opaque = opaque;
    if (ports && (iomap_add(ports, FW_CFG_PORT_SEL, 2, "fw_cfg", 2, sel_read, sel_write, f) < 0 ||
                  iomap_add(ports, FW_CFG_PORT_DMA, 8, "fw_cfg-dma", 4, dma_read, dma_write, f) < 0))
        fprintf(stderr, "vdebug: fw_cfg ports overlap another device; not mapped\n");
    u8 *sig = malloc(4);
    if (sig) memcpy(sig, "QEMU", 4);
    fw_cfg_add_bytes(f, FW_CFG_SIGNATURE, sig, 4);
    fw_cfg_add_i32(f, FW_CFG_ID, FW_CFG_VERSION | FW_CFG_VERSION_DMA);
    build_dir(f);
}

void fw_cfg_reset(struct fw_cfg *f)
{
    f->sel = 0;
    f->sel_valid = true;
    f->offset = 0;
    f->dma_addr = 0;
}

void fw_cfg_free(struct fw_cfg *f)
{
    for (int i = 0; i < f->nitem; i++) free(f->item[i].data);
    for (int i = 0; i < f->nfiles; i++) free(f->file[i].it.data);
    free(f->item);
    f->item = NULL;
    f->nitem = f->cap = f->nfiles = 0;
}

/* The items are the board's configuration (the machine's configuration
 * hash covers them); the guest's state is where it reads. */
const struct snap_field fw_cfg_snap_fields[] = {
    SNAP_FIELD(struct fw_cfg, sel), SNAP_FIELD(struct fw_cfg, sel_valid), SNAP_FIELD(struct fw_cfg, offset),
    SNAP_FIELD(struct fw_cfg, dma_addr),
};
const size_t fw_cfg_snap_nfields = sizeof(fw_cfg_snap_fields) / sizeof(fw_cfg_snap_fields[0]);

u64 fw_cfg_hash(const struct fw_cfg *f, u64 h, u64 (*hash)(u64, const void *, size_t))
{
    for (int i = 0; i < f->nitem; i++) {
        u64 v[2] = {f->item[i].key, f->item[i].len};
        h = hash(h, v, sizeof(v));
        if (f->item[i].len) h = hash(h, f->item[i].data, f->item[i].len);
    }
    for (int i = 0; i < f->nfiles; i++) {
        u64 len = f->file[i].it.len;
        h = hash(h, f->file[i].name, sizeof(f->file[i].name));
        h = hash(h, &len, sizeof(len));
        if (len) h = hash(h, f->file[i].it.data, f->file[i].it.len);
    }
    return h;
}
