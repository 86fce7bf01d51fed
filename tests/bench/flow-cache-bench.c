/*
 * flow-cache-bench.c -- memory and export rate of a flow cache holding
 * 1,000,000 flows (benchmark, not a test).
 *
 * Fills one exporter's cache (export/flow-cache.h) with N distinct IPv4
 * UDP flows, as the main thread would from the forwarding threads' counts
 * (dpif_flows_drain() -> fx_cache_add()), then expires them all at once
 * (an inactive timeout passing) through a NetFlow v9 encoder sending to a
 * local UDP sink it opens itself, and prints: the cache's memory (its own
 * per-flow size, and the process's RSS growth), how fast flows are added,
 * and how fast records are encoded and sent (records/s and export
 * packets/s).  Memory is RSS from /proc/self/status.
 *
 * Usage: flow-cache-bench [FLOWS]   (default 1,000,000)
 */
#include <config.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "collectors.h"
#include "flow-cache.h"
#include "flow-key.h"
#include "netflow.h"
#include "timeval.h"

static long
rss_kib(void)
{
    char line[256];
    long kib = 0;
    FILE *f = fopen("/proc/self/status", "r");

    while (f && fgets(line, sizeof line, f)) {
        if (!strncmp(line, "VmRSS:", 6)) {
            kib = atol(line + 6);
        }
    }
    if (f) {
        fclose(f);
    }
    return kib;
}

static double
now_s(void)
{
    return time_nsec() / 1e9;
}

struct sink {
    struct nf_encoder *nf;
    unsigned long long records;
};

static void
on_record(const struct fx_record *r, void *aux)
{
    struct sink *s = aux;

    nf_encoder_add(s->nf, r);
    s->records++;
}

int
main(int argc, char *argv[])
{
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
    struct nf_options opts = { .version = 9, .template_interval_ms = 60000,
                               .template_packets = 20 };
    struct sockaddr_in addr = { .sin_family = AF_INET };
    socklen_t len = sizeof addr;
    int sink_fd = socket(AF_INET, SOCK_DGRAM, 0);
    char target[64];
    const char *targets[1] = { target };
    struct fx_collectors *coll;
    struct fx_cache_stats st;
    struct nf_stats ns;
    struct sink s = { 0 };
    struct fx_cache *cache;
    long long t = time_now_msec();
    long rss0, rss1;
    double t0, t1, t2;

    /* A local collector that never reads: the kernel drops what overflows
     * its buffer, which costs the sender nothing more. */
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(sink_fd, (struct sockaddr *) &addr, sizeof addr);
    getsockname(sink_fd, (struct sockaddr *) &addr, &len);
    snprintf(target, sizeof target, "127.0.0.1:%u", ntohs(addr.sin_port));
    coll = fx_collectors_create(targets, 1);
    s.nf = nf_encoder_create(&opts, coll, t);

    rss0 = rss_kib();
    cache = fx_cache_create(n, 0, 5000);
    t0 = now_s();
    for (size_t i = 0; i < n; i++) {
        struct flow_key k;

        memset(&k, 0, sizeof k);
        k.in_port = 1;
        k.eth_type = 0x0800;
        k.ip_version = 4;
        k.ip_proto = 17;
        k.src[0] = 10;
        k.src[1] = i >> 16;
        k.src[2] = i >> 8;
        k.src[3] = i;
        k.dst[0] = 192;
        k.dst[1] = 168;
        k.tp_src = i & 0xffff;
        k.tp_dst = 53;
        fx_cache_add(cache, &k, 2, 3, 300, t, t, 0, on_record, &s);
    }
    t1 = now_s();
    rss1 = rss_kib();
    fx_cache_get_stats(cache, &st);

    /* Every flow idle past the inactive timeout: all exported. */
    fx_cache_run(cache, t + 10000, on_record, &s);
    nf_encoder_flush(s.nf);
    t2 = now_s();
    nf_encoder_get_stats(s.nf, &ns);

    printf("flow-cache-bench: %zu IPv4 flows, NetFlow v9 to a local "
           "socket\n", n);
    printf("  cache: %zu flows, %zu bytes per flow by its own count "
           "(%.1f MiB), RSS +%.1f MiB\n", st.n_flows, fx_cache_flow_size(),
           st.n_flows * (double) fx_cache_flow_size() / 1048576,
           (rss1 - rss0) / 1024.0);
    printf("  adding: %.2f s, %.2f M flows/s\n", t1 - t0,
           n / (t1 - t0) / 1e6);
    printf("  export: %llu records in %llu packets, %.2f s: %.2f M "
           "records/s, %.0f packets/s\n", (unsigned long long) ns.records,
           (unsigned long long) ns.messages, t2 - t1,
           ns.records / (t2 - t1) / 1e6, ns.messages / (t2 - t1));
    fx_cache_destroy(cache, NULL, NULL);
    nf_encoder_destroy(s.nf);
    fx_collectors_destroy(coll);
    close(sink_fd);
    return 0;
}
