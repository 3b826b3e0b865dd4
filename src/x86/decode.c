/* PLACEHOLDER: the table-driven decoder replaces this file. */
#include "x86/insn.h"
#include <stdio.h>
int x86_decode(const u8 *bytes, size_t avail, enum x86_mode mode, struct x86_insn *out)
{
    (void)bytes; (void)mode;
    if (!avail) return X86_DEC_TRUNC;
    memset(out, 0, sizeof(*out));
    out->op = X86_OP_UD;
    out->len = 1;
    return 1;
}
int x86_format(const struct x86_insn *in, u32 addr, char *buf, size_t size)
{
    (void)addr;
    return snprintf(buf, size, "%s", x86_forms[in->op].mnem);
}
