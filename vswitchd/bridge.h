/*
 * bridge.h -- reconciles the committed configuration into running state.
 *
 * After every commit, bridge_reconfigure() reads the Open_vSwitch,
 * Bridge, Port and Interface tables and brings the switch in line with
 * them, writing back what it observed (Interface "error", and cur_cfg =
 * next_cfg once a configuration has been applied, which is what "vsctl"
 * without --no-wait waits for).
 *
 * This release has no datapath yet: reconfiguration validates what it can
 * (interface types, bridge datapath types) and reports problems in the
 * "error" column, so that clients see the same contract the datapath will
 * keep.
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

/* Applies the current configuration.  Returns true if it changed the
 * database (the caller then runs it again until it settles). */
bool bridge_reconfigure(struct db *);

#endif /* bridge.h */
