/*
 * bridge.h -- reconciles the committed configuration into the datapath.
 *
 * After every commit bridge_run() reads the Open_vSwitch, Bridge, Port,
 * Interface and Mirror tables, opens the netdevs the configuration names,
 * gives each interface a stable port number ("ofport"), and hands the
 * datapath a complete description of bridges and ports (dpif.h).  It then
 * writes back what it observed: Interface ofport, ifindex, mac_in_use,
 * mtu, admin_state, link_state and error, and cur_cfg = next_cfg once the
 * configuration is applied, which is what "vsctl" without --no-wait waits
 * for.  Every few seconds (Open_vSwitch other_config:stats-update-interval,
 * default 5000 ms) it refreshes Interface statistics and link state.
 *
 * Kernel interfaces come and go with the VMs that own them: rtnetlink link
 * events make bridge_run() re-open an interface that disappeared and came
 * back with the same name, without anyone touching the database.
 *
 * Nothing here is on the fast path; the datapath's threads forward frames
 * while this runs.
 */
#ifndef VSWITCHD_BRIDGE_H
#define VSWITCHD_BRIDGE_H 1

#include <stdbool.h>

struct db;

/* The schema, compiled in from vswitch.ovsschema. */
extern const char vswitch_schema_json[];

/* Makes sure the database has its single Open_vSwitch row and that the
 * row describes this program.  Returns NULL or an error message. */
char *bridge_init_db(struct db *);

/* Starts the datapath machinery and registers runtime commands.
 * bridge_exit() destroys every datapath and closes every port; after it,
 * bridge_init() may start again, with another database. */
void bridge_init(void);
void bridge_exit(void);

/* Applies configuration changes, refreshes statistics, handles hot-plug.
 * Returns true if it committed changes to the database. */
bool bridge_run(struct db *);
void bridge_wait(void);

#endif /* bridge.h */
