/*
 * The PIIX3 IDE controller (PCI 00:01.1, 8086:7010, as QEMU's piix3-ide):
 * two legacy channels, primary 0x1F0-0x1F7/0x3F6 on IRQ 14 and secondary
 * 0x170-0x177/0x376 on IRQ 15, always decoded (as QEMU), and the bus-master
 * DMA registers at the I/O BAR 4 (16 bytes; decoded while the command
 * register's I/O bit is set). Each channel has a master and a slave: an ATA
 * hard disk (PIO, MULTIPLE and DMA reads and writes with 28- and 48-bit
 * LBA or CHS, IDENTIFY, SET FEATURES, FLUSH CACHE, ...) or an ATAPI CD-ROM
 * (PACKET with the MMC commands Linux's sr driver and SeaBIOS use, by PIO
 * or DMA), or nothing.
 *
 * Commands complete at once, while the guest's port access runs (a very
 * fast drive): a PIO read has its first block ready and its interrupt
 * raised when the command register is written; a DMA command runs when both
 * the command and the bus master's start bit are there, moving the data
 * through the guest's PRD table with physmem_dma_read/write (so translated
 * code in the pages written is dropped). Guest mistakes (LBAs past the end,
 * a short PRD table, a write to a CD) end the command with an ATA or SCSI
 * error the guest can see.
 */
#ifndef VD_DEV_IDE_H
#define VD_DEV_IDE_H
#include "base/types.h"
#include "mem/iomap.h"
#include "mem/irq.h"
#include "mem/physmem.h"
#include "dev/blockdev.h"
#include "dev/pci.h"
#include "base/snapfield.h"

#define IDE_BUF_SIZE 65536u
#define IDE_MAX_MULT 16

/* What runs when the guest has moved the whole PIO data window (a number,
 * not a function pointer, so that the drive's state is plain data). */
enum ide_pio_end { IDE_END_NONE, IDE_END_READ, IDE_END_WRITE, IDE_END_PACKET, IDE_END_ATAPI_NEXT };

enum ide_dma_kind { IDE_DMA_NONE, IDE_DMA_ATA_READ, IDE_DMA_ATA_WRITE, IDE_DMA_ATAPI };

struct ide_drive {
    bool present, atapi;
    bool medium;               /* ATAPI: a disc is in the tray */
    struct blockdev bd;
    /* task file (the "hob" copies are the previous writes, for LBA48) */
    u8 feature, nsector, sector, lcyl, hcyl;
    u8 hob_feature, hob_nsector, hob_sector, hob_lcyl, hob_hcyl;
    u8 select, status, error;
    bool irq;                  /* INTRQ wanted (shown while selected and nIEN clear) */
    /* geometry and settings */
    u16 cyls, heads, secs;
    u8 mult;                   /* sectors per block of READ/WRITE MULTIPLE (0: off) */
    bool wcache;
    u16 id[256];               /* IDENTIFY (PACKET) DEVICE data */
    char serial[21];
    /* the command in progress */
    u8 cmd;
    bool lba48;
    u64 lba;                   /* next sector (ATA, 512 bytes) or block (ATAPI, 2048) */
    u32 left;                  /* sectors or blocks still to move after buf */
    u32 blk;                   /* sectors in the current PIO block */
    enum ide_dma_kind dma;     /* a DMA command waits for (or runs with) the bus master */
    /* the PIO data window: the guest reads or writes buf[pos..end) */
    u32 pos, end, fill;
    bool pio_out;              /* the guest writes the window (WRITE, PACKET's CDB) */
    u8 end_fn;                 /* enum ide_pio_end: what runs when pos reaches end */
    /* ATAPI */
    u8 cdb[12];
    u8 sense, asc, ascq;
    u32 bcl;                   /* byte count limit of the current PACKET */
    bool atapi_dma;            /* the PACKET asked for DMA (feature bit 0) */
    u8 buf[IDE_BUF_SIZE];
};

struct ide_ctrl;

struct ide_channel {
    struct ide_drive drive[2];
    int unit;                  /* selected drive */
    u8 devctl;                 /* device control: nIEN, SRST, HOB */
    struct irq_line irq;
    bool irq_level;
    /* bus master */
    u8 bm_cmd, bm_status;
    u32 bm_prd;
    struct ide_ctrl *ctrl;
};

struct ide_ctrl {
    struct pci_func pci;
    struct ide_channel ch[2];
    struct physmem *mem;
    struct iomap *ports;
    u16 bm_mapped;             /* I/O base of the bus-master registers now decoded; 0 = none */
};

#define IDE_DEVFN PCI_DEVFN(1, 1)

void ide_init(struct ide_ctrl *c, struct pci_bus *bus, struct iomap *ports, struct physmem *mem,
              struct irq_line irq14, struct irq_line irq15);
/* Attach a medium: index 0..3 = primary master, primary slave, secondary
 * master, secondary slave. A CD-ROM drive with bd == NULL has no disc. */
void ide_attach(struct ide_ctrl *c, int index, const struct blockdev *bd, bool atapi);
/* Power-on / reset state of every drive and the bus master (after pci_bus_reset). */
void ide_reset(struct ide_ctrl *c);
/* Leave the function as SeaBIOS does (BAR 4 at bm_base, I/O and bus master
 * on, both channels' IDE decode enabled): for boots without a firmware. */
void ide_firmware_setup(struct ide_ctrl *c, u16 bm_base);
int ide_info(const struct ide_ctrl *c, char *buf, size_t size);

/* State for snapshots (base/snapfield.h): the controller's (configuration
 * space, channels, bus master; ide_post_load decodes BAR 4 where the loaded
 * configuration says) and each present drive's (registers, the command in
 * progress, its data buffer). The medium's contents are the board's. */
extern const struct snap_field ide_snap_fields[], ide_drive_snap_fields[];
extern const size_t ide_snap_nfields, ide_drive_snap_nfields;
void ide_post_load(void *ctrl);

#endif
