/*
 * What a PC BIOS leaves behind for the kernel it boots, for the -kernel
 * loaders that play the firmware (no -bios ROM): the real-mode interrupt
 * vector table, the BIOS data area, the EBDA's size byte, a few interrupt
 * handlers in the F segment, and the 8259/8254/RTC programmed as SeaBIOS
 * leaves them. Real-mode code in a directly booted kernel (a 16-bit trampoline,
 * kvm-unit-tests' realmode test) then survives the timer tick and stray IRQs.
 *
 *   IVT 0x000-0x3FF   every vector at F000:FF53 (IRET), except
 *                     08h (IRQ 0)     F000:FEA5: BDA tick count +1 (midnight at
 *                                     0x1800B0 ticks: count 0, flag 0x470 +1),
 *                                     INT 1Ch, EOI to the master 8259
 *                     09h-0Fh (IRQ 1-7)  F000:FF54: EOI to the master
 *                     70h (IRQ 8)     F000:FF64: reads RTC register C (the
 *                                     acknowledge), EOI to the slave and master
 *                     71h-77h (IRQ 9-15) F000:FF5B: EOI to the slave and master
 *                     (the IBM PC BIOS's entry points F000:FEA5 and F000:FF53,
 *                     which SeaBIOS keeps)
 *   BDA 0x400-0x4FF   COM port bases (0x400) and timeouts (0x47C), EBDA
 *                     segment 0x9FC0 (0x40E), equipment word (0x410: x87,
 *                     PS/2 mouse, 80x25 colour video, serial ports), base
 *                     memory 639 KiB (0x413), the empty keyboard buffer, timer
 *                     ticks since midnight of the RTC's start time (0x46C),
 *                     and the video fields of mode 3 (0x449-0x463, 0x484-0x48A)
 *                     as QEMU's VGA BIOS leaves them (no save-pointer table at
 *                     0x4A8: there is no VGA ROM); tests/boot/bda.sh compares
 *                     them with QEMU and SeaBIOS
 *   EBDA 0x9FC00      size 1 KiB
 *   8259s             ICW1-4 with vector bases 08h/70h, cascade on IRQ 2, masks
 *                     0xB8/0x8E (IRQ 0, 1, 2, 6, 8, 12, 13, 14 open), as
 *                     SeaBIOS leaves QEMU's pc machine
 *   8254              channel 0: mode 2, lobyte/hibyte, count 65536 (18.2 Hz)
 *   RTC               register A 0x26 (32.768 kHz, 1024 Hz periodic rate),
 *                     register B 0x02 (24-hour, BCD, no interrupts)
 */
#ifndef VD_MACHINE_BIOS_DATA_H
#define VD_MACHINE_BIOS_DATA_H
#include "machine/loader.h"
#include "mem/iomap.h"

struct bios_data_config {
    bool com[4];              /* which of COM1-COM4 exist */
    long long rtc_start;      /* the RTC's time at power-on (unix seconds) */
};

/* Adds the IVT and BDA, the EBDA byte and the handlers to the boot image
 * (the low 1280 bytes only when nothing the loader placed is there). */
void bios_data_add(struct boot_image *b, const struct bios_data_config *c);
/* Programs the 8259s, the 8254 and the RTC through their ports. */
void bios_data_program_devices(struct iomap *ports);

#endif
