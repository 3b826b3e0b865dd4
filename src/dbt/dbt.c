/* scaffold: replaced by the translator */
#include "dbt/dbt.h"
#include <stdlib.h>
struct dbt { struct cpu *c; struct dbt_stats st; };
bool dbt_available(void) { return true; }
struct dbt *dbt_new(struct cpu *c, size_t cache_bytes, bool verify)
{
    struct dbt *d = calloc(1, sizeof(*d));
    if (d) d->c = c;
    return d;
}
void dbt_free(struct dbt *d) { free(d); }
enum cpu_exit dbt_run(struct dbt *d, u64 n) { u64 s = d->c->icount; enum cpu_exit x = cpu_run(d->c, n); d->st.insns_interp += d->c->icount - s; return x; }
void dbt_flush(struct dbt *d) {}
void dbt_get_stats(const struct dbt *d, struct dbt_stats *s) { *s = d->st; }
