/*
** fz_disasm.c -- libFuzzer harness for arch/x86_64.c: its own decoder of the
** common x86-64 forms must make exactly what capstone's decoding makes.
**
** Input: raw bytes, taken as code at an address chosen by the first eight
** bytes.  They are decoded twice by da_decode, with the fast forms and
** with capstone alone, and any difference in the da_insn sequences (an
** instruction boundary, a kind, an operand, a written register) aborts.
** The fuzzer thus searches for encodings the fast path gets wrong, which
** the test suite (tests/disasm_check) samples only.
*/
#include "fz_common.h"

#include <string.h>

#include "disasm.h"

static da_ctx *fast, *slow;
static da_insn *a, *b;
static size_t acap, bcap;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fast == NULL) {
        hp_err err = {0};
        if (da_open(62, &fast, &err) != 0 || da_open(62, &slow, &err) != 0)
            abort();
        da_set_fast(slow, 0);
    }
    uint64_t addr = 0x401000;
    if (size >= 8) {
        memcpy(&addr, data, 8);
        data += 8;
        size -= 8;
    }
    size_t na = 0, nb = 0;
    da_decode(fast, data, size, addr, &a, &na, &acap);
    da_decode(slow, data, size, addr, &b, &nb, &bcap);
    if (na != nb)
        abort();
    for (size_t i = 0; i < na; i++)
        if (memcmp(&a[i], &b[i], sizeof a[i]) != 0)
            abort();
    return 0;
}
