/*
 * The ATAPI CD-ROM of the PIIX3 IDE controller: IDENTIFY PACKET DEVICE and
 * the MMC commands behind PACKET that Linux's sr driver, libata and SeaBIOS's
 * El Torito boot use, answered as QEMU's ide-cd answers them. Data goes by
 * PIO in pieces of at most the byte count limit the guest gave, or by DMA.
 * Blocks are 2048 bytes; the disc's size is the image's, rounded down.
 */
#include "dev/ide_int.h"
#include "base/log.h"

#define CD_BLOCK 2048u
/* QEMU's limit between a CD and a DVD profile: an 80-minute CD */
#define CD_MAX_BLOCKS (80u * 60 * 75)

enum { SK_NOT_READY = 2, SK_MEDIUM_ERROR = 3, SK_ILLEGAL_REQUEST = 5 };
enum { ASC_INVALID_OPCODE = 0x20, ASC_LBA_OUT_OF_RANGE = 0x21, ASC_INVALID_FIELD = 0x24,
       ASC_SAVING_UNSUPPORTED = 0x39, ASC_NO_MEDIUM = 0x3a, ASC_READ_ERROR = 0x11 };

static u32 be16(const u8 *p) { return (u32)p[0] << 8 | p[1]; }
static u32 be32(const u8 *p) { return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3]; }
static void put_be16(u8 *p, u32 v) { p[0] = (u8)(v >> 8), p[1] = (u8)v; }
static void put_be32(u8 *p, u32 v) { p[0] = (u8)(v >> 24), p[1] = (u8)(v >> 16), p[2] = (u8)(v >> 8), p[3] = (u8)v; }

static u32 blocks(const struct ide_drive *d) { return d->medium ? (u32)(d->bd.size / CD_BLOCK) : 0; }

static void pad(u8 *dst, const char *s, int n)
{
    for (int i = 0; i < n; i++) dst[i] = *s ? (u8)*s++ : ' ';
}

static void padw(u16 *w, const char *s, int words)
{
    for (int i = 0; i < words; i++) {
        u8 hi = *s ? (u8)*s++ : ' ';
        u8 lo = *s ? (u8)*s++ : ' ';
        w[i] = (u16)(hi << 8 | lo);
    }
}

void atapi_identify(struct ide_drive *d)
{
    u16 *p = d->id;
    memset(d->id, 0, sizeof(d->id));
    p[0] = 2 << 14 | 5 << 8 | 1 << 7 | 2 << 5;    /* ATAPI, CD-ROM, removable, 50 us DRQ, 12-byte packets */
    padw(p + 10, d->serial, 10);
    p[20] = 3;
    p[21] = 512;
    p[22] = 4;
    padw(p + 23, "2.5+", 4);
    padw(p + 27, "VDEBUG DVD-ROM", 20);
    p[48] = 1;
    p[49] = 1 << 9 | 1 << 8;                      /* LBA, DMA */
    p[53] = 7;
    p[62] = 7;
    p[63] = 7;
    p[64] = 3;
    p[65] = p[66] = 0xb4;
    p[67] = 0x12c;
    p[68] = 0xb4;
    p[71] = p[72] = 30;
    p[80] = 0x1e;                                 /* ATA/ATAPI-1 .. 4 */
    p[88] = 0x3f;
}

void atapi_done(struct ide_channel *ch, struct ide_drive *d)
{
    d->status = ST_DRDY | ST_DSC;
    d->error = 0;
    d->nsector = 0x03; /* I/O, C/D: status phase */
    d->end_fn = IDE_END_NONE;
    d->pos = d->end = d->fill = 0;
    d->left = 0;
    d->dma = IDE_DMA_NONE;
    ide_raise(ch, d);
}

void atapi_error(struct ide_channel *ch, struct ide_drive *d, u8 sense, u8 asc)
{
    d->status = ST_DRDY | ST_ERR;
    d->error = (u8)(sense << 4);
    d->nsector = 0x03;
    d->sense = sense;
    d->asc = asc;
    d->ascq = 0;
    d->end_fn = IDE_END_NONE;
    d->pos = d->end = d->fill = 0;
    d->left = 0;
    d->dma = IDE_DMA_NONE;
    ide_raise(ch, d);
}

/* Read the next blocks of a READ into buf; false after reporting an error. */
static bool refill(struct ide_drive *d)
{
    u32 n = d->left < IDE_BUF_SIZE / CD_BLOCK ? d->left : IDE_BUF_SIZE / CD_BLOCK;
    if (d->bd.read(d->bd.opaque, d->lba * CD_BLOCK, d->buf, n * CD_BLOCK) < 0) return false;
    d->lba += n;
    d->left -= n;
    d->pos = 0;
    d->fill = n * CD_BLOCK;
    return true;
}

/* The next PIO piece: at most the byte count limit, raised with an interrupt. */
void atapi_pio_next(struct ide_channel *ch, struct ide_drive *d)
{
    if (d->pos >= d->fill) {
        if (!d->left) {
            atapi_done(ch, d);
            return;
        }
        if (!refill(d)) {
            atapi_error(ch, d, SK_MEDIUM_ERROR, ASC_READ_ERROR);
            return;
        }
    }
    u32 limit = d->bcl;
    if (limit == 0 || limit == 0xffff) limit = 0xfffe; /* 0 is invalid; keep pieces even */
    limit &= ~1u;
    u32 n = d->fill - d->pos < limit ? d->fill - d->pos : limit;
    d->lcyl = (u8)n;
    d->hcyl = (u8)(n >> 8);
    d->nsector = 0x02; /* I/O: data to the host */
    ide_pio_start(ch, d, d->pos, d->pos + n, IDE_END_ATAPI_NEXT, false);
    ide_raise(ch, d);
}

/* Send buf[0..len) (cut to alloc), then d->left blocks from d->lba. */
static void send(struct ide_channel *ch, struct ide_drive *d, u32 len, u32 alloc)
{
    d->fill = len < alloc ? len : alloc;
    d->pos = 0;
    if (!d->fill && !d->left) {
        atapi_done(ch, d);
        return;
    }
    if (d->atapi_dma) {
        ide_dma_ready(ch, d, IDE_DMA_ATAPI);
        return;
    }
    atapi_pio_next(ch, d);
}

int atapi_dma(struct ide_channel *ch, struct ide_drive *d, struct ide_prd *it)
{
    for (;;) {
        if (d->pos < d->fill) {
            u32 n = d->fill - d->pos;
            if (ide_prd_move(ch, it, d->buf + d->pos, n, true) != n) return -1;
            d->pos = d->fill;
        }
        if (!d->left) return 0;
        if (!refill(d)) return -2;
    }
}

static void lba_to_msf(u8 *p, u32 lba)
{
    lba += 150;
    p[0] = (u8)(lba / (75 * 60));
    p[1] = (u8)(lba / 75 % 60);
    p[2] = (u8)(lba % 75);
}

/* READ TOC format 0: track 1 (data) from LBA 0 and the lead-out. Length, or 0 for a bad start track. */
static u32 read_toc(struct ide_drive *d, bool msf, u8 start)
{
    u8 *b = d->buf, *q = b + 2;
    if (start > 1 && start != 0xaa) return 0;
    *q++ = 1; /* first track */
    *q++ = 1; /* last track */
    if (start <= 1) {
        *q++ = 0, *q++ = 0x14, *q++ = 1, *q++ = 0;
        if (msf) *q++ = 0, lba_to_msf(q, 0), q += 3;
        else put_be32(q, 0), q += 4;
    }
    *q++ = 0, *q++ = 0x16, *q++ = 0xaa, *q++ = 0;
    if (msf) *q++ = 0, lba_to_msf(q, blocks(d)), q += 3;
    else put_be32(q, blocks(d)), q += 4;
    u32 len = (u32)(q - b);
    put_be16(b, len - 2);
    return len;
}

static void exec(struct ide_channel *ch, struct ide_drive *d)
{
    const u8 *c = d->cdb;
    u8 *b = d->buf;
    u8 op = c[0];
    d->left = 0;
    /* commands that need a disc */
    bool media = op == 0x00 || op == 0x25 || op == 0x28 || op == 0xa8 || op == 0x43 || op == 0x2b;
    if (op != 0x03) d->sense = d->asc = d->ascq = 0;
    if (media && !d->medium) {
        atapi_error(ch, d, SK_NOT_READY, ASC_NO_MEDIUM);
        return;
    }
    switch (op) {
    case 0x00: /* TEST UNIT READY */
    case 0x1b: /* START STOP UNIT (no tray to move) */
    case 0x1e: /* PREVENT ALLOW MEDIUM REMOVAL */
    case 0x2b: /* SEEK(10) */
    case 0xbb: /* SET CD SPEED */
        atapi_done(ch, d);
        return;
    case 0x03: { /* REQUEST SENSE */
        memset(b, 0, 18);
        b[0] = 0x70 | 0x80;
        b[2] = d->sense;
        b[7] = 10;
        b[12] = d->asc;
        b[13] = d->ascq;
        d->sense = d->asc = d->ascq = 0;
        send(ch, d, 18, c[4]);
        return;
    }
    case 0x12: /* INQUIRY */
        if (c[1] & 1) break; /* no vital product data pages */
        memset(b, 0, 36);
        b[0] = 0x05;        /* CD/DVD device */
        b[1] = 0x80;        /* removable */
        b[3] = 0x21;        /* ATAPI, response format 1 */
        b[4] = 31;
        pad(b + 8, "VDEBUG", 8);
        pad(b + 16, "VDEBUG DVD-ROM", 16);
        pad(b + 32, "2.5+", 4);
        send(ch, d, 36, c[4]);
        return;
    case 0x25: /* READ CAPACITY */
        put_be32(b, blocks(d) ? blocks(d) - 1 : 0);
        put_be32(b + 4, CD_BLOCK);
        send(ch, d, 8, 8);
        return;
    case 0x28: case 0xa8: { /* READ(10), READ(12) */
        u32 lba = be32(c + 2);
        u32 n = op == 0x28 ? be16(c + 7) : be32(c + 6);
        if ((u64)lba + n > blocks(d)) {
            VD_LOG(LOG_GUEST_ERRORS, "ide: ATAPI read of %u blocks at %u past the disc's %u\n", n, lba, blocks(d));
            atapi_error(ch, d, SK_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
            return;
        }
        d->lba = lba;
        d->left = n;
        send(ch, d, 0, 0);
        return;
    }
    case 0x43: { /* READ TOC/PMA/ATIP */
        u32 alloc = be16(c + 7), len;
        u8 format = c[9] >> 6 ? c[9] >> 6 : c[2] & 0x0f;
        if (format == 0) {
            if (!(len = read_toc(d, c[1] & 2, c[6]))) break;
        } else if (format == 1) { /* multi-session: one session */
            memset(b, 0, 12);
            b[1] = 0x0a;
            b[2] = b[3] = 1;
            len = 12;
        } else break;
        send(ch, d, len, alloc);
        return;
    }
    case 0x5a: { /* MODE SENSE(10) */
        u32 alloc = be16(c + 7);
        u8 pc = c[2] >> 6, page = c[2] & 0x3f;
        if (pc == 3) {
            atapi_error(ch, d, SK_ILLEGAL_REQUEST, ASC_SAVING_UNSUPPORTED);
            return;
        }
        memset(b, 0, 30);
        b[2] = 0x70; /* medium type: as QEMU */
        if (page == 0x01) {
            put_be16(b, 16 - 2);
            b[8] = 0x01;
            b[9] = 16 - 10;
            b[11] = 0x05;
            send(ch, d, 16, alloc);
            return;
        }
        if (page == 0x2a || page == 0x3f) {
            put_be16(b, 28 + 6);
            b[8] = 0x2a;
            b[9] = 28 - 10;
            b[10] = 0x3b;       /* reads CD-R/RW, DVD-ROM/R/RAM */
            b[12] = 0x71;       /* audio play (Linux looks for it), ... */
            b[13] = 3 << 5;
            b[14] = 1 << 0 | 1 << 3 | 1 << 5; /* lock, eject, tray loader */
            put_be16(b + 16, 704);
            b[19] = 2;
            put_be16(b + 20, 512);
            put_be16(b + 22, 704);
            send(ch, d, 30, alloc);
            return;
        }
        break;
    }
    case 0x46: { /* GET CONFIGURATION: the profile list (feature 0) */
        u32 alloc = be16(c + 7);
        if (c[2] || c[3]) break;
        memset(b, 0, 20);
        u32 cur = !d->medium ? 0 : blocks(d) > CD_MAX_BLOCKS ? 0x10 : 0x08;
        put_be16(b + 6, cur);
        b[10] = 0x02 | 0x01;    /* persistent, current */
        b[11] = 8;              /* two profile descriptors */
        put_be16(b + 12, 0x10); /* DVD-ROM */
        b[14] = cur == 0x10;
        put_be16(b + 16, 0x08); /* CD-ROM */
        b[18] = cur == 0x08;
        put_be32(b, 20 - 4);
        send(ch, d, 20, alloc);
        return;
    }
    case 0x4a: { /* GET EVENT STATUS NOTIFICATION (polled) */
        u32 alloc = be16(c + 7);
        if (!(c[1] & 1)) break;
        memset(b, 0, 8);
        b[3] = 1 << 4;          /* supports the media class */
        if (c[4] & 1 << 4) {
            b[2] = 4;           /* media class */
            b[5] = d->medium ? 2 : 0;
            put_be16(b, 8 - 4);
            send(ch, d, 8, alloc);
        } else {
            b[2] = 0x80;        /* no event available */
            put_be16(b, 4 - 4);
            send(ch, d, 4, alloc);
        }
        return;
    }
    case 0xbd: /* MECHANISM STATUS */
        memset(b, 0, 8);
        b[5] = 1;
        send(ch, d, 8, be16(c + 8));
        return;
    default:
        VD_LOG(LOG_UNIMP, "ide: ATAPI command 0x%02x not implemented\n", op);
        atapi_error(ch, d, SK_ILLEGAL_REQUEST, ASC_INVALID_OPCODE);
        return;
    }
    atapi_error(ch, d, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD);
}

void atapi_packet(struct ide_channel *ch, struct ide_drive *d)
{
    memcpy(d->cdb, d->buf, sizeof(d->cdb));
    d->status = ST_DRDY | ST_BSY;
    exec(ch, d);
}
