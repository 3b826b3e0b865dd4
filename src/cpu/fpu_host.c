/*
 * x87 arithmetic on the host's own x87: the most faithful oracle of Intel
 * results there is (transcendentals to the last bit, pseudo-denormals,
 * unnormals, the stack-fault and unmasked-exception responses), with none
 * of the corner cases a soft-float rewrite would get wrong.
 *
 * Each guest instruction runs as the same two opcode bytes inside a stub:
 *
 *     push 112(%rdi); popf      guest arithmetic flags (FCMOVcc reads them)
 *     frstor (%rdi)             the guest's state: FCW (masks, PC, RC), FSW
 *                               with TOP and C0-C3, full tag word, ST0-ST7
 *     <opcode> <modrm>          memory operands are rewritten to [rsi]
 *     fnsave (%rdi)             the resulting state; re-initializes the host FPU
 *     pushf; pop 112(%rdi)      flags out (FCOMI/FUCOMI)
 *     ret
 *
 * fpu.c clears the exception flags, ES and B in the image first, so the
 * guest instruction starts with nothing pending and cannot fault on the host
 * even when the guest unmasked exceptions: the instruction then leaves ES
 * set, and FNSAVE (no-wait) reads it before any waiting instruction could
 * raise #MF. The hardware itself thus decides whether to store, pop or bias
 * a result under unmasked exceptions. The host control word is restored
 * afterwards; the x87 stack is empty around calls anyway (x86-64 ABI).
 *
 * The stubs form a table of 32-byte slots, one per (opcode, ModRM) pair;
 * memory forms use ModRM mod=00 rm=110 ([rsi]). 64-bit mode runs these
 * instructions as 32-bit mode does: FRSTOR/FNSAVE without REX.W use the
 * 108-byte 32-bit protected-mode image.
 */
#include "cpu/fpu.h"

#if defined(__x86_64__)

__asm__(".pushsection .text\n"
        ".balign 32\n"
        ".globl vd_fpu_host_stubs\n"
        ".hidden vd_fpu_host_stubs\n"
        "vd_fpu_host_stubs:\n"
        ".irp op,0xd8,0xd9,0xda,0xdb,0xdc,0xdd,0xde,0xdf\n"
        ".set vd_fpu_modrm,0\n"
        ".rept 256\n"
        ".balign 32, 0xcc\n"
        ".byte 0xf3,0x0f,0x1e,0xfa\n"  /* endbr64: an indirect-call target under CET */
        ".byte 0xff,0x77,0x70,0x9d,0xdd,0x27,\\op,vd_fpu_modrm,0xdd,0x37,0x9c,0x8f,0x47,0x70,0xc3\n"
        ".set vd_fpu_modrm,vd_fpu_modrm+1\n"
        ".endr\n"
        ".endr\n"
        ".popsection\n");

extern const u8 vd_fpu_host_stubs[] __attribute__((visibility("hidden")));
typedef void (*fpu_stub)(struct fpu_host_img *img, u8 *mem);

bool fpu_host_exec(struct fpu_host_img *img, u8 opcode, u8 modrm, u8 *mem)
{
    u16 host_cw;
    if (modrm < 0xc0) modrm = (u8)((modrm & 0x38) | 6);  /* [rsi] */
    uintptr_t slot = (uintptr_t)vd_fpu_host_stubs + ((uintptr_t)(opcode & 7) << 13) + ((uintptr_t)modrm << 5);
    __asm__ volatile("fnstcw %0" : "=m"(host_cw));
    ((fpu_stub)slot)(img, mem);
    __asm__ volatile("fldcw %0" : : "m"(host_cw));
    return true;
}

#else

bool fpu_host_exec(struct fpu_host_img *img, u8 opcode, u8 modrm, u8 *mem)
{
    (void)img; (void)opcode; (void)modrm; (void)mem;
    return false;
}

#endif
