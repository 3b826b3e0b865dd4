#include "cpu/dispatch.h"
#include "base/log.h"
#include <pthread.h>

struct slot {
    cpu_handler h[2][2];   /* [osize == 4][memory operand] */
    cpu_selector sel;
};
static struct slot table[X86_OP_COUNT];

void cpu_register(enum x86_op op, cpu_handler r16, cpu_handler m16, cpu_handler r32, cpu_handler m32)
{
    table[op].h[0][0] = r16;
    table[op].h[0][1] = m16;
    table[op].h[1][0] = r32;
    table[op].h[1][1] = m32;
}

void cpu_register1(enum x86_op op, cpu_handler h) { cpu_register(op, h, h, h, h); }
void cpu_register_selector(enum x86_op op, cpu_selector sel) { table[op].sel = sel; }

HANDLER(h_ud)
{
    (void)i;
    cpu_raise_ne(c, EXC_UD);
}

HANDLER(h_unimplemented)
{
    VD_LOG(LOG_UNIMP, "unimplemented instruction %s at %04x:%08x\n", x86_forms[i->op].name,
           c->s.seg[S_CS].sel, c->s.eip);
    cpu_raise_ne(c, EXC_UD);
}

static void init_once(void)
{
#define X(g) cpu_ops_##g##_init();
    CPU_OPS_GROUPS(X)
#undef X
}

cpu_handler cpu_select_handler(const struct x86_insn *i)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, init_once);
    if (i->op == X86_OP_UD) return h_ud;
    const struct slot *s = &table[i->op];
    cpu_handler h = s->sel ? s->sel(i) : s->h[i->osize == 4][i->mod != 3];
    return h ? h : h_unimplemented;
}
