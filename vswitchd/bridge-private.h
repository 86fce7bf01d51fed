/*
 * bridge-private.h -- what bridge.c shares with bridge-cmds.c, its runtime
 * commands: the datapath and a view of what it runs.
 */
#ifndef VSWITCHD_BRIDGE_PRIVATE_H
#define VSWITCHD_BRIDGE_PRIVATE_H 1

#include <stddef.h>
#include <stdint.h>

struct dpif;

struct bridge_view_port {
    uint32_t port_no;
    const char *name;
    const char *type;           /* A netdev class's name. */
    uint32_t bridge;            /* Index into 'bridges'. */
};

/* The bridges and ports last handed to the datapath.  The names belong to
 * bridge.c's copy of that configuration. */
struct bridge_view {
    const char **bridges;
    size_t n_bridges;
    struct bridge_view_port *ports;
    size_t n_ports;
};

extern struct bridge_view bridge_view;

struct dpif *bridge_dpif(void);
void bridge_cmds_register(void);

#endif /* bridge-private.h */
