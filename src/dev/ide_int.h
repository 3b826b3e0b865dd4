/* Shared between the IDE controller (ide.c) and its ATAPI command set (ide_atapi.c). */
#ifndef VD_DEV_IDE_INT_H
#define VD_DEV_IDE_INT_H
#include "dev/ide.h"

enum {
    ST_ERR = 0x01, ST_DRQ = 0x08, ST_DSC = 0x10, ST_DRDY = 0x40, ST_BSY = 0x80,
    ER_ABRT = 0x04, ER_IDNF = 0x10, ER_UNC = 0x40,
    DC_NIEN = 0x02, DC_SRST = 0x04, DC_HOB = 0x80,
};

void ide_raise(struct ide_channel *ch, struct ide_drive *d);
void ide_abort(struct ide_channel *ch, struct ide_drive *d);
/* Start a PIO data phase over d->buf[pos..end); end_fn runs when it is consumed. */
void ide_pio_start(struct ide_channel *ch, struct ide_drive *d, u32 pos, u32 end, enum ide_pio_end fn, bool out);
/* A DMA command is ready: run it if the bus master is started. */
void ide_dma_ready(struct ide_channel *ch, struct ide_drive *d, enum ide_dma_kind kind);
/* Move n bytes between buf and the guest memory of the PRD table at *prd
 * (state in *it); returns bytes moved (short when the table ends). */
struct ide_prd { u32 next, addr, len; bool last; int entries; };
u32 ide_prd_move(struct ide_channel *ch, struct ide_prd *it, u8 *buf, u32 n, bool to_mem);

void atapi_identify(struct ide_drive *d);
void atapi_packet(struct ide_channel *ch, struct ide_drive *d);   /* PACKET command written */
void atapi_pio_next(struct ide_channel *ch, struct ide_drive *d); /* the next PIO piece of a reply */
/* DMA for an ATAPI command: moves buf and the blocks still to read. 0, -1 on a
 * short PRD table, -2 on a host read error. */
int atapi_dma(struct ide_channel *ch, struct ide_drive *d, struct ide_prd *it);
void atapi_done(struct ide_channel *ch, struct ide_drive *d);
void atapi_error(struct ide_channel *ch, struct ide_drive *d, u8 sense, u8 asc);

#endif
