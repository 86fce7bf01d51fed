/*
 * bridge-mirrors.h -- the Mirror table, translated for the datapaths.
 *
 * During a reconfiguration, once every port has its number,
 * bridge_mirrors_build() turns each bridge's Mirror rows into the
 * bridge's mirror settings and its ports' selection bitmaps (dpif.h,
 * struct dpif_mirror_bridge_config and dpif_mirror_port_config) and marks
 * SPAN output ports mirror-only.  Filters are pcap-filter expressions,
 * compiled here with libpcap (pcap_compile() on a dead DLT_EN10MB handle)
 * into a "struct bpf_program" that the datapath only runs: compiling
 * needs libpcap's parser and its errors belong to the commit, which the
 * daemon's main thread owns, whereas the datapath layer may use only lib/
 * and netdev/ and must never fail on a frame.  A program keeps its address
 * for as long as the expression is unchanged, so an unchanged mirror
 * compares equal and a reconfiguration is skipped; a replaced or removed
 * one is freed by bridge_mirrors_finish(), after every datapath has let
 * go of it.
 *
 * Each mirror also gets a counter id in its datapath; the Mirror row's
 * statistics (tx_packets, tx_bytes) are written back with the
 * interfaces' (bridge_mirrors_write_stats()), and "mirror/show" prints
 * them.  bridge_mirrors_sweep() deletes the temporary mirrors and ports of
 * vs-tcpdump (external_ids:vs-tcpdump=PID) whose process is gone.
 *
 * Main thread only.
 */
#ifndef VSWITCHD_BRIDGE_MIRRORS_H
#define VSWITCHD_BRIDGE_MIRRORS_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bpf_program;
struct db;
struct db_row;
struct db_txn;
struct dpif_config;
struct dpif;
struct uuid;

/* A port that some datapath received, as bridge_mirrors_build() needs
 * to know it. */
struct bridge_mirror_port {
    const struct uuid *port;    /* Its Port row. */
    const struct db_row *bridge;        /* Its Bridge row. */
    uint32_t port_no;
};

/* Fills the mirror settings of bridge 'index' of 'cfg' (whose ports are
 * sorted by number) from the Mirror rows of 'br', and of its ports among
 * 'ports'. */
void bridge_mirrors_build(struct db_txn *, const struct db_row *br,
                          struct dpif *, struct dpif_config *cfg,
                          uint32_t index,
                          const struct bridge_mirror_port *ports,
                          size_t n_ports);

/* After every datapath has its new configuration: forgets the mirrors no
 * bridge has any more and frees replaced filters. */
void bridge_mirrors_finish(void);

/* Writes Mirror:statistics where they changed. */
void bridge_mirrors_write_stats(struct db_txn *);

/* Deletes vs-tcpdump's leftovers whose process is gone.  Returns true if
 * it committed a change. */
bool bridge_mirrors_sweep(struct db *);

/* Compiles the pcap-filter 'expr' into '*progp' (malloc'd; free with
 * bridge_mirror_filter_free()).  Returns NULL, or an error message
 * (caller frees) that quotes libpcap's. */
char *bridge_mirror_filter_compile(const char *expr,
                                   struct bpf_program **progp);
void bridge_mirror_filter_free(struct bpf_program *);

/* The commit-time checks of a Mirror row 'new' ('old': its committed
 * version, or NULL if inserted).  Returns an error message or NULL. */
char *bridge_mirror_validate(struct db_txn *, const struct db_row *old,
                             const struct db_row *new);

/* Registers "mirror/show". */
void bridge_mirrors_register(void);

/* Frees everything (bridge_exit()). */
void bridge_mirrors_exit(void);

#endif /* bridge-mirrors.h */
