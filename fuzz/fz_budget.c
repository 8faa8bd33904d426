/*
** fz_budget.c -- libFuzzer harness for the budget file reader
** (src/budget.c, libyaml).
**
** Input: a YAML budget file.  bud_load then a few bud_match calls (glob
** patterns from the file go through fnmatch).
*/
#include "fz_common.h"

#include "budget.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_file f;
    fz_open(&f, data, size);
    bud_file b;
    hp_err err = { 0 };
    if (bud_load(f.path, &b, &err) == 0) {
        (void)bud_match(&b, "struct", "conn");
        (void)bud_match(&b, "class", "ns::Foo<int*>");
        (void)bud_match(&b, "union", "");
        bud_free(&b);
    }
    fz_close(&f);
    return 0;
}
