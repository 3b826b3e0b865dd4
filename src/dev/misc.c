/* POST, debugcon, isa-debug-exit, port 0x92, 0xCF9 (stub; implementation in progress). */
#include "dev/misc.h"
void post_init(struct post_port *p, struct iomap *ports) { p->last = 0; }
void debugcon_init(struct debugcon *d, struct iomap *ports, u16 port, struct chardev out) { d->port = port; d->out = out; }
void debug_exit_init(struct debug_exit *e, struct iomap *ports, u16 iobase, u16 iosize, const struct board_hooks *hooks) { e->iobase = iobase; e->iosize = iosize; if (hooks) e->hooks = *hooks; }
void port92_init(struct port92 *p, struct iomap *ports, const struct board_hooks *hooks) { p->val = 0; if (hooks) p->hooks = *hooks; }
void port92_reset(struct port92 *p) { p->val = 0; }
void rcr_init(struct rcr *r, struct iomap *ports, const struct board_hooks *hooks) { r->val = 0; if (hooks) r->hooks = *hooks; }
void rcr_reset(struct rcr *r) { r->val = 0; }
