/*
** sample.c -- a small connection table, the program the quick start
** analyzes (`make demo`).
**
** Contract: builds with any C11 compiler, runs in a few milliseconds,
** needs no network and prints one summary line.  Its types are laid out
** the way real code often is -- members in the order someone thought of
** them -- so holeprof has something to find:
**   struct conn       20 bytes of holes and 4 of tail padding; reordering
**                     shrinks it from 80 to 56 bytes, which moves it into a
**                     smaller glibc malloc chunk (96 -> 64 bytes);
**   struct conn_flags bitfields that leave a bit hole inside their unit;
**   struct conn_node  a list node with a 4-byte hole before `next` that
**                     no reordering can remove (24 bytes either way);
**   struct conn_table no holes: what a tidy layout looks like.
** The allocations happen in loops so a profiler sees real counts.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum conn_state { CONN_IDLE, CONN_READING, CONN_WRITING, CONN_CLOSING };

struct conn_flags {
    unsigned int keepalive : 1;
    unsigned int tls : 1;
    unsigned int compressed : 1;
    /* 5 bits unused here: a bit hole before the next byte-sized group */
    unsigned char priority;
    unsigned int proto_minor : 4;
    unsigned int proto_major : 4;
};

struct conn {
    int fd;                     /* then a 4-byte hole */
    uint64_t bytes_in;
    uint64_t bytes_out;
    char state;                 /* then a 7-byte hole */
    double last_active;
    uint16_t port;              /* then a 2-byte hole */
    struct conn_flags flags;
    uint8_t retries;            /* then a 7-byte hole before `peer` */
    char *peer;
    void *tls_session;
    uint32_t timeout_ms;        /* then tail padding */
};

struct conn_node {
    struct conn *conn;
    int32_t generation;         /* 4-byte hole before `next` */
    struct conn_node *next;
};

struct conn_table {
    struct conn_node **buckets;
    size_t nbuckets;
    size_t count;
};

static void *xmalloc(size_t n)
{
    void *p = malloc(n);
    if (p == NULL) {
        fprintf(stderr, "sample: out of memory\n");
        exit(1);
    }
    return p;
}

static struct conn *conn_new(int fd, uint16_t port)
{
    struct conn *c = xmalloc(sizeof *c);
    memset(c, 0, sizeof *c);
    c->fd = fd;
    c->port = port;
    c->state = CONN_IDLE;
    c->flags.keepalive = 1;
    c->flags.proto_major = 1;
    c->flags.proto_minor = 1;
    c->timeout_ms = 30000;
    return c;
}

static struct conn_table *table_new(size_t nbuckets)
{
    struct conn_table *t = xmalloc(sizeof *t);
    t->buckets = calloc(nbuckets, sizeof *t->buckets);
    if (t->buckets == NULL) {
        fprintf(stderr, "sample: out of memory\n");
        exit(1);
    }
    t->nbuckets = nbuckets;
    t->count = 0;
    return t;
}

static void table_add(struct conn_table *t, struct conn *c, int32_t gen)
{
    struct conn_node *n = xmalloc(sizeof *n);
    size_t b = (size_t)c->fd % t->nbuckets;
    n->conn = c;
    n->generation = gen;
    n->next = t->buckets[b];
    t->buckets[b] = n;
    t->count++;
}

static void table_free(struct conn_table *t)
{
    for (size_t b = 0; b < t->nbuckets; b++) {
        struct conn_node *n = t->buckets[b];
        while (n != NULL) {
            struct conn_node *next = n->next;
            free(n->conn->peer);
            free(n->conn);
            free(n);
            n = next;
        }
    }
    free(t->buckets);
    free(t);
}

int main(int argc, char **argv)
{
    int nconn = argc > 1 ? atoi(argv[1]) : 1000;
    struct conn_table *t = table_new(64);
    uint64_t total = 0;

    if (nconn < 0 || nconn > 10000000)
        nconn = 1000;
    for (int i = 0; i < nconn; i++) {
        struct conn *c = conn_new(3 + i, (uint16_t)(1024 + i % 50000));
        c->peer = xmalloc(16);
        snprintf(c->peer, 16, "10.0.%d.%d", (i >> 8) & 255, i & 255);
        c->bytes_in = (uint64_t)i * 512;
        c->bytes_out = (uint64_t)i * 128;
        c->state = (char)(i % 4);
        c->retries = (uint8_t)(i % 3);
        table_add(t, c, i);
        total += c->bytes_in + c->bytes_out;
    }
    printf("%zu connections, %llu bytes, sizeof(struct conn) = %zu\n",
           t->count, (unsigned long long)total, sizeof(struct conn));
    table_free(t);
    return 0;
}
