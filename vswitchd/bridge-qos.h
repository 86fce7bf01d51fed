/*
 * bridge-qos.h -- QoS, Queue and ingress policing for bridge.c and
 * bridge-validate.c (see bridge-qos.c).
 */
#ifndef VSWITCHD_BRIDGE_QOS_H
#define VSWITCHD_BRIDGE_QOS_H 1

#include <stdbool.h>
#include <stdint.h>
#include "dpif.h"

struct db_row;
struct db_schema;
struct db_table_schema;
struct db_txn;
struct netdev;

void bridge_qos_resolve(const struct db_schema *);
bool bridge_qos_is_qos_table(const struct db_table_schema *);
bool bridge_qos_is_queue_table(const struct db_table_schema *);

/* Reading rows into descriptions: NULL, or a malloc'd message for a value
 * the switch refuses.  Filter strings in the result are borrowed from the
 * rows. */
char *bridge_qos_parse(struct db_txn *, const struct db_row *qos,
                       struct dpif_qos_desc *);
char *bridge_qos_parse_queue(const struct db_row *queue, uint32_t id,
                             struct dpif_qos_queue_desc *);
char *bridge_qos_check_port(struct db_txn *, const struct db_row *port);

/* Reconfiguration: fill in each port's "qos" and "police" settings, then
 * (after the datapaths took the configuration) drop the old references,
 * and (after unused devices were closed) bring the kernel's qdiscs in
 * line; 'lookup' gives the open device of an interface name, or NULL. */
void bridge_qos_port_config(struct db_txn *, struct dpif_port_config *,
                            const struct db_row *port,
                            const struct db_row *iface);
void bridge_qos_finish(void);
void bridge_qos_apply(struct netdev *(*lookup)(const char *name));

void bridge_qos_register_commands(void);

#endif /* bridge-qos.h */
