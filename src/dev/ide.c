/* PIIX3 IDE: PCI function, task-file registers, ATA commands, bus-master DMA (ide.h). */
#include "dev/ide_int.h"
#include "dev/devinfo.h"
#include "base/log.h"
#include <stdio.h>

enum { BM_START = 0x01, BM_TO_MEM = 0x08, BM_ACTIVE = 0x01, BM_ERROR = 0x02, BM_INT = 0x04 };
enum { PCI_CMD_IO = 0x01, PCI_BAR4 = 0x20 };

#define MAX_PRD_ENTRIES 8192   /* a 64 KiB table; a table without an end bit stops there */

/* ---- interrupts ---- */

static void update_irq(struct ide_channel *ch)
{
    bool level = ch->drive[ch->unit].irq && !(ch->devctl & DC_NIEN);
    if (level != ch->irq_level) {
        ch->irq_level = level;
        irq_set(&ch->irq, level);
    }
}

void ide_raise(struct ide_channel *ch, struct ide_drive *d)
{
    d->irq = true;
    if (!(ch->devctl & DC_NIEN)) ch->bm_status |= BM_INT; /* the bus master sees INTRQ (Linux checks it) */
    update_irq(ch);
}

static void lower(struct ide_channel *ch, struct ide_drive *d)
{
    d->irq = false;
    update_irq(ch);
}

/* ---- small helpers ---- */

static void set_signature(struct ide_drive *d)
{
    d->select &= 0xf0;
    d->nsector = d->sector = 1;
    d->lcyl = d->atapi ? 0x14 : 0;
    d->hcyl = d->atapi ? 0xeb : 0;
}

static void cmd_done(struct ide_channel *ch, struct ide_drive *d)
{
    d->status = ST_DRDY | ST_DSC;
    d->error = 0;
    d->end_fn = IDE_END_NONE;
    d->pos = d->end = 0;
    d->dma = IDE_DMA_NONE;
    ide_raise(ch, d);
}

static void fail(struct ide_channel *ch, struct ide_drive *d, u8 err)
{
    d->status = ST_DRDY | ST_DSC | ST_ERR;
    d->error = err;
    d->end_fn = IDE_END_NONE;
    d->pos = d->end = 0;
    d->dma = IDE_DMA_NONE;
    ide_raise(ch, d);
}

void ide_abort(struct ide_channel *ch, struct ide_drive *d) { fail(ch, d, ER_ABRT); }

/* ATA strings: two characters a word, the first in the high byte */
static void padstr(u16 *w, const char *s, int words)
{
    for (int i = 0; i < words; i++) {
        u8 hi = *s ? (u8)*s++ : ' ';
        u8 lo = *s ? (u8)*s++ : ' ';
        w[i] = (u16)(hi << 8 | lo);
    }
}

static u64 nsectors(const struct ide_drive *d) { return d->bd.size / BLOCKDEV_SECTOR; }

static void ata_identify(struct ide_drive *d)
{
    u16 *p = d->id;
    memset(d->id, 0, sizeof(d->id));
    p[0] = 0x0040;                                /* fixed disk */
    p[1] = d->cyls;
    p[3] = d->heads;
    p[4] = (u16)(512 * d->secs);
    p[5] = 512;
    p[6] = d->secs;
    padstr(p + 10, d->serial, 10);
    p[20] = 3;
    p[21] = 512;
    p[22] = 4;
    padstr(p + 23, "2.5+", 4);
    padstr(p + 27, "VDEBUG HARDDISK", 20);
    p[47] = 0x8000 | IDE_MAX_MULT;
    p[48] = 1;                                    /* dword I/O */
    p[49] = 1 << 11 | 1 << 9 | 1 << 8;            /* IORDY, LBA, DMA */
    p[51] = p[52] = 0x200;
    p[53] = 7;                                    /* words 54-58, 64-70 and 88 valid */
    p[54] = d->cyls;
    p[55] = d->heads;
    p[56] = d->secs;
    u32 chs = (u32)d->cyls * d->heads * d->secs;
    p[57] = (u16)chs;
    p[58] = (u16)(chs >> 16);
    if (d->mult) p[59] = 0x100 | d->mult;
    u64 n = nsectors(d);
    u32 n28 = n > 0x0fffffff ? 0x0fffffff : (u32)n;
    p[60] = (u16)n28;
    p[61] = (u16)(n28 >> 16);
    p[62] = 0x07;                                 /* single-word DMA 0-2 */
    p[63] = 0x07;                                 /* multiword DMA 0-2 */
    p[64] = 0x03;                                 /* PIO 3-4 */
    p[65] = p[66] = p[67] = p[68] = 120;
    p[80] = 0xf0;                                 /* ATA-4 .. ATA-7 */
    p[81] = 0x16;
    p[82] = 1 << 14 | 1 << 5;                     /* NOP, write cache */
    p[83] = 1 << 14 | 1 << 13 | 1 << 12 | 1 << 10; /* FLUSH CACHE (EXT), LBA48 */
    p[84] = 1 << 14;
    p[85] = (u16)(1 << 14 | (d->wcache ? 1 << 5 : 0));
    p[86] = 1 << 13 | 1 << 12 | 1 << 10;
    p[87] = 1 << 14;
    p[88] = 0x3f;                                 /* UDMA 0-5 */
    p[93] = 1 | 1 << 14 | 0x2000;
    for (int i = 0; i < 4; i++) p[100 + i] = (u16)(n >> (16 * i));
}

/* CHS geometry as QEMU guesses it for a disk without a partition table. */
static void guess_geometry(struct ide_drive *d)
{
    u64 c = nsectors(d) / (16 * 63);
    d->cyls = (u16)(c > 16383 ? 16383 : c < 2 ? 2 : c);
    d->heads = 16;
    d->secs = 63;
}

/* ---- addressing ---- */

static bool lba_mode(const struct ide_drive *d) { return d->select & 0x40; }

static u64 get_sector(const struct ide_drive *d)
{
    if (d->lba48)
        return (u64)d->hob_hcyl << 40 | (u64)d->hob_lcyl << 32 | (u64)d->hob_sector << 24 |
               (u64)d->hcyl << 16 | (u64)d->lcyl << 8 | d->sector;
    if (lba_mode(d)) return (u64)(d->select & 0x0f) << 24 | (u64)d->hcyl << 16 | (u64)d->lcyl << 8 | d->sector;
    if (!d->sector) return ~0ull; /* sector numbers start at 1 */
    u64 cyl = (u64)d->hcyl << 8 | d->lcyl;
    return (cyl * d->heads + (d->select & 0x0f)) * d->secs + (d->sector - 1u);
}

static void set_sector(struct ide_drive *d, u64 s)
{
    if (d->lba48) {
        d->sector = (u8)s, d->lcyl = (u8)(s >> 8), d->hcyl = (u8)(s >> 16);
        d->hob_sector = (u8)(s >> 24), d->hob_lcyl = (u8)(s >> 32), d->hob_hcyl = (u8)(s >> 40);
    } else if (lba_mode(d)) {
        d->sector = (u8)s, d->lcyl = (u8)(s >> 8), d->hcyl = (u8)(s >> 16);
        d->select = (u8)((d->select & 0xf0) | ((s >> 24) & 0x0f));
    } else {
        u32 cyl = (u32)(s / ((u32)d->heads * d->secs));
        u32 r = (u32)(s % ((u32)d->heads * d->secs));
        d->hcyl = (u8)(cyl >> 8), d->lcyl = (u8)cyl;
        d->select = (u8)((d->select & 0xf0) | ((r / d->secs) & 0x0f));
        d->sector = (u8)(r % d->secs + 1);
    }
}

static u32 get_count(const struct ide_drive *d)
{
    if (d->lba48) {
        u32 n = (u32)d->hob_nsector << 8 | d->nsector;
        return n ? n : 65536;
    }
    return d->nsector ? d->nsector : 256;
}

/* Set up lba/left for a read or write; false (command aborted) when out of range. */
static bool rw_setup(struct ide_channel *ch, struct ide_drive *d, bool lba48)
{
    d->lba48 = lba48;
    d->lba = get_sector(d);
    d->left = get_count(d);
    if (d->lba == ~0ull || d->lba > nsectors(d) || d->left > nsectors(d) - d->lba) {
        VD_LOG(LOG_GUEST_ERRORS, "ide: sector %llu count %u outside the disk (%llu sectors)\n",
               (unsigned long long)d->lba, d->left, (unsigned long long)nsectors(d));
        fail(ch, d, ER_IDNF | ER_ABRT);
        return false;
    }
    return true;
}

/* ---- PIO ---- */

void ide_pio_start(struct ide_channel *ch, struct ide_drive *d, u32 pos, u32 end, enum ide_pio_end fn, bool out)
{
    d->pio_out = out;
    d->pos = pos;
    d->end = end;
    d->end_fn = (u8)fn;
    d->status = ST_DRDY | ST_DSC | ST_DRQ;
}

static void pio_read_block(struct ide_channel *ch, struct ide_drive *d);
static void pio_write_end(struct ide_channel *ch, struct ide_drive *d);

static void pio_read_end(struct ide_channel *ch, struct ide_drive *d)
{
    d->lba += d->blk;
    d->left -= d->blk;
    set_sector(d, d->lba - 1);
    if (!d->left) {
        d->status = ST_DRDY | ST_DSC;
        d->end_fn = IDE_END_NONE;
        d->pos = d->end = 0;
        return;
    }
    pio_read_block(ch, d);
}

static void pio_read_block(struct ide_channel *ch, struct ide_drive *d)
{
    u32 per = (d->cmd == 0xc4 || d->cmd == 0x29) ? d->mult : 1;
    d->blk = d->left < per ? d->left : per;
    if (d->bd.read(d->bd.opaque, d->lba * BLOCKDEV_SECTOR, d->buf, d->blk * BLOCKDEV_SECTOR) < 0) {
        set_sector(d, d->lba);
        fail(ch, d, ER_UNC | ER_ABRT);
        return;
    }
    ide_pio_start(ch, d, 0, d->blk * BLOCKDEV_SECTOR, IDE_END_READ, false);
    ide_raise(ch, d);
}

static void pio_write_block(struct ide_channel *ch, struct ide_drive *d)
{
    u32 per = (d->cmd == 0xc5 || d->cmd == 0x39) ? d->mult : 1;
    d->blk = d->left < per ? d->left : per;
    ide_pio_start(ch, d, 0, d->blk * BLOCKDEV_SECTOR, IDE_END_WRITE, true);
}

static void pio_write_end(struct ide_channel *ch, struct ide_drive *d)
{
    if (d->bd.write(d->bd.opaque, d->lba * BLOCKDEV_SECTOR, d->buf, d->blk * BLOCKDEV_SECTOR) < 0) {
        set_sector(d, d->lba);
        fail(ch, d, ER_UNC | ER_ABRT);
        return;
    }
    d->lba += d->blk;
    d->left -= d->blk;
    set_sector(d, d->lba - 1);
    if (!d->left) {
        cmd_done(ch, d);
        return;
    }
    pio_write_block(ch, d);
    ide_raise(ch, d);
}

/* ---- bus-master DMA ---- */

u32 ide_prd_move(struct ide_channel *ch, struct ide_prd *it, u8 *buf, u32 n, bool to_mem)
{
    struct physmem *mem = ch->ctrl->mem;
    u32 done = 0;
    while (done < n) {
        if (!it->len) {
            if (it->last || it->entries >= MAX_PRD_ENTRIES) break;
            it->addr = physmem_read(mem, it->next, 4) & ~1u;
            u32 w = physmem_read(mem, it->next + 4, 4);
            it->len = (w & 0xfffe) ? (w & 0xfffe) : 0x10000;
            it->last = w & 0x80000000u;
            it->next += 8;
            it->entries++;
        }
        u32 k = n - done < it->len ? n - done : it->len;
        if (to_mem) physmem_dma_write(mem, it->addr, buf + done, k);
        else physmem_dma_read(mem, it->addr, buf + done, k);
        it->addr += k;
        it->len -= k;
        done += k;
    }
    return done;
}

/* Run the DMA command of the channel's drive, start to end. */
static void dma_run(struct ide_channel *ch, struct ide_drive *d)
{
    struct ide_prd it = {ch->bm_prd & ~3u, 0, 0, false, 0};
    bool ok = true, ioerr = false;
    if (d->dma == IDE_DMA_ATAPI) {
        int r = atapi_dma(ch, d, &it);
        ok = r != -1;
        ioerr = r == -2;
    } else {
        bool rd = d->dma == IDE_DMA_ATA_READ;
        while (d->left && ok) {
            u32 n = d->left < IDE_BUF_SIZE / BLOCKDEV_SECTOR ? d->left : IDE_BUF_SIZE / BLOCKDEV_SECTOR;
            u32 bytes = n * BLOCKDEV_SECTOR;
            if (rd) {
                if (d->bd.read(d->bd.opaque, d->lba * BLOCKDEV_SECTOR, d->buf, bytes) < 0) { ioerr = true; break; }
                ok = ide_prd_move(ch, &it, d->buf, bytes, true) == bytes;
            } else {
                ok = ide_prd_move(ch, &it, d->buf, bytes, false) == bytes;
                if (ok && d->bd.write(d->bd.opaque, d->lba * BLOCKDEV_SECTOR, d->buf, bytes) < 0) { ioerr = true; break; }
            }
            if (ok) {
                d->lba += n;
                d->left -= n;
            }
        }
        set_sector(d, d->left ? d->lba : d->lba - 1);
    }
    ch->bm_status &= (u8)~BM_ACTIVE;
    if (!ok) {
        /* The PRD table ended before the data: as the PIIX (and QEMU), the bus
         * master stops with neither its interrupt nor its error bit, which is
         * how a driver tells; the drive gives up the command quietly. */
        VD_LOG(LOG_GUEST_ERRORS, "ide: DMA: PRD table at 0x%x too short for the transfer\n", ch->bm_prd);
        d->dma = IDE_DMA_NONE;
        d->end_fn = IDE_END_NONE;
        d->pos = d->end = 0;
        if (d->atapi) {
            d->status = ST_DRDY | ST_ERR;
            d->error = 0x0b << 4;
            d->nsector = 0x03;
            d->sense = 0x0b; /* aborted command */
            d->asc = d->ascq = 0;
        } else d->status = ST_DRDY | ST_DSC;
        return;
    }
    if (d->dma == IDE_DMA_ATAPI) {
        if (ioerr) atapi_error(ch, d, 0x03, 0x11);  /* medium error: unrecovered read error */
        else atapi_done(ch, d);
    } else if (ioerr) fail(ch, d, ER_UNC | ER_ABRT);
    else cmd_done(ch, d);
}

void ide_dma_ready(struct ide_channel *ch, struct ide_drive *d, enum ide_dma_kind kind)
{
    d->dma = kind;
    d->status = ST_DRDY | ST_DSC | ST_DRQ; /* as QEMU: DRQ, waiting for the bus master */
    if (ch->bm_cmd & BM_START) dma_run(ch, d);
}

/* ---- commands ---- */

static bool set_features(struct ide_drive *d)
{
    switch (d->feature) {
    case 0x02: d->wcache = true; break;
    case 0x82: d->wcache = false; break;
    case 0x03: { /* transfer mode in nsector */
        u8 mode = d->nsector >> 3, n = d->nsector & 7;
        if (mode == 0 || mode == 1) d->id[62] = 0x07, d->id[63] = 0x07, d->id[88] = 0x3f;
        else if (mode == 4 && n <= 2) d->id[62] = 0x07, d->id[63] = (u16)(0x07 | 1 << (n + 8)), d->id[88] = 0x3f;
        else if (mode == 8 && n <= 5) d->id[62] = 0x07, d->id[63] = 0x07, d->id[88] = (u16)(0x3f | 1 << (n + 8));
        else return false;
        return true;
    }
    case 0xaa: case 0x55: case 0xcc: case 0x66: case 0x05: case 0x85: case 0x31: case 0x42: case 0xc2:
        return true;
    default:
        return false;
    }
    if (!d->atapi) d->id[85] = (u16)(1 << 14 | (d->wcache ? 1 << 5 : 0));
    return true;
}

static void exec_diag(struct ide_channel *ch)
{
    for (int i = 0; i < 2; i++) {
        struct ide_drive *d = &ch->drive[i];
        set_signature(d);
        d->error = 0x01;
        d->status = d->atapi ? 0 : ST_DRDY | ST_DSC;
    }
}

static void command(struct ide_channel *ch, u8 cmd)
{
    struct ide_drive *d = &ch->drive[ch->unit];
    if (!d->present) return; /* nobody answers */
    if ((d->status & (ST_BSY | ST_DRQ)) && cmd != 0x08) {
        VD_LOG(LOG_GUEST_ERRORS, "ide: command 0x%02x while busy (status 0x%02x) ignored\n", cmd, d->status);
        return;
    }
    lower(ch, d);
    d->cmd = cmd;
    d->error = 0;
    d->dma = IDE_DMA_NONE;
    if (d->atapi) {
        switch (cmd) {
        case 0xa0: /* PACKET: the 12-byte CDB comes through the data port */
            d->bcl = (u32)d->hcyl << 8 | d->lcyl;
            d->atapi_dma = d->feature & 1;
            d->nsector = 0x01; /* CoD */
            ide_pio_start(ch, d, 0, 12, IDE_END_PACKET, true);
            return;
        case 0xa1: atapi_identify(d); memcpy(d->buf, d->id, 512); ide_pio_start(ch, d, 0, 512, IDE_END_NONE, false); ide_raise(ch, d); return;
        case 0x08: set_signature(d); d->status = 0; d->error = 0x01; return; /* DEVICE RESET: no interrupt */
        case 0x90: exec_diag(ch); ide_raise(ch, d); return;
        case 0xef: if (set_features(d)) cmd_done(ch, d); else ide_abort(ch, d); return;
        case 0xec: set_signature(d); ide_abort(ch, d); return; /* the ATAPI signature answers IDENTIFY */
        case 0xe0: case 0xe1: case 0xe7: case 0xe5: case 0x00:
        default:
            if (cmd == 0xe5) d->nsector = 0xff;
            if (cmd == 0xe0 || cmd == 0xe1 || cmd == 0xe5) cmd_done(ch, d);
            else ide_abort(ch, d);
            return;
        }
    }
    switch (cmd) {
    case 0xec: /* IDENTIFY DEVICE */
        memcpy(d->buf, d->id, 512);
        ide_pio_start(ch, d, 0, 512, IDE_END_NONE, false);
        ide_raise(ch, d);
        return;
    case 0x20: case 0x21: case 0x24: case 0xc4: case 0x29: /* READ SECTORS (EXT), READ MULTIPLE (EXT) */
        if ((cmd == 0xc4 || cmd == 0x29) && !d->mult) break;
        if (rw_setup(ch, d, cmd == 0x24 || cmd == 0x29)) pio_read_block(ch, d);
        return;
    case 0x30: case 0x31: case 0x34: case 0xc5: case 0x39: /* WRITE SECTORS (EXT), WRITE MULTIPLE (EXT) */
        if ((cmd == 0xc5 || cmd == 0x39) && !d->mult) break;
        if (d->bd.readonly) break;
        if (rw_setup(ch, d, cmd == 0x34 || cmd == 0x39)) pio_write_block(ch, d); /* DRQ, no interrupt */
        return;
    case 0xc8: case 0xc9: case 0x25: /* READ DMA (EXT) */
        if (rw_setup(ch, d, cmd == 0x25)) ide_dma_ready(ch, d, IDE_DMA_ATA_READ);
        return;
    case 0xca: case 0xcb: case 0x35: /* WRITE DMA (EXT) */
        if (d->bd.readonly) break;
        if (rw_setup(ch, d, cmd == 0x35)) ide_dma_ready(ch, d, IDE_DMA_ATA_WRITE);
        return;
    case 0x40: case 0x41: case 0x42: /* READ VERIFY SECTORS (EXT) */
        if (rw_setup(ch, d, cmd == 0x42)) {
            set_sector(d, d->lba + d->left - 1);
            cmd_done(ch, d);
        }
        return;
    case 0xc6: /* SET MULTIPLE MODE */
        if (d->nsector > IDE_MAX_MULT || (d->nsector & (d->nsector - 1))) break;
        d->mult = d->nsector;
        d->id[59] = d->mult ? 0x100 | d->mult : 0;
        cmd_done(ch, d);
        return;
    case 0xef:
        if (!set_features(d)) break;
        cmd_done(ch, d);
        return;
    case 0xe7: case 0xea: /* FLUSH CACHE (EXT) */
        if (d->bd.flush && d->bd.flush(d->bd.opaque) < 0) {
            fail(ch, d, ER_ABRT);
            return;
        }
        cmd_done(ch, d);
        return;
    case 0x91: /* INITIALIZE DEVICE PARAMETERS: the CHS translation stays as IDENTIFY reports */
    case 0x70: /* SEEK */
    case 0xe0: case 0xe1: case 0xe2: case 0xe3: case 0x94: case 0x95: case 0x96: case 0x97: /* standby, idle */
        cmd_done(ch, d);
        return;
    case 0xe5: case 0x98: /* CHECK POWER MODE: active */
        d->nsector = 0xff;
        cmd_done(ch, d);
        return;
    case 0x90: /* EXECUTE DEVICE DIAGNOSTIC */
        exec_diag(ch);
        ide_raise(ch, d);
        return;
    default:
        if (cmd >= 0x10 && cmd <= 0x1f) { /* RECALIBRATE */
            cmd_done(ch, d);
            return;
        }
        VD_LOG(LOG_UNIMP, "ide: ATA command 0x%02x not implemented (aborted)\n", cmd);
        break;
    }
    ide_abort(ch, d);
}

/* ---- the task-file registers ---- */

static void data_moved(struct ide_channel *ch, struct ide_drive *d)
{
    if (d->pos < d->end) return;
    enum ide_pio_end fn = d->end_fn;
    d->status &= (u8)~ST_DRQ;
    d->end_fn = IDE_END_NONE;
    switch (fn) {
    case IDE_END_READ: pio_read_end(ch, d); return;
    case IDE_END_WRITE: pio_write_end(ch, d); return;
    case IDE_END_PACKET: atapi_packet(ch, d); return;
    case IDE_END_ATAPI_NEXT: atapi_pio_next(ch, d); return;
    case IDE_END_NONE: break;
    }
    if (!(d->status & ST_DRQ)) d->pos = d->end = 0;
}

static u32 data_read(struct ide_channel *ch, unsigned size)
{
    struct ide_drive *d = &ch->drive[ch->unit];
    if (!(d->status & ST_DRQ) || d->pio_out || d->pos >= d->end) return 0; /* as QEMU */
    u32 v = 0;
    for (unsigned i = 0; i < size && d->pos < d->end; i++) v |= (u32)d->buf[d->pos++] << (8 * i);
    data_moved(ch, d);
    return v;
}

static void data_write(struct ide_channel *ch, u32 val, unsigned size)
{
    struct ide_drive *d = &ch->drive[ch->unit];
    if (!(d->status & ST_DRQ) || !d->pio_out || d->pos >= d->end) return;
    for (unsigned i = 0; i < size && d->pos < d->end; i++) d->buf[d->pos++] = (u8)(val >> (8 * i));
    data_moved(ch, d);
}

static u8 reg_read(struct ide_channel *ch, unsigned reg)
{
    struct ide_drive *d = &ch->drive[ch->unit];
    bool none = !ch->drive[0].present && !ch->drive[1].present;
    bool hob = ch->devctl & DC_HOB;
    if (none) return 0; /* as QEMU: an empty channel reads 0 */
    switch (reg) {
    case 1: return !d->present && ch->unit ? 0 : hob ? d->hob_feature : d->error;
    case 2: return hob ? d->hob_nsector : d->nsector;
    case 3: return hob ? d->hob_sector : d->sector;
    case 4: return hob ? d->hob_lcyl : d->lcyl;
    case 5: return hob ? d->hob_hcyl : d->hcyl;
    case 6: return d->select;
    default: /* status: reading it acknowledges the interrupt */
        lower(ch, d);
        return !d->present && ch->unit ? 0 : d->status;
    }
}

static void reg_write(struct ide_channel *ch, unsigned reg, u8 v)
{
    if (reg >= 1 && reg <= 6) ch->devctl &= (u8)~DC_HOB;
    for (int i = 0; i < 2; i++) {
        struct ide_drive *d = &ch->drive[i];
        switch (reg) {
        case 1: d->hob_feature = d->feature; d->feature = v; break;
        case 2: d->hob_nsector = d->nsector; d->nsector = v; break;
        case 3: d->hob_sector = d->sector; d->sector = v; break;
        case 4: d->hob_lcyl = d->lcyl; d->lcyl = v; break;
        case 5: d->hob_hcyl = d->hcyl; d->hcyl = v; break;
        case 6: d->select = (u8)((v & ~0x10) | 0xa0); break;
        }
    }
    if (reg == 6) {
        ch->unit = (v >> 4) & 1;
        update_irq(ch);
    } else if (reg == 7) command(ch, v);
}

static void soft_reset(struct ide_channel *ch, bool srst)
{
    for (int i = 0; i < 2; i++) {
        struct ide_drive *d = &ch->drive[i];
        if (!d->present) continue;
        d->end_fn = IDE_END_NONE;
        d->pos = d->end = 0;
        d->dma = IDE_DMA_NONE;
        d->irq = false;
        if (srst) {
            d->status = ST_BSY | ST_DSC;
            continue;
        }
        d->mult = d->atapi ? 0 : IDE_MAX_MULT; /* as QEMU's reset */
        if (!d->atapi) d->id[59] = 0x100 | IDE_MAX_MULT;
        set_signature(d);
        d->status = d->atapi ? 0 : ST_DRDY | ST_DSC;
        d->error = 0x01;
    }
    if (!srst) ch->unit = 0;
    update_irq(ch);
}

static u32 cmd_read(void *opaque, u64 off, unsigned size)
{
    struct ide_channel *ch = opaque;
    if (off == 0) return data_read(ch, size);
    u32 v = 0;
    for (unsigned i = 0; i < size && off + i < 8; i++) v |= (u32)reg_read(ch, (unsigned)off + i) << (8 * i);
    return v;
}

static void cmd_write(void *opaque, u64 off, u32 val, unsigned size)
{
    struct ide_channel *ch = opaque;
    if (off == 0) {
        data_write(ch, val, size);
        return;
    }
    for (unsigned i = 0; i < size && off + i < 8; i++) reg_write(ch, (unsigned)off + i, (u8)(val >> (8 * i)));
}

static u32 ctl_read(void *opaque, u64 off, unsigned size)
{
    struct ide_channel *ch = opaque;
    struct ide_drive *d = &ch->drive[ch->unit];
    if (!ch->drive[0].present && !ch->drive[1].present) return 0;
    return !d->present && ch->unit ? 0 : d->status; /* alternate status: no acknowledge */
}

static void ctl_write(void *opaque, u64 off, u32 val, unsigned size)
{
    struct ide_channel *ch = opaque;
    u8 old = ch->devctl;
    ch->devctl = (u8)val;
    if (!(old & DC_SRST) && (val & DC_SRST)) soft_reset(ch, true);
    else if ((old & DC_SRST) && !(val & DC_SRST)) soft_reset(ch, false);
    update_irq(ch);
}

/* ---- bus-master registers (BAR 4) ---- */

static u8 bm_read_byte(struct ide_ctrl *c, unsigned off)
{
    struct ide_channel *ch = &c->ch[(off >> 3) & 1];
    switch (off & 7) {
    case 0: return ch->bm_cmd;
    case 2: return ch->bm_status;
    case 4: case 5: case 6: case 7: return (u8)(ch->bm_prd >> (8 * (off & 3)));
    default: return 0;
    }
}

static void bm_write_byte(struct ide_ctrl *c, unsigned off, u8 v)
{
    struct ide_channel *ch = &c->ch[(off >> 3) & 1];
    switch (off & 7) {
    case 0: {
        u8 old = ch->bm_cmd;
        ch->bm_cmd = v & (BM_START | BM_TO_MEM);
        if (!(v & BM_START)) {
            if (old & BM_START) ch->bm_status &= (u8)~BM_ACTIVE; /* stop: a DMA waiting is abandoned */
            return;
        }
        if (old & BM_START) return;
        ch->bm_status |= BM_ACTIVE;
        struct ide_drive *d = &ch->drive[ch->unit];
        if (d->dma != IDE_DMA_NONE) dma_run(ch, d);
        return;
    }
    case 2:
        /* bits 5-6 (drive DMA capable) read back; error and interrupt are write-1-to-clear */
        ch->bm_status = (u8)((ch->bm_status & ~0x60 & ~(v & (BM_ERROR | BM_INT))) | (v & 0x60));
        return;
    case 4: case 5: case 6: case 7: {
        unsigned sh = 8 * (off & 3);
        ch->bm_prd = (ch->bm_prd & ~(0xffu << sh)) | (u32)v << sh;
        return;
    }
    }
}

static u32 bm_read(void *opaque, u64 off, unsigned size)
{
    u32 v = 0;
    for (unsigned i = 0; i < size; i++) v |= (u32)bm_read_byte(opaque, (unsigned)off + i) << (8 * i);
    return v;
}

static void bm_write(void *opaque, u64 off, u32 val, unsigned size)
{
    for (unsigned i = 0; i < size; i++) bm_write_byte(opaque, (unsigned)off + i, (u8)(val >> (8 * i)));
}

/* Decode BAR 4 where the guest put it, while I/O decoding is on. */
static void bm_remap(struct ide_ctrl *c)
{
    u32 bar = ld32(c->pci.cfg + PCI_BAR4) & ~3u;
    u16 want = (c->pci.cfg[0x04] & PCI_CMD_IO) && bar && bar < 0x10000 - 16 ? (u16)bar : 0;
    if (want == c->bm_mapped) return;
    if (c->bm_mapped) iomap_remove(c->ports, c->bm_mapped, c);
    c->bm_mapped = 0;
    if (want && iomap_add(c->ports, want, 16, "ide-busmaster", 4, bm_read, bm_write, c) == 0) c->bm_mapped = want;
    else if (want) VD_LOG(LOG_GUEST_ERRORS, "ide: BAR 4 at 0x%x overlaps another device; not decoded\n", want);
}

static void config_written(struct pci_func *f, unsigned reg, unsigned size)
{
    if (reg < 0x24 && reg + size > 0x04) bm_remap(f->opaque);
}

/* ---- lifetime ---- */

void ide_init(struct ide_ctrl *c, struct pci_bus *bus, struct iomap *ports, struct physmem *mem,
              struct irq_line irq14, struct irq_line irq15)
{
    memset(c, 0, sizeof(*c));
    c->mem = mem;
    c->ports = ports;
    pci_func_init(&c->pci, "PIIX3 IDE", 0x8086, 0x7010, 0x00, 0x010180, 0x00);
    st16(c->pci.cfg + 0x04, 0x0000);
    st16(c->pci.cfg + 0x06, 0x0280);           /* fast back-to-back, medium DEVSEL */
    c->pci.cfg[PCI_BAR4] = 0x01;               /* I/O space, 16 bytes */
    st32(c->pci.wmask + PCI_BAR4, 0xfffffff0u);
    c->pci.wmask[0x3c] = 0xff;
    st16(c->pci.wmask + 0x40, 0xf3ff);         /* IDETIM primary, secondary */
    st16(c->pci.wmask + 0x42, 0xf3ff);
    c->pci.wmask[0x44] = 0xff;                 /* SIDETIM */
    c->pci.written = config_written;
    c->pci.opaque = c;
    pci_bus_add(bus, IDE_DEVFN, &c->pci);
    static const u16 base[2] = {0x1f0, 0x170}, ctl[2] = {0x3f6, 0x376};
    static const char *const name[2][2] = {{"ide0", "ide0-ctl"}, {"ide1", "ide1-ctl"}};
    for (int i = 0; i < 2; i++) {
        struct ide_channel *ch = &c->ch[i];
        ch->ctrl = c;
        ch->irq = i ? irq15 : irq14;
        if (iomap_add(ports, base[i], 8, name[i][0], 4, cmd_read, cmd_write, ch) < 0 ||
            iomap_add(ports, ctl[i], 1, name[i][1], 1, ctl_read, ctl_write, ch) < 0)
            fprintf(stderr, "vdebug: IDE ports of channel %d overlap another device; not mapped\n", i);
    }
}

void ide_attach(struct ide_ctrl *c, int index, const struct blockdev *bd, bool atapi)
{
    struct ide_drive *d = &c->ch[(index >> 1) & 1].drive[index & 1];
    d->present = true;
    d->atapi = atapi;
    d->medium = bd != NULL;
    if (bd) d->bd = *bd;
    snprintf(d->serial, sizeof(d->serial), "VD%05d", index + 1);
    if (!atapi) guess_geometry(d);
}

void ide_reset(struct ide_ctrl *c)
{
    for (int i = 0; i < 2; i++) {
        struct ide_channel *ch = &c->ch[i];
        ch->devctl = 0;
        ch->bm_cmd = ch->bm_status = 0;
        ch->bm_prd = 0;
        for (int u = 0; u < 2; u++) {
            struct ide_drive *d = &ch->drive[u];
            d->select = 0xa0;
            d->wcache = true;
            d->sense = d->asc = d->ascq = 0;
            d->feature = d->hob_feature = d->hob_nsector = d->hob_sector = d->hob_lcyl = d->hob_hcyl = 0;
            d->mult = d->atapi ? 0 : IDE_MAX_MULT;
            if (d->present && d->atapi) atapi_identify(d);
            else if (d->present) ata_identify(d);
        }
        soft_reset(ch, false);
        ch->irq_level = false;
        irq_set(&ch->irq, 0);
    }
    bm_remap(c);
}

void ide_firmware_setup(struct ide_ctrl *c, u16 bm_base)
{
    st32(c->pci.cfg + PCI_BAR4, (u32)bm_base | 1);
    st16(c->pci.cfg + 0x04, 0x0005);           /* I/O, bus master */
    st16(c->pci.cfg + 0x40, 0x8000);           /* IDE decode enable, both channels */
    st16(c->pci.cfg + 0x42, 0x8000);
    bm_remap(c);
}

int ide_info(const struct ide_ctrl *c, char *buf, size_t size)
{
    struct infobuf b = infobuf_make(buf, size);
    static const char *const pos[4] = {"primary master", "primary slave", "secondary master", "secondary slave"};
    infof(&b, "PIIX3 IDE at 00:01.1, bus master %s0x%x\n", c->bm_mapped ? "at " : "not decoded, BAR ",
          c->bm_mapped ? c->bm_mapped : ld32(c->pci.cfg + PCI_BAR4) & ~3u);
    for (int i = 0; i < 4; i++) {
        const struct ide_channel *ch = &c->ch[i >> 1];
        const struct ide_drive *d = &ch->drive[i & 1];
        if (!d->present) continue;
        infof(&b, "  %s: %s, %llu bytes%s, status 0x%02x error 0x%02x%s\n", pos[i], d->atapi ? "ATAPI CD-ROM" : "ATA disk",
              (unsigned long long)d->bd.size, d->atapi && !d->medium ? " (no disc)" : d->bd.readonly ? " read-only" : "",
              d->status, d->error, d->irq ? ", interrupt pending" : "");
    }
    for (int i = 0; i < 2; i++)
        infof(&b, "  channel %d: selected %s, device control 0x%02x, bus master cmd 0x%02x status 0x%02x PRD 0x%08x\n", i,
              c->ch[i].unit ? "slave" : "master", c->ch[i].devctl, c->ch[i].bm_cmd, c->ch[i].bm_status, c->ch[i].bm_prd);
    return (int)b.len;
}

const struct snap_field ide_snap_fields[] = {
    SNAP_FIELD(struct ide_ctrl, pci.cfg),
    SNAP_FIELD(struct ide_ctrl, ch[0].unit), SNAP_FIELD(struct ide_ctrl, ch[0].devctl),
    SNAP_FIELD(struct ide_ctrl, ch[0].irq_level), SNAP_FIELD(struct ide_ctrl, ch[0].bm_cmd),
    SNAP_FIELD(struct ide_ctrl, ch[0].bm_status), SNAP_FIELD(struct ide_ctrl, ch[0].bm_prd),
    SNAP_FIELD(struct ide_ctrl, ch[1].unit), SNAP_FIELD(struct ide_ctrl, ch[1].devctl),
    SNAP_FIELD(struct ide_ctrl, ch[1].irq_level), SNAP_FIELD(struct ide_ctrl, ch[1].bm_cmd),
    SNAP_FIELD(struct ide_ctrl, ch[1].bm_status), SNAP_FIELD(struct ide_ctrl, ch[1].bm_prd),
};
const size_t ide_snap_nfields = sizeof(ide_snap_fields) / sizeof(ide_snap_fields[0]);

const struct snap_field ide_drive_snap_fields[] = {
    SNAP_FIELD(struct ide_drive, medium),
    SNAP_FIELD(struct ide_drive, feature), SNAP_FIELD(struct ide_drive, nsector), SNAP_FIELD(struct ide_drive, sector),
    SNAP_FIELD(struct ide_drive, lcyl), SNAP_FIELD(struct ide_drive, hcyl),
    SNAP_FIELD(struct ide_drive, hob_feature), SNAP_FIELD(struct ide_drive, hob_nsector),
    SNAP_FIELD(struct ide_drive, hob_sector), SNAP_FIELD(struct ide_drive, hob_lcyl), SNAP_FIELD(struct ide_drive, hob_hcyl),
    SNAP_FIELD(struct ide_drive, select), SNAP_FIELD(struct ide_drive, status), SNAP_FIELD(struct ide_drive, error),
    SNAP_FIELD(struct ide_drive, irq),
    SNAP_FIELD(struct ide_drive, cyls), SNAP_FIELD(struct ide_drive, heads), SNAP_FIELD(struct ide_drive, secs),
    SNAP_FIELD(struct ide_drive, mult), SNAP_FIELD(struct ide_drive, wcache), SNAP_FIELD(struct ide_drive, id),
    SNAP_FIELD(struct ide_drive, cmd), SNAP_FIELD(struct ide_drive, lba48), SNAP_FIELD(struct ide_drive, lba),
    SNAP_FIELD(struct ide_drive, left), SNAP_FIELD(struct ide_drive, blk), SNAP_FIELD(struct ide_drive, dma),
    SNAP_FIELD(struct ide_drive, pos), SNAP_FIELD(struct ide_drive, end), SNAP_FIELD(struct ide_drive, fill),
    SNAP_FIELD(struct ide_drive, pio_out), SNAP_FIELD(struct ide_drive, end_fn),
    SNAP_FIELD(struct ide_drive, cdb), SNAP_FIELD(struct ide_drive, sense), SNAP_FIELD(struct ide_drive, asc),
    SNAP_FIELD(struct ide_drive, ascq), SNAP_FIELD(struct ide_drive, bcl), SNAP_FIELD(struct ide_drive, atapi_dma),
    SNAP_FIELD(struct ide_drive, buf),
};
const size_t ide_drive_snap_nfields = sizeof(ide_drive_snap_fields) / sizeof(ide_drive_snap_fields[0]);

void ide_post_load(void *ctrl) { bm_remap(ctrl); }
