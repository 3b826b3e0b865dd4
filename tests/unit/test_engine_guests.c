/*
 * Every guest program of tests/asm, as tests/run.sh boots it, under each
 * software engine through the machine API (machine_config.engine): the
 * interpreter (the reference), the translator, and the translator with its
 * lockstep checker. Whatever a guest reports (PASS or FAIL lines: run.sh
 * judges those), every engine must produce the same run: the same debug
 * console output byte for byte, the same exit reason and status, the same
 * instruction count and virtual time, and the same final register state.
 *
 * Images come from $BUILD/tests/asm (run.sh exports BUILD; default "build"),
 * sources from tests/asm (run from the top of the tree, as run.sh does). A
 * guest with a "; vdebug-args:" line is skipped (its flags are not modelled
 * here); so is the translator half when vcpu_engine_available says it is not
 * built for this host.
 */
#include "test.h"
#include "machine/config.h"
#include "machine/machine.h"
#include <dirent.h>
#include <unistd.h>

/* A deterministic watchdog: no guest test runs this long. */
#define ICOUNT_LIMIT 4000000000ull

static char dir[64];

struct outcome {
    bool ok;                     /* the machine was built and ran to an exit */
    enum machine_exit_reason reason;
    int status;
    u64 icount, vns;
    struct cpu_state s;
    char *out;                   /* the debug console's bytes */
    size_t out_len;
};

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t n = 0, cap = 0;
    if (f) {
        for (;;) {
            if (n + 4096 > cap) {
                cap = cap ? 2 * cap : 65536;
                char *nb = realloc(buf, cap);
                if (!nb) break;
                buf = nb;
            }
            size_t got = fread(buf + n, 1, cap - n, f);
            if (!got) break;
            n += got;
        }
        fclose(f);
    }
    *len = n;
    return buf;
}

static void run_one(const char *image, const struct vcpu_engine_opts *eng, struct outcome *o)
{
    char dcon[160], dpath[128];
    snprintf(dpath, sizeof(dpath), "%s/dcon", dir);
    snprintf(dcon, sizeof(dcon), "file:%s", dpath);
    unlink(dpath);
    memset(o, 0, sizeof(*o));
    struct machine_config c;
    machine_config_init(&c);
    c.kernel = image;
    c.debugcon = dcon;
    c.exit_device = true;
    c.exit_iobase = 0xf4;
    c.exit_iosize = 4;
    c.no_reboot = true;
    c.icount_limit = ICOUNT_LIMIT;
    c.engine = *eng;
    struct machine *m = machine_create(&c);
    if (!m) return;
    enum machine_stop st;
    do st = machine_run(m, UINT64_MAX);
    while (st == MACHINE_BUDGET && !machine_idle(m));
    if (st == MACHINE_EXIT) {
        o->ok = true;
        o->reason = machine_exit_reason(m);
        o->status = machine_exit_status(m);
        o->icount = vcpu_icount(machine_vcpu(m));
        o->vns = machine_virtual_ns(m);
        vcpu_get_state(machine_vcpu(m), &o->s);
    }
    machine_destroy(m);
    o->out = slurp(dpath, &o->out_len);
}

/* The first line where the outputs part (for the message). */
static void first_diff_line(const struct outcome *a, const struct outcome *b, char *buf, size_t size)
{
    size_t i = 0, line = 0;
    while (i < a->out_len && i < b->out_len && a->out[i] == b->out[i]) {
        if (a->out[i] == '\n') line = i + 1;
        i++;
    }
    size_t ea = line, eb = line;
    while (ea < a->out_len && a->out[ea] != '\n') ea++;
    while (eb < b->out_len && b->out[eb] != '\n') eb++;
    snprintf(buf, size, "\"%.*s\" vs \"%.*s\"", (int)(ea - line > 80 ? 80 : ea - line), a->out + line,
             (int)(eb - line > 80 ? 80 : eb - line), b->out + line);
}

static bool has_args(const char *name)
{
    char src[256], line[512];
    snprintf(src, sizeof(src), "tests/asm/%s.asm", name);
    FILE *f = fopen(src, "r");
    if (!f) return false;
    bool args = false;
    while (!args && fgets(line, sizeof(line), f)) {
        const char *p = line;
        if (*p != ';') continue;
        p++;
        while (*p == ' ') p++;
        args = !strncmp(p, "vdebug-args:", 12);
    }
    fclose(f);
    return args;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(void)
{
    const char *build = getenv("BUILD");
    if (!build || !*build) build = "build";
    char asmdir[512];
    snprintf(asmdir, sizeof(asmdir), "%s/tests/asm", build);
    DIR *d = opendir(asmdir);
    if (!d) {
        SKIP_CASE(guests, "no guest images (tests/asm not built in $BUILD)");
        return 0;
    }
    char *names[256];
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) && n < 256;) {
        size_t l = strlen(e->d_name);
        if (l > 4 && !strcmp(e->d_name + l - 4, ".bin")) names[n++] = strndup(e->d_name, l - 4);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof(names[0]), cmp_str);
    snprintf(dir, sizeof(dir), "/tmp/vdebug-test-engine-guests.XXXXXX");
    if (!mkdtemp(dir)) return 1;

    struct { const char *name; struct vcpu_engine_opts o; } eng[3];
    int ne = 0;
    eng[ne++] = (typeof(eng[0])){"interp", {.engine = VCPU_ENGINE_INTERP}};
    if (vcpu_engine_available(VCPU_ENGINE_DBT)) {
        eng[ne++] = (typeof(eng[0])){"dbt", {.engine = VCPU_ENGINE_DBT}};
        eng[ne++] = (typeof(eng[0])){"dbt,verify=on", {.engine = VCPU_ENGINE_DBT, .verify = true}};
    } else {
        SKIP_CASE(translator, "vcpu_engine_available(VCPU_ENGINE_DBT) is false: nothing to compare");
    }

    for (int g = 0; g < n; g++) {
        test_case_failed = 0;
        test_case_name = names[g];
        char image[768];
        snprintf(image, sizeof(image), "%s/%s.bin", asmdir, names[g]);
        if (has_args(names[g])) {
            printf("SKIP %s: has vdebug-args\n", names[g]);
            free(names[g]);
            continue;
        }
        struct outcome ref, o;
        run_one(image, &eng[0].o, &ref);
        if (!ref.ok) FAILF("the interpreter did not run it to an exit");
        else if (!ref.out_len) FAILF("no debug console output");
        for (int e = 1; e < ne && !test_case_failed; e++) {
            run_one(image, &eng[e].o, &o);
            char why[256];
            if (!o.ok) {
                FAILF("%s: did not run to an exit", eng[e].name);
            } else if (o.out_len != ref.out_len || memcmp(o.out, ref.out, o.out_len)) {
                first_diff_line(&o, &ref, why, sizeof(why));
                FAILF("%s: debug console output differs from the interpreter's: %s", eng[e].name, why);
            } else if (o.reason != ref.reason || o.status != ref.status) {
                FAILF("%s: exit reason %d status %d, the interpreter %d %d", eng[e].name, o.reason, o.status,
                      ref.reason, ref.status);
            } else if (o.icount != ref.icount || o.vns != ref.vns) {
                FAILF("%s: %llu instructions, %llu virtual ns; the interpreter %llu, %llu", eng[e].name,
                      (unsigned long long)o.icount, (unsigned long long)o.vns, (unsigned long long)ref.icount,
                      (unsigned long long)ref.vns);
            } else if (memcmp(o.s.gpr, ref.s.gpr, sizeof(o.s.gpr)) || o.s.eip != ref.s.eip ||
                       o.s.eflags != ref.s.eflags || o.s.cr0 != ref.s.cr0 || o.s.cr2 != ref.s.cr2 ||
                       o.s.cr3 != ref.s.cr3 || o.s.cr4 != ref.s.cr4 || o.s.tsc != ref.s.tsc) {
                FAILF("%s: final state differs (eip %08x/%08x eflags %08x/%08x eax %08x/%08x)", eng[e].name,
                      o.s.eip, ref.s.eip, o.s.eflags, ref.s.eflags, o.s.gpr[R_EAX], ref.s.gpr[R_EAX]);
            }
            free(o.out);
        }
        if (!test_case_failed) {
            if (ne > 1) printf("PASS %s: %d engines, identical runs (%llu instructions)\n", names[g], ne,
                               (unsigned long long)ref.icount);
            else printf("PASS %s: runs to an exit under the interpreter\n", names[g]);
        } else {
            test_failures_total++;
        }
        fflush(stdout);
        free(ref.out);
        free(names[g]);
    }
    char dpath[128];
    snprintf(dpath, sizeof(dpath), "%s/dcon", dir);
    unlink(dpath);
    rmdir(dir);
    return test_summary();
}
