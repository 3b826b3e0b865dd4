/*
 * Loaders turn files into a boot image: byte ranges to place in guest RAM and
 * the CPU state to enter with. The board applies the image at power-on and
 * again on every reset (the files are read once), so a loader never touches
 * the machine and can be tested on its own.
 *
 * Errors: each loader returns -1 and writes one line (no "vdebug:" prefix,
 * no newline) into err.
 */
#ifndef VD_MACHINE_LOADER_H
#define VD_MACHINE_LOADER_H
#include "base/types.h"
#include "mem/physmem.h"
#include "cpu/state.h"

struct load_seg {
    u32 paddr;
    u32 memsz;      /* bytes occupied; [filesz, memsz) is zero-filled */
    u32 filesz;     /* bytes of data */
    u8 *data;       /* owned */
    const char *what; /* "kernel", "module", "multiboot info", ... (static) */
    bool firmware;  /* firmware data (ACPI tables) in the BIOS area 0xE0000-0xFFFFF */
};

/* Flat 32-bit protected-mode entry: CS=cs_sel, the data segments=ds_sel, all
 * base 0 limit 4 GiB, PE on, paging off, IF=0. A GDT with those two
 * descriptors is part of the image (at BOOT_GDT_ADDR) so that a kernel that
 * reloads a selector before installing its own GDT still works. */
struct boot_entry {
    u32 eip;
    u32 gpr[8];     /* EAX..EDI in R_* order */
    u16 cs_sel, ds_sel;
};

struct boot_image {
    struct load_seg *seg;
    int nseg, cap;
    bool has_entry;          /* false: start from the CPU's reset vector (BIOS) */
    struct boot_entry entry;
};

/* Fixed low-memory layout used by the loaders (all below the EBDA at 0x9FC00). */
#define BOOT_GDT_ADDR 0x500u     /* 4 descriptors: null, null, code 0x10, data 0x18 */
#define BOOT_STACK_BASE 0x1000u
#define BOOT_STACK_TOP 0x7000u   /* ESP at entry (multiboot leaves it undefined) */
#define BOOT_INFO_ADDR 0x8000u   /* multiboot information block and its strings */
#define BOOT_INFO_END 0x9F000u
#define BOOT_CODE_SEL 0x10
#define BOOT_DATA_SEL 0x18

void boot_image_init(struct boot_image *b);
void boot_image_free(struct boot_image *b);
/* Adds a segment (takes ownership of data, which may be NULL when filesz is 0). */
void boot_image_add(struct boot_image *b, u32 paddr, u32 memsz, u8 *data, u32 filesz, const char *what);
/* The same for what the loader places as the firmware would, in the BIOS area
 * (only when no ROM is mapped there: the board decides). */
void boot_image_add_firmware(struct boot_image *b, u32 paddr, u8 *data, u32 size, const char *what);
/* Checks every segment lies in RAM of ram_size bytes, outside the PC hole
 * 0x9FC00-0xFFFFF (firmware segments: inside its BIOS area 0xE0000-0xFFFFF,
 * which is RAM when no -bios ROM is mapped, or the EBDA 0x9FC00-0x9FFFF),
 * and that no two overlap. */
int boot_image_check(const struct boot_image *b, u64 ram_size, char *err, size_t errlen);
/* Adds the loader's low-memory pieces: the boot GDT and the boot stack. */
void boot_image_add_lowmem(struct boot_image *b);
/* Copies the segments into RAM (zero-filling to memsz). */
void boot_image_apply(const struct boot_image *b, struct physmem *pm);
/* The CPU state for the entry: start from `reset` (the power-on state) and
 * switch to flat 32-bit protected mode as described above. */
void boot_entry_state(const struct boot_entry *e, const struct cpu_state *reset, struct cpu_state *out);

/* The physical memory map a firmware would report (multiboot mmap, e820):
 * conventional memory below the EBDA, the EBDA and BIOS areas reserved, RAM
 * above 1 MiB, and the -bios ROM at the top of 4 GiB when one is mapped. */
enum { MEMMAP_RAM = 1, MEMMAP_RESERVED = 2 };
struct memmap_entry { u64 base, len; u32 type; };
#define MEMMAP_MAX 6
int machine_memmap(u64 ram_size, bool rom_mapped, u32 rom_size, struct memmap_entry out[MEMMAP_MAX]);

/* Read a whole file (at most max bytes; larger is an error). */
int load_file(const char *path, const char *what, u64 max, u8 **data, size_t *size, char *err, size_t errlen);

/* Multiboot v1 -------------------------------------------------------------- */
struct multiboot_args {
    const char *kernel_path;  /* used for the command line, as QEMU does */
    const u8 *kernel;
    size_t kernel_size;
    const char *append;       /* may be NULL */
    const char *initrd;       /* -initrd string: "FILE args,FILE2" (",," is a literal comma); may be NULL */
    u64 ram_size;
    bool rom_mapped;          /* a -bios ROM is mapped at the top of 4 GiB (reserved in the map) */
    u32 rom_size;
};
#define MULTIBOOT_HEADER_MAGIC 0x1BADB002u
#define MULTIBOOT_BOOT_MAGIC 0x2BADB002u
/* Is there a multiboot header in the first 8 KiB? */
bool multiboot_detect(const u8 *img, size_t size);
int multiboot_load(const struct multiboot_args *a, struct boot_image *out, char *err, size_t errlen);

/* Linux/x86 boot protocol (32-bit entry) -------------------------------- */
struct linux_args {
    const char *kernel_path;
    const u8 *kernel;
    size_t kernel_size;
    const char *append;       /* may be NULL */
    const char *initrd;       /* path, may be NULL */
    u64 ram_size;
    bool rom_mapped;
    u32 rom_size;
};
#define LINUX_BOOT_PARAMS 0x8000u   /* the zero page */
#define LINUX_CMDLINE 0x9000u
#define LINUX_KERNEL_ADDR 0x100000u /* the protected-mode kernel (bzImage) */
/* Is this a Linux kernel image with a boot protocol header ("HdrS")? */
bool linux_detect(const u8 *img, size_t size);
int linux_load(const struct linux_args *a, struct boot_image *out, char *err, size_t errlen);
/* Validates a bzImage's header (2.02+, LOADED_HIGH) and returns the facts loaders need. */
struct linux_hdr { unsigned version, setup_size, hdr_end; u32 initrd_max, cmdline_max, init_size; };
int linux_check_header(const struct linux_args *a, struct linux_hdr *h, char *err, size_t errlen);

/* Raw BIOS ROM (-bios) ---------------------------------------------------- */
#define BIOS_MAX_SIZE (16u << 20)
/* Reads and validates a ROM image (a non-zero multiple of 64 KiB up to 16 MiB). */
int bios_load(const char *path, u8 **rom, u32 *size, char *err, size_t errlen);

#endif
