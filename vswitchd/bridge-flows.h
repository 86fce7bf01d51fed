/*
 * bridge-flows.h -- NetFlow and IPFIX for bridges: the database's NetFlow
 * and IPFIX rows turned into exporters, and the main-loop work that feeds
 * them.
 *
 * Per bridge with a "netflow" or "ipfix" reference, one exporter each:
 * a flow cache (export/flow-cache.h), an encoder (export/netflow.h,
 * export/ipfix.h) and its collectors (export/collectors.h).  A
 * reconfiguration describes each exporter's settings; an exporter whose
 * settings changed is made again, and the old one, once it has what the
 * threads counted for it until the datapath ran the new configuration,
 * is flushed (its flows exported with flowEndReason "forced end") at the
 * end of the reconfiguration; one whose settings did not is left alone.
 * The bridge's datapath configuration says which packets the forwarding
 * threads count (struct dpif_flows_bridge_config).
 *
 * bridge_flows_run(), every FLOWS_DRAIN_MS of real time while any exporter
 * exists, and at once when a thread's table is half full, drains the
 * threads' counts into the caches, expires flows and sends what the
 * encoders have.
 *
 * Main thread only.
 */
#ifndef VSWITCHD_BRIDGE_FLOWS_H
#define VSWITCHD_BRIDGE_FLOWS_H 1

#include <stdint.h>

struct db_row;
struct db_row_change;
struct db_txn;
struct dpif_bridge_config;

void bridge_flows_init(void);
void bridge_flows_exit(void);

/* A reconfiguration: begin, then one configure per bridge (filling in
 * 'bc->flows'), then one bridge_flows_port() per port of every bridge
 * (the interface names IPFIX exports; 'name' is borrowed until finish),
 * then finish -- after the datapaths have applied the configuration --,
 * which exports what the threads counted for exporters that changed or
 * went and removes them (see bridge-flows.c, "Export ids and
 * retirement"). */
void bridge_flows_begin(void);
void bridge_flows_configure(struct db_txn *, const struct db_row *bridge,
                            struct dpif_bridge_config *bc);
void bridge_flows_port(const char *bridge, uint32_t port_no,
                       const char *name);
void bridge_flows_finish(void);

void bridge_flows_run(void);
void bridge_flows_wait(void);

/* bridge_validate()'s check of NetFlow and IPFIX rows: NULL, or a malloc'd
 * message saying what is wrong. */
char *bridge_flows_validate(const struct db_row_change *);

#endif /* bridge-flows.h */
