/*
 * What the board tells a firmware (SeaBIOS) through fw_cfg, as QEMU's "pc"
 * machine does: prepared from the configuration before the machine exists
 * (files read, tables built, every error reported then), and handed to the
 * fw_cfg device when the board is wired.
 *
 *   keys     RAM size, CPU count (1), NUMA (none), boot menu, no-graphic,
 *            IRQ0 override, the legacy (empty) ACPI and e820 tables, and for
 *            -kernel the Linux setup/kernel/initrd/command-line items (or a
 *            multiboot kernel's entry/buffer/information block)
 *   files    etc/e820 (the RAM), bootorder, etc/boot-fail-wait, the ACPI
 *            tables through the table loader (etc/acpi/tables,
 *            etc/acpi/rsdp, etc/table-loader: machine/acpi.c's tables built
 *            at address 0 and relocated by the firmware's loader
 *            commands), the SMBIOS tables (etc/smbios/smbios-tables,
 *            etc/smbios/smbios-anchor), QEMU's option ROMs
 *            (genroms/linuxboot_dma.bin or genroms/multiboot_dma.bin for
 *            -kernel, vgaroms/sgabios.bin for -device sga)
 *            and the user's -fw_cfg items
 */
#ifndef VD_MACHINE_FIRMWARE_H
#define VD_MACHINE_FIRMWARE_H
#include "base/types.h"
#include "dev/fw_cfg.h"
#include "machine/config.h"

struct fw_item { u16 key; char name[FW_CFG_NAME_LEN]; u8 *data; u32 len; }; /* name "": by key */
struct fw_items { struct fw_item *v; int n, cap; };

void fw_items_free(struct fw_items *l);
/* A firmware file named on the command line or by the board (bios.bin,
 * sgabios.bin...), found as QEMU finds it: the name as given when it is
 * readable, else (a bare name) in each -L directory, QEMU's data directory
 * and SeaBIOS's. Returns buf, or NULL when it is nowhere. */
const char *firmware_find(const struct machine_config *c, const char *name, char *buf, size_t n);
/* Builds the items for configuration c; kernel (kernel_size bytes, may be
 * NULL) is the -kernel file, booted through the firmware. Returns -1 with
 * one line in err. */
int firmware_prepare(const struct machine_config *c, const u8 *kernel, size_t kernel_size,
                     struct fw_items *out, char *err, size_t errlen);
/* Moves every item into the device (l is left empty). */
void firmware_apply(struct fw_items *l, struct fw_cfg *f);

/* The table-loader commands (QEMU's hw/acpi/bios-linker-loader.c) */
enum { FW_LOADER_ALLOCATE = 1, FW_LOADER_ADD_POINTER = 2, FW_LOADER_ADD_CHECKSUM = 3,
       FW_LOADER_ZONE_HIGH = 1, FW_LOADER_ZONE_FSEG = 2, FW_LOADER_ENTRY_LEN = 128 };

#endif
