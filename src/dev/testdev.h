/*
 * QEMU's test devices, which kvm-unit-tests drives (QEMU's behaviour, as its
 * hw/misc/pc-testdev.c and hw/misc/pci-testdev.c implement it):
 *
 * pc-testdev (ISA):
 *   0x0e0-0x0e3   a 32-bit scratch register: any width, each byte at its port
 *   0x0e8-0x0eb   the same register, accessed one byte at a time
 *   0x0e4-0x0e7   "flush page": under KVM, QEMU write-protects and unprotects
 *                 the host page of the written guest address to force a fault
 *                 in the hypervisor; nothing the guest can see changes, so the
 *                 write only counts (testdev_info)
 *   0x2000-0x2017 IRQ lines: writing V to 0x2000 + n sets line n to (V != 0)
 *                 (lines 0-15 the ISA IRQs, to the 8259 and the I/O APIC;
 *                 16-23 the I/O APIC's other pins)
 *   0xff000000    64 KiB of device memory (MMIO, little-endian, any width):
 *                 the emulator test runs instructions with operands there
 *
 * pci-testdev (PCI 1b36:0005, class 0x00ff, no interrupt pin): BAR0 a 4 KiB
 * memory window, BAR1 256 I/O ports. Both show the current test's header
 * {u8 test, u8 width, u16 pad, u32 offset, u8 data, u8 pad[3], u32 count,
 * name}; writing N to offset 0 selects test N of that space (mmio: 0-2,
 * portio: 3-5: no-eventfd, wildcard-eventfd, datamatch-eventfd) and clears
 * its count; a byte write at the test's offset (2048 + N in memory, 128 + N
 * in I/O space) with the matching data (0xFA; any data for wildcard) counts.
 * vdebug has no ioeventfds, so every test counts its writes, as QEMU's
 * no-eventfd tests do. The BARs decode where the guest (or the firmware)
 * puts them while the command register enables the space (the PCI function's
 * write hook moves them).
 */
#ifndef VD_DEV_TESTDEV_H
#define VD_DEV_TESTDEV_H
#include "base/types.h"
#include "mem/iomap.h"
#include "mem/irq.h"
#include "dev/pci.h"

#define PC_TESTDEV_IOMEM_BASE 0xff000000u
#define PC_TESTDEV_IOMEM_LEN 0x10000u
#define PC_TESTDEV_IRQS 24

struct pc_testdev {
    u32 scratch;                          /* ports 0xe0/0xe8 */
    u64 flushes;                          /* writes to the flush port */
    struct irq_line irq[PC_TESTDEV_IRQS];
    u8 iomem[PC_TESTDEV_IOMEM_LEN];
};

/* Maps its ports and its MMIO window; irq[n] is what line n drives. */
void pc_testdev_init(struct pc_testdev *d, struct iomap *ports, struct iomap *mmio,
                     const struct irq_line irq[PC_TESTDEV_IRQS]);
void pc_testdev_reset(struct pc_testdev *d);

#define PCI_TESTDEV_MEM_SIZE 0x1000u
#define PCI_TESTDEV_IO_SIZE 0x100u

struct pci_testdev {
    struct pci_func fn;
    struct iomap *ports, *mmio;
    u32 mem_mapped, io_mapped;            /* where BAR0/BAR1 decode now (0: nowhere) */
    int current;                          /* selected test, -1 none */
    u32 count[6];
};

/* Adds the function at devfn; its BARs decode in ports and mmio once assigned. */
void pci_testdev_init(struct pci_testdev *d, struct pci_bus *bus, unsigned devfn, struct iomap *ports,
                      struct iomap *mmio);
void pci_testdev_reset(struct pci_testdev *d);

/* State for snapshots (base/snapfield.h); pci_testdev_post_load decodes the
 * BARs where the loaded configuration space says. */
extern const struct snap_field pc_testdev_snap_fields[], pci_testdev_snap_fields[];
extern const size_t pc_testdev_snap_nfields, pci_testdev_snap_nfields;
void pci_testdev_post_load(void *dev);

#endif
