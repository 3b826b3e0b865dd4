/*
 * Linux/x86 boot protocol, 32-bit entry (Documentation/arch/x86/boot.rst):
 * the loader does what the kernel's real-mode setup code would have done and
 * enters the protected-mode kernel directly.
 *
 *   - the setup header (0x1F1 up to 0x202 + the byte at 0x201) is copied from
 *     the image into a zeroed boot_params ("zero page") at LINUX_BOOT_PARAMS;
 *   - the loader fills type_of_loader, cmd_line_ptr (the -append string at
 *     LINUX_CMDLINE), ramdisk_image/size (the -initrd file, placed page-aligned
 *     as high as the kernel's initrd_addr_max and RAM allow, as QEMU does),
 *     code32_start, the e820 map (machine_memmap) and the memory sizes;
 *   - the protected-mode kernel (everything after the (setup_sects + 1)
 *     sectors of real-mode code) is loaded at 1 MiB and entered there in flat
 *     32-bit protected mode with CS=__BOOT_CS (0x10), DS=ES=SS=__BOOT_DS
 *     (0x18), interrupts off, paging off, ESI = boot_params, EBX=EBP=EDI=0.
 *
 * Only bzImage kernels (LOADED_HIGH, protocol 2.02 or later) are accepted:
 * 2.02 introduced cmd_line_ptr, which the 32-bit entry needs.
 */
#include "machine/loader.h"
#include <stdio.h>
#include <stdlib.h>

/* boot_params offsets (arch/x86/include/uapi/asm/bootparam.h) */
enum {
    BP_EXT_MEM_K = 0x002,       /* screen_info.ext_mem_k: KiB above 1 MiB, 16 bits */
    BP_VIDEO_MODE = 0x006,      /* screen_info: mode, columns, ..., lines, isVGA, points */
    BP_VIDEO_COLS = 0x007,
    BP_VIDEO_EGA_BX = 0x00A,
    BP_VIDEO_LINES = 0x00E,
    BP_VIDEO_ISVGA = 0x00F,
    BP_VIDEO_POINTS = 0x010,
    BP_ALT_MEM_K = 0x1E0,
    BP_E820_ENTRIES = 0x1E8,
    BP_HDR = 0x1F1,             /* struct setup_header starts here */
    BP_SETUP_SECTS = 0x1F1,
    BP_BOOT_FLAG = 0x1FE,
    BP_JUMP = 0x200,
    BP_HEADER = 0x202,
    BP_VERSION = 0x206,
    BP_TYPE_OF_LOADER = 0x210,
    BP_LOADFLAGS = 0x211,
    BP_CODE32_START = 0x214,
    BP_RAMDISK_IMAGE = 0x218,
    BP_RAMDISK_SIZE = 0x21C,
    BP_CMD_LINE_PTR = 0x228,
    BP_INITRD_ADDR_MAX = 0x22C,
    BP_CMDLINE_SIZE = 0x238,
    BP_INIT_SIZE = 0x260,
    BP_E820_TABLE = 0x2D0,
    BP_E820_MAX = 128,
    BP_SIZE = 4096,
};
#define LOADED_HIGH 0x01
#define LOADER_UNDEFINED 0xFF   /* "boot loader without an assigned ID" */

bool linux_detect(const u8 *img, size_t size)
{
    return size >= BP_HEADER + 4 && !memcmp(img + BP_HEADER, "HdrS", 4);
}

static u64 align_down(u64 v, u64 a) { return v & ~(a - 1); }

int linux_check_header(const struct linux_args *a, struct linux_hdr *h, char *err, size_t errlen)
{
    const u8 *k = a->kernel;
    if (a->kernel_size < 1024 || !linux_detect(k, a->kernel_size) || ld16(k + BP_BOOT_FLAG) != 0xAA55) {
        snprintf(err, errlen, "'%s': broken Linux kernel image (no boot sector signature or setup header)",
                 a->kernel_path);
        return -1;
    }
    h->version = ld16(k + BP_VERSION);
    if (h->version < 0x0202) {
        snprintf(err, errlen, "'%s': Linux boot protocol %u.%02u is too old (vdebug needs 2.02 or later)",
                 a->kernel_path, h->version >> 8, h->version & 0xff);
        return -1;
    }
    if (!(k[BP_LOADFLAGS] & LOADED_HIGH)) {
        snprintf(err, errlen, "'%s' is a zImage (loaded low); vdebug boots bzImage kernels only", a->kernel_path);
        return -1;
    }
    unsigned sects = k[BP_SETUP_SECTS] ? k[BP_SETUP_SECTS] : 4;
    h->setup_size = (sects + 1) * 512;
    h->hdr_end = BP_HEADER + k[BP_JUMP + 1];
    if (h->setup_size >= a->kernel_size || h->hdr_end > h->setup_size || h->hdr_end > BP_E820_TABLE) {
        snprintf(err, errlen, "'%s': broken Linux kernel image (setup of %u bytes, file of %zu bytes)",
                 a->kernel_path, h->setup_size, a->kernel_size);
        return -1;
    }
    h->initrd_max = h->version >= 0x0203 ? ld32(k + BP_INITRD_ADDR_MAX) : 0x37FFFFFFu;
    h->cmdline_max = h->version >= 0x0206 ? ld32(k + BP_CMDLINE_SIZE) : 255;
    h->init_size = h->version >= 0x020A ? ld32(k + BP_INIT_SIZE) : 0;
    return 0;
}

int linux_load(const struct linux_args *a, struct boot_image *out, char *err, size_t errlen)
{
    boot_image_init(out);
    struct linux_hdr h;
    if (linux_check_header(a, &h, err, errlen) < 0) return -1;

    u32 pm_size = (u32)(a->kernel_size - h.setup_size);
    u64 need = (u64)LINUX_KERNEL_ADDR + (h.init_size > pm_size ? h.init_size : pm_size);
    if (need > a->ram_size) {
        snprintf(err, errlen, "'%s' needs %llu MiB of RAM to decompress (the machine has %llu MiB; try a larger -m)",
                 a->kernel_path, (unsigned long long)((need + (1 << 20) - 1) >> 20),
                 (unsigned long long)(a->ram_size >> 20));
        return -1;
    }
    const char *cmd = a->append ? a->append : "";
    size_t cmdlen = strlen(cmd);
    if (cmdlen > h.cmdline_max || cmdlen >= BOOT_INFO_END - LINUX_CMDLINE) {
        snprintf(err, errlen, "-append: the command line has %zu bytes; this kernel accepts at most %u",
                 cmdlen, h.cmdline_max);
        return -1;
    }

    u8 *pm = malloc(pm_size);
    if (!pm) abort();
    memcpy(pm, a->kernel + h.setup_size, pm_size);
    boot_image_add(out, LINUX_KERNEL_ADDR, pm_size, pm, pm_size, "kernel");

    u8 *bp = calloc(1, BP_SIZE);
    if (!bp) abort();
    memcpy(bp + BP_HDR, a->kernel + BP_HDR, h.hdr_end - BP_HDR);
    bp[BP_TYPE_OF_LOADER] = LOADER_UNDEFINED;
    st32(bp + BP_CODE32_START, LINUX_KERNEL_ADDR);
    st32(bp + BP_CMD_LINE_PTR, LINUX_CMDLINE);
    u64 ext_k = a->ram_size > (1u << 20) ? (a->ram_size - (1u << 20)) >> 10 : 0;
    st16(bp + BP_EXT_MEM_K, ext_k > 0xffff ? 0xffff : (u16)ext_k);
    st32(bp + BP_ALT_MEM_K, (u32)ext_k);
    /* the screen as the BIOS and the setup code report the VGA in mode 3
     * (80x25 colour text, 16-line font): Linux's vgacon drives it */
    bp[BP_VIDEO_MODE] = 3;
    bp[BP_VIDEO_COLS] = 80;
    st16(bp + BP_VIDEO_EGA_BX, 0x0003);   /* int 10h AH=12h BL=10h: colour, 256 KiB */
    bp[BP_VIDEO_LINES] = 25;
    bp[BP_VIDEO_ISVGA] = 0x22;            /* VIDEO_TYPE_VGAC */
    st16(bp + BP_VIDEO_POINTS, 16);
    struct memmap_entry mm[MEMMAP_MAX];
    int nmm = machine_memmap(a->ram_size, a->rom_mapped, a->rom_size, mm);
    bp[BP_E820_ENTRIES] = (u8)nmm;
    for (int i = 0; i < nmm; i++) {
        u8 *e = bp + BP_E820_TABLE + 20 * i;
        st64(e, mm[i].base);
        st64(e + 8, mm[i].len);
        st32(e + 16, mm[i].type);
    }

    if (a->initrd) {
        u8 *rd;
        size_t rd_size;
        if (load_file(a->initrd, "initrd", a->ram_size, &rd, &rd_size, err, errlen) < 0) goto fail_bp;
        u64 top = a->ram_size < (u64)h.initrd_max + 1 ? a->ram_size : (u64)h.initrd_max + 1;
        u64 kernel_end = LINUX_KERNEL_ADDR + (u64)pm_size;
        u64 at = rd_size <= top ? align_down(top - rd_size, 4096) : 0;
        if (rd_size == 0 || at < kernel_end) {
            if (rd_size == 0)
                snprintf(err, errlen, "initrd '%s' is empty", a->initrd);
            else
                snprintf(err, errlen, "initrd '%s' (%zu bytes) does not fit between the kernel and %s 0x%llx "
                         "(try a larger -m)", a->initrd, rd_size, top == a->ram_size ? "the end of RAM at" :
                         "the kernel's initrd_addr_max", (unsigned long long)top);
            free(rd);
            goto fail_bp;
        }
        boot_image_add(out, (u32)at, (u32)rd_size, rd, (u32)rd_size, "initrd");
        st32(bp + BP_RAMDISK_IMAGE, (u32)at);
        st32(bp + BP_RAMDISK_SIZE, (u32)rd_size);
    }

    u8 *cl = malloc(cmdlen + 1);
    if (!cl) abort();
    memcpy(cl, cmd, cmdlen + 1);
    boot_image_add(out, LINUX_CMDLINE, (u32)cmdlen + 1, cl, (u32)cmdlen + 1, "command line");
    boot_image_add(out, LINUX_BOOT_PARAMS, BP_SIZE, bp, BP_SIZE, "boot_params");
    boot_image_add_lowmem(out);
    if (boot_image_check(out, a->ram_size, err, errlen) < 0) goto fail;

    out->has_entry = true;
    memset(&out->entry, 0, sizeof(out->entry));
    out->entry.eip = LINUX_KERNEL_ADDR;
    out->entry.gpr[R_ESI] = LINUX_BOOT_PARAMS;
    out->entry.gpr[R_ESP] = BOOT_STACK_TOP;
    out->entry.cs_sel = BOOT_CODE_SEL;
    out->entry.ds_sel = BOOT_DATA_SEL;
    return 0;
fail_bp:
    free(bp);
fail:
    boot_image_free(out);
    return -1;
}
