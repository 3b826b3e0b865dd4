/*
 * Minimal unit-test support. Each test program prints one line per case:
 *   PASS name | FAIL name: why | SKIP name: why
 * and exits non-zero if any case failed. tests/run.sh counts the lines.
 *
 *   TEST(name) { CHECK(x == 1); CHECK_EQ(a, b); }
 *   int main(void) { RUN(name); return test_summary(); }
 */
#ifndef VD_TEST_H
#define VD_TEST_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

static int test_failures_total;
static int test_case_failed;
static const char *test_case_name;

#define TEST(name) static void test_##name(void)
#define RUN(name) do { \
        test_case_failed = 0; test_case_name = #name; \
        test_##name(); \
        if (!test_case_failed) printf("PASS %s\n", #name); \
        else test_failures_total++; \
        fflush(stdout); \
    } while (0)
#define SKIP_CASE(name, why) printf("SKIP %s: %s\n", #name, why)

#define FAILF(...) do { \
        if (!test_case_failed) { printf("FAIL %s: ", test_case_name); printf(__VA_ARGS__); \
            printf(" (%s:%d)\n", __FILE__, __LINE__); } \
        test_case_failed = 1; \
    } while (0)
#define CHECK(cond) do { if (!(cond)) FAILF("check failed: %s", #cond); } while (0)
#define CHECK_EQ(a, b) do { \
        unsigned long long va_ = (unsigned long long)(a), vb_ = (unsigned long long)(b); \
        if (va_ != vb_) FAILF("%s == 0x%llx, expected %s == 0x%llx", #a, va_, #b, vb_); \
    } while (0)
#define CHECK_STR(a, b) do { \
        const char *sa_ = (a), *sb_ = (b); \
        if (strcmp(sa_, sb_)) FAILF("%s == \"%s\", expected \"%s\"", #a, sa_, sb_); \
    } while (0)

static inline int test_summary(void) { return test_failures_total ? 1 : 0; }

#endif
