/*
 * QEMU's firmware configuration device (fw_cfg), the x86 I/O-port flavour,
 * as QEMU 7.2 implements it (docs/specs/fw_cfg.rst there): the channel
 * through which SeaBIOS and QEMU's option ROMs learn the RAM size, the
 * memory map, the boot order, the ACPI and SMBIOS tables, and the kernel
 * to boot.
 *
 *   0x510  selector: a 16-bit write selects an item (and rewinds it);
 *          a byte read (at 0x510 or 0x511) returns the item's next byte,
 *          0 past its end or for an absent item; byte writes are ignored
 *   0x514  DMA address, big-endian: a 32-bit write of the high half at
 *          0x514, then of the low half at 0x518, starts the transfer the
 *          descriptor at that guest-physical address describes
 *          (struct { be32 control; be32 length; be64 address; }).
 *          Reading 0x514-0x51B gives the signature "QEMU CFG".
 *
 * A transfer selects (control bit 3, item in bits 31:16), then reads
 * (bit 1: item bytes into guest memory, zeros past the item's end), skips
 * (bit 2) or writes (bit 4: no item here is writable, so an error), and
 * stores the control word back as 0 (done) or 1 (error). A descriptor or a
 * buffer outside RAM is an error the guest sees in that word; nothing a
 * guest puts in a descriptor reaches beyond guest RAM.
 *
 * Items: the signature (key 0, "QEMU"), the feature ID (key 1: port and
 * DMA interfaces), whatever the board adds by key, and named files
 * (fw_cfg_add_file) listed, sorted by name, in the directory at key 0x19
 * (be32 count, then per file be32 size, be16 key, be16 0, char name[56]).
 */
#ifndef VD_DEV_FW_CFG_H
#define VD_DEV_FW_CFG_H
#include "base/snapfield.h"
#include "base/types.h"
#include "mem/iomap.h"
#include "mem/physmem.h"

enum {
    FW_CFG_PORT_SEL = 0x510, FW_CFG_PORT_DATA = 0x511, FW_CFG_PORT_DMA = 0x514,
    /* keys */
    FW_CFG_SIGNATURE = 0x00, FW_CFG_ID = 0x01, FW_CFG_UUID = 0x02, FW_CFG_RAM_SIZE = 0x03,
    FW_CFG_NOGRAPHIC = 0x04, FW_CFG_NB_CPUS = 0x05, FW_CFG_MACHINE_ID = 0x06, FW_CFG_KERNEL_ADDR = 0x07,
    FW_CFG_KERNEL_SIZE = 0x08, FW_CFG_KERNEL_CMDLINE = 0x09, FW_CFG_INITRD_ADDR = 0x0a,
    FW_CFG_INITRD_SIZE = 0x0b, FW_CFG_BOOT_DEVICE = 0x0c, FW_CFG_NUMA = 0x0d, FW_CFG_BOOT_MENU = 0x0e,
    FW_CFG_MAX_CPUS = 0x0f, FW_CFG_KERNEL_ENTRY = 0x10, FW_CFG_KERNEL_DATA = 0x11,
    FW_CFG_INITRD_DATA = 0x12, FW_CFG_CMDLINE_ADDR = 0x13, FW_CFG_CMDLINE_SIZE = 0x14,
    FW_CFG_CMDLINE_DATA = 0x15, FW_CFG_SETUP_ADDR = 0x16, FW_CFG_SETUP_SIZE = 0x17,
    FW_CFG_SETUP_DATA = 0x18, FW_CFG_FILE_DIR = 0x19, FW_CFG_FILE_FIRST = 0x20,
    FW_CFG_ARCH_LOCAL = 0x8000,
    FW_CFG_ACPI_TABLES = 0x8000, FW_CFG_SMBIOS_ENTRIES = 0x8001, FW_CFG_IRQ0_OVERRIDE = 0x8002,
    FW_CFG_E820_TABLE = 0x8003,
    /* feature bits of FW_CFG_ID; DMA control bits */
    FW_CFG_VERSION = 1, FW_CFG_VERSION_DMA = 2,
    FW_CFG_DMA_ERROR = 1, FW_CFG_DMA_READ = 2, FW_CFG_DMA_SKIP = 4, FW_CFG_DMA_SELECT = 8,
    FW_CFG_DMA_WRITE = 16,
    FW_CFG_MAX_FILES = 96, FW_CFG_NAME_LEN = 56,
};

struct fw_cfg_item {
    u16 key;
    u32 len;
    u8 *data;            /* owned */
};

struct fw_cfg_file {
    char name[FW_CFG_NAME_LEN];
    struct fw_cfg_item it;   /* key FW_CFG_FILE_FIRST + index */
};

struct fw_cfg {
    struct fw_cfg_item *item;         /* the keyed items (not files) */
    int nitem, cap;
    struct fw_cfg_file file[FW_CFG_MAX_FILES]; /* sorted by name */
    int nfiles;
    u16 sel;
    bool sel_valid;
    u32 offset;
    u64 dma_addr;
    struct physmem *mem;
    /* Guest RAM written by a transfer (the board tells the CPU: translated
     * code there is stale). May be NULL. */
    void (*dma_written)(void *opaque, u64 paddr, u32 len);
    void *opaque;
};

/* Registers the ports and adds the signature and ID items. */
void fw_cfg_init(struct fw_cfg *f, struct iomap *ports, struct physmem *mem,
                 void (*dma_written)(void *opaque, u64 paddr, u32 len), void *opaque);
void fw_cfg_free(struct fw_cfg *f);
/* Selector, offset and DMA address back to their power-on values (items stay). */
void fw_cfg_reset(struct fw_cfg *f);
/* Adds or replaces the item with this key; takes ownership of data (malloc'd, may be NULL if len is 0). */
void fw_cfg_add_bytes(struct fw_cfg *f, u16 key, u8 *data, u32 len);
void fw_cfg_add_i16(struct fw_cfg *f, u16 key, u16 v);
void fw_cfg_add_i32(struct fw_cfg *f, u16 key, u32 v);
void fw_cfg_add_i64(struct fw_cfg *f, u16 key, u64 v);
/* Adds a named file (takes ownership of data). Returns its key, or -1 (the
 * name is empty, too long, already there, or the directory is full; data is
 * freed). */
int fw_cfg_add_file(struct fw_cfg *f, const char *name, u8 *data, u32 len);
/* The item with this key (NULL: none), e.g. for tests. */
const struct fw_cfg_item *fw_cfg_find(const struct fw_cfg *f, u16 key);
/* The key of a named file, or -1. */
int fw_cfg_file_key(const struct fw_cfg *f, const char *name);

/* State for snapshots (base/snapfield.h): the selected item, the offset in
 * it and the DMA address register. */
extern const struct snap_field fw_cfg_snap_fields[];
extern const size_t fw_cfg_snap_nfields;
/* Every item's key and contents folded into h (with the caller's hash). */
u64 fw_cfg_hash(const struct fw_cfg *f, u64 h, u64 (*hash)(u64, const void *, size_t));

#endif
