/*
 * x87 environment and state images (FLDENV/FNSTENV, FRSTOR/FNSAVE) in the
 * four layouts of the SDM (vol. 1, figures 8-9 to 8-12): protected mode
 * with 32- and 16-bit operand size (selector:offset pointers), and real /
 * virtual-8086 mode with 32- and 16-bit operand size, where the instruction
 * and data pointers are linear addresses (selector * 16 + offset) split
 * around the opcode. Reserved upper halves of the 32-bit images read as
 * 0xFFFF, as P6 processors write them.
 *
 * The tag word is stored in full: empty tags as kept, the others computed
 * from the register contents (valid, zero, special). On load, only "empty"
 * is taken from the image; the other tags are recomputed the same way.
 */
#include "cpu/fpu.h"

unsigned fpu_tag_of(const u8 r[10])
{
    u16 exp = ld16(r + 8) & 0x7fff;
    u64 man = ld64(r);
    if (exp == 0x7fff) return TAG_SPECIAL;
    if (exp == 0) return man ? TAG_SPECIAL : TAG_ZERO;
    return (man >> 63) ? TAG_VALID : TAG_SPECIAL; /* unnormal: J bit clear */
}

void fpu_retag(struct fpu_state *f)
{
    u16 t = 0;
    for (unsigned r = 0; r < 8; r++) {
        unsigned tag = ((f->ftw >> (2 * r)) & 3) == TAG_EMPTY ? TAG_EMPTY : fpu_tag_of(f->st[r]);
        t |= (u16)(tag << (2 * r));
    }
    f->ftw = t;
}

void fpu_update_es(struct fpu_state *f)
{
    if (f->fsw & ~f->fcw & FSW_EXC) f->fsw |= FSW_ES | FSW_B;
    else f->fsw &= (u16)~(FSW_ES | FSW_B);
}

void fpu_init_state(struct fpu_state *f)
{
    f->fcw = 0x037f;
    f->fsw = 0;
    f->ftw = 0xffff;
    f->fop = 0;
    f->fip = f->fdp = 0;
    f->fcs = f->fds = 0;
}

unsigned fpu_env_store(const struct fpu_state *f, unsigned osize, bool real, u8 *b, bool regs)
{
    unsigned n = fpu_env_size(osize);
    u32 ip = real ? ((u32)f->fcs << 4) + f->fip : f->fip;
    u32 dp = real ? ((u32)f->fds << 4) + f->fdp : f->fdp;
    u16 fop = f->fop & 0x7ff;
    if (osize == 4) {
        st32(b + 0, 0xffff0000u | f->fcw);
        st32(b + 4, 0xffff0000u | f->fsw);
        st32(b + 8, 0xffff0000u | f->ftw);
        if (real) {
            st32(b + 12, 0xffff0000u | (ip & 0xffff));
            st32(b + 16, ((ip & 0xffff0000u) >> 4) | fop);
            st32(b + 20, 0xffff0000u | (dp & 0xffff));
            st32(b + 24, (dp & 0xffff0000u) >> 4);
        } else {
            st32(b + 12, ip);
            st32(b + 16, f->fcs | (u32)fop << 16);
            st32(b + 20, dp);
            st32(b + 24, 0xffff0000u | f->fds);
        }
    } else {
        st16(b + 0, f->fcw);
        st16(b + 2, f->fsw);
        st16(b + 4, f->ftw);
        if (real) {
            st16(b + 6, (u16)ip);
            st16(b + 8, (u16)(((ip >> 4) & 0xf000) | fop));
            st16(b + 10, (u16)dp);
            st16(b + 12, (u16)((dp >> 4) & 0xf000));
        } else {
            st16(b + 6, (u16)ip);
            st16(b + 8, f->fcs);
            st16(b + 10, (u16)dp);
            st16(b + 12, f->fds);
        }
    }
    if (regs) {
        unsigned top = fpu_top(f);
        for (unsigned r = 0; r < 8; r++) memcpy(b + n + 10 * r, f->st[(top + r) & 7], 10);
        n += 80;
    }
    return n;
}

void fpu_env_load(struct fpu_state *f, unsigned osize, bool real, const u8 *b, bool regs)
{
    if (osize == 4) {
        f->fcw = ld16(b + 0);
        f->fsw = ld16(b + 4);
        f->ftw = ld16(b + 8);
        if (real) {
            f->fip = ld16(b + 12) | ((ld32(b + 16) << 4) & 0xffff0000u);
            f->fop = ld16(b + 16) & 0x7ff;
            f->fdp = ld16(b + 20) | ((ld32(b + 24) << 4) & 0xffff0000u);
            f->fcs = f->fds = 0;
        } else {
            f->fip = ld32(b + 12);
            f->fcs = ld16(b + 16);
            f->fop = ld16(b + 18) & 0x7ff;
            f->fdp = ld32(b + 20);
            f->fds = ld16(b + 24);
        }
    } else {
        f->fcw = ld16(b + 0);
        f->fsw = ld16(b + 2);
        f->ftw = ld16(b + 4);
        if (real) {
            f->fip = ld16(b + 6) | ((u32)(ld16(b + 8) & 0xf000) << 4);
            f->fop = ld16(b + 8) & 0x7ff;
            f->fdp = ld16(b + 10) | ((u32)(ld16(b + 12) & 0xf000) << 4);
            f->fcs = f->fds = 0;
        } else {
            f->fip = ld16(b + 6);
            f->fcs = ld16(b + 8);
            f->fdp = ld16(b + 10);
            f->fds = ld16(b + 12);
        }
    }
    if (regs) {
        unsigned n = fpu_env_size(osize), top = fpu_top(f);
        for (unsigned r = 0; r < 8; r++) memcpy(f->st[(top + r) & 7], b + n + 10 * r, 10);
    }
    fpu_retag(f);
    fpu_update_es(f);
}
