/*
 * PCI bus 0 with configuration mechanism #1 (ports 0xCF8-0xCFF), as the
 * i440FX host bridge of QEMU's "pc" machine implements it:
 *   0xCF8       CONFIG_ADDRESS, dword accesses only (bit 31 enable, bus 23:16,
 *               device 15:11, function 10:8, register 7:2); narrower accesses
 *               go to the ISA bus: a byte at 0xCF9 is the PIIX3 Reset Control
 *               Register (dev/misc.h), everything else reads all ones
 *   0xCFC-0xCFF CONFIG_DATA: any width, at (register | port offset)
 * Functions that do not exist, other buses and a clear enable bit read all
 * ones and ignore writes. Each function has a 256-byte configuration space and
 * a write mask; the boards' functions are fixed (no BARs yet), so config space
 * is plain memory behind the mask, with the status register's error bits
 * write-1-to-clear.
 */
#ifndef VD_DEV_PCI_H
#define VD_DEV_PCI_H
#include "base/snapfield.h"
#include "base/types.h"
#include "mem/iomap.h"
#include "dev/misc.h"
#include "mem/physmem.h"

struct pci_func {
    u8 cfg[256];
    u8 wmask[256];        /* bits the guest may change */
    u8 w1c[256];          /* bits a written 1 clears */
    u8 reset_cfg[256];    /* cfg at power-on (taken by pci_bus_add) */
    const char *name;
    /* Called after the guest (or pci_config_write) wrote size bytes at reg,
     * and after a bus reset with reg 0, size 256; NULL: plain memory. */
    void (*written)(struct pci_func *f, unsigned reg, unsigned size);
    void *opaque;
};

#define PCI_DEVFN(dev, fn) ((dev) << 3 | (fn))

struct pci_bus {
    u32 addr;                     /* CONFIG_ADDRESS */
    struct pci_func *fn[256];     /* bus 0, by devfn */
    struct rcr *rcr;              /* 0xCF9, may be NULL */
};

/* Maps 0xCF8-0xCFF; rcr (already initialised with ports == NULL) gets 0xCF9. */
void pci_bus_init(struct pci_bus *b, struct iomap *ports, struct rcr *rcr);
void pci_bus_reset(struct pci_bus *b);
/* Identity registers, a zeroed remainder and the standard writable bits of a
 * type-0 header (command, latency timer, interrupt line). */
void pci_func_init(struct pci_func *f, const char *name, u16 vendor, u16 device, u8 rev, u32 class_code,
                   u8 header_type);
void pci_bus_add(struct pci_bus *b, unsigned devfn, struct pci_func *f);
/* Configuration access as the guest sees it (for tests and the monitor). */
u32 pci_config_read(struct pci_bus *b, unsigned devfn, unsigned reg, unsigned size);
void pci_config_write(struct pci_bus *b, unsigned devfn, unsigned reg, u32 val, unsigned size);

/* The i440FX/PIIX3 pair: host bridge 00:00.0 (8086:1237) and the PCI-to-ISA
 * bridge 00:01.0 (8086:7000, multi-function header, PIRQ routing registers
 * 0x60-0x63 disabled as after reset). Both carry QEMU's subsystem IDs
 * (1af4:1100), by which SeaBIOS knows it runs on QEMU's board.
 * The host bridge's PAM registers 0x59-0x5F (Programmable Attribute Map:
 * bits 1:0 of each nibble are read-enable and write-enable of DRAM for one
 * segment of 0xC0000-0xFFFFF; 0x59 bits 5:4 are the F segment) drive the
 * shadow RAM of mem (physmem_set_pam); all are 0 after reset (everything to
 * the bus: the BIOS ROM). SMRAM (0x72) resets to 0x02 and stays closed: the
 * board has no SMM, D_OPEN is stored but maps nothing, D_LCK makes D_OPEN and
 * G_SMRAME read-only until reset, as on the chip. */
enum { I440FX_PAM0 = 0x59, I440FX_SMRAM = 0x72 };
struct i440fx { struct pci_func host, isa; struct physmem *mem; };
void i440fx_init(struct i440fx *c, struct pci_bus *b, struct physmem *mem);

/* State for snapshots (base/snapfield.h): the bus's CONFIG_ADDRESS, and the
 * chipset's two functions' configuration spaces. */
extern const struct snap_field pci_bus_snap_fields[], i440fx_snap_fields[];
extern const size_t pci_bus_snap_nfields, i440fx_snap_nfields;
/* After loading: the shadow-RAM mapping follows the loaded PAM registers. */
void i440fx_post_load(void *chipset);

#endif
