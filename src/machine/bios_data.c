/* The BIOS's leftovers for a directly booted kernel (bios_data.h). */
#include "machine/bios_data.h"
#include <stdlib.h>

#define BIOS_SEG 0xF0000u
enum { H_IRQ0 = 0xFEA5, H_IRET = 0xFF53, H_MASTER = 0xFF54, H_SLAVE = 0xFF5B, H_RTC = 0xFF64 };

/* 16-bit handlers; the listing is what nasm makes of the source beside each line. */
static const u8 irq0_handler[] = {
    0x1e,                               /* push ds */
    0x66, 0x50,                         /* push eax */
    0x31, 0xc0,                         /* xor ax, ax */
    0x8e, 0xd8,                         /* mov ds, ax */
    0x66, 0xa1, 0x6c, 0x04,             /* mov eax, [0x46c] */
    0x66, 0x40,                         /* inc eax */
    0x66, 0x3d, 0xb0, 0x00, 0x18, 0x00, /* cmp eax, 0x1800b0 (ticks in a day) */
    0x72, 0x07,                         /* jb .store */
    0x66, 0x31, 0xc0,                   /* xor eax, eax */
    0xfe, 0x06, 0x70, 0x04,             /* inc byte [0x470] (midnight flag) */
    0x66, 0xa3, 0x6c, 0x04,             /* .store: mov [0x46c], eax */
    0xcd, 0x1c,                         /* int 0x1c (the user timer hook) */
    0xb0, 0x20,                         /* mov al, 0x20 */
    0xe6, 0x20,                         /* out 0x20, al (EOI) */
    0x66, 0x58,                         /* pop eax */
    0x1f,                               /* pop ds */
    0xcf,                               /* iret */
};
static const u8 other_handlers[] = {
    0xcf,                               /* FF53: iret */
    0x50, 0xb0, 0x20, 0xe6, 0x20,       /* FF54: push ax; mov al, 0x20; out 0x20, al */
    0x58, 0xcf,                         /*       pop ax; iret */
    0x50, 0xb0, 0x20, 0xe6, 0xa0,       /* FF5B: push ax; mov al, 0x20; out 0xa0, al */
    0xe6, 0x20, 0x58, 0xcf,             /*       out 0x20, al; pop ax; iret */
    0x50, 0xb0, 0x0c, 0xe6, 0x70,       /* FF64: push ax; mov al, 0x0c; out 0x70, al */
    0xe4, 0x71,                         /*       in al, 0x71 (read RTC register C: acknowledge) */
    0xb0, 0x20, 0xe6, 0xa0,             /*       mov al, 0x20; out 0xa0, al */
    0xe6, 0x20, 0x58, 0xcf,             /*       out 0x20, al; pop ax; iret */
};

static u8 *copy_of(const void *p, size_t n)
{
    u8 *d = malloc(n);
    if (!d) abort();
    memcpy(d, p, n);
    return d;
}

static bool low_free(const struct boot_image *b, u32 start, u32 end)
{
    for (int i = 0; i < b->nseg; i++)
        if (b->seg[i].memsz && b->seg[i].paddr < end && b->seg[i].paddr + b->seg[i].memsz > start) return false;
    return true;
}

void bios_data_add(struct boot_image *b, const struct bios_data_config *c)
{
    if (low_free(b, 0, 0x500)) {
        u8 *low = calloc(1, 0x500);
        if (!low) abort();
        for (int v = 0; v < 256; v++) {
            u16 off = H_IRET;
            if (v == 0x08) off = H_IRQ0;
            else if (v >= 0x09 && v <= 0x0f) off = H_MASTER;
            else if (v == 0x70) off = H_RTC;
            else if (v >= 0x71 && v <= 0x77) off = H_SLAVE;
            st16(low + 4 * v, off);
            st16(low + 4 * v + 2, BIOS_SEG >> 4);
        }
        static const u16 com_base[4] = {0x3f8, 0x2f8, 0x3e8, 0x2e8};
        unsigned ncom = 0;
        for (int i = 0; i < 4; i++)
            if (c->com[i]) st16(low + 0x400 + 2 * ncom++, com_base[i]);
        for (unsigned i = 0; i < ncom; i++) low[0x47c + i] = 0x0a; /* serial timeouts, as SeaBIOS */
        st16(low + 0x40e, 0x9fc0);                          /* EBDA segment */
        /* x87, PS/2 mouse, initial video mode 80x25 colour (bits 5:4 = 10b,
         * which the VGA BIOS sets under QEMU), serial ports; no diskette */
        st16(low + 0x410, (u16)(0x0026 | ncom << 9));
        st16(low + 0x413, 639);                             /* KiB below the EBDA */
        st16(low + 0x41a, 0x1e);                            /* keyboard buffer: head, tail, */
        st16(low + 0x41c, 0x1e);
        st16(low + 0x480, 0x1e);                            /* start and end (offsets in 0x40) */
        st16(low + 0x482, 0x3e);
        low[0x476] = 0xc0;                                  /* fixed disk control byte, as SeaBIOS */
        low[0x496] = 0x10;                                  /* a 101/102-key keyboard */
        /* the VGA in mode 3 (dev/vga.h), as the VGA BIOS leaves it: */
        low[0x449] = 3;                                     /* video mode */
        st16(low + 0x44a, 80);                              /* columns */
        st16(low + 0x44c, 0x1000);                          /* bytes per page */
        st16(low + 0x460, 0x0607);                          /* cursor: scan lines 6-7 */
        st16(low + 0x463, 0x3d4);                           /* the CRTC's index port */
        low[0x484] = 24;                                    /* rows - 1 */
        st16(low + 0x485, 16);                              /* character height */
        low[0x487] = 0x60;                                  /* EGA/VGA: 256 KiB, active */
        low[0x488] = 0xf9;                                  /* feature bits / switches */
        low[0x489] = 0x51;                                  /* VGA flags: 400 lines, default palette */
        low[0x48a] = 0x08;                                  /* display combination: VGA colour */
        long long sec = c->rtc_start % 86400;
        if (sec < 0) sec += 86400;
        st32(low + 0x46c, (u32)((u64)sec * 1193182 / 65536)); /* PIT ticks since midnight */
        boot_image_add(b, 0, 0x500, low, 0x500, "BIOS interrupt vectors and data area");
    }
    u8 ebda_size = 1;
    boot_image_add_firmware(b, 0x9fc00, copy_of(&ebda_size, 1), 1, "EBDA");
    boot_image_add_firmware(b, BIOS_SEG + H_IRQ0, copy_of(irq0_handler, sizeof(irq0_handler)), sizeof(irq0_handler),
                            "BIOS timer handler");
    boot_image_add_firmware(b, BIOS_SEG + H_IRET, copy_of(other_handlers, sizeof(other_handlers)), sizeof(other_handlers),
                            "BIOS interrupt handlers");
}

void bios_data_program_devices(struct iomap *ports)
{
    static const u8 pic[][2] = {
        {0x20, 0x11}, {0xa0, 0x11},         /* ICW1: edge, cascade, ICW4 follows */
        {0x21, 0x08}, {0xa1, 0x70},         /* ICW2: vector bases */
        {0x21, 0x04}, {0xa1, 0x02},         /* ICW3: the slave on IRQ 2 */
        {0x21, 0x01}, {0xa1, 0x01},         /* ICW4: 8086 mode */
        {0x21, 0xb8}, {0xa1, 0x8e},         /* OCW1: SeaBIOS's masks */
        {0x43, 0x34}, {0x40, 0x00}, {0x40, 0x00}, /* PIT channel 0: mode 2, count 65536 */
        {0x70, 0x0a}, {0x71, 0x26},         /* RTC register A */
        {0x70, 0x0b}, {0x71, 0x02},         /* RTC register B */
        {0x70, 0x0c},                       /* read C and D: clear pending flags */
    };
    for (size_t i = 0; i < sizeof(pic) / sizeof(pic[0]); i++) iomap_write(ports, pic[i][0], pic[i][1], 1);
    iomap_read(ports, 0x71, 1);
    iomap_write(ports, 0x70, 0x0d, 1);
    iomap_read(ports, 0x71, 1);
}
