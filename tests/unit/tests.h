/*
 * tests.h -- the unit-test runner's table of modules.  Each tests/unit/
 * test-MODULE.c defines one function that runs its cmocka group and
 * returns the number of failed tests; test-runner.c calls them all.
 */
#ifndef TESTS_H
#define TESTS_H 1

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

int test_db_data_run(void);
int test_db_run(void);
int test_db_commit_run(void);
int test_db_changes_run(void);
int test_db_exec_run(void);
int test_db_log_run(void);
int test_db_monitor_run(void);
int test_jsonrpc_run(void);
int test_db_ctl_run(void);
int test_vlan_run(void);
int test_mirror_run(void);
int test_qos_run(void);
int test_mac_learning_run(void);
int test_dpif_run(void);
int test_netdev_run(void);
int test_netdev_contract_run(void);
int test_stage_run(void);
int test_vlog_run(void);
int test_flow_key_run(void);
int test_pmd_run(void);
int test_dpdk_args_run(void);

#endif
