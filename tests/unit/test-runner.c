/* One runner for every unit-test module (see tests.h).  Exits nonzero if
 * any test failed.  An argument restricts the run to modules whose name
 * contains it. */
#include <config.h>
#include "tests.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    int (*run)(void);
} modules[] = {
    { "db-data", test_db_data_run },
    { "db", test_db_run },
    { "db-commit", test_db_commit_run },
    { "db-changes", test_db_changes_run },
    { "db-exec", test_db_exec_run },
    { "db-log", test_db_log_run },
    { "db-monitor", test_db_monitor_run },
    { "jsonrpc", test_jsonrpc_run },
    { "db-ctl", test_db_ctl_run },
    { "vlan", test_vlan_run },
    { "mirror", test_mirror_run },
    { "qos", test_qos_run },
    { "mac-learning", test_mac_learning_run },
    { "dpif", test_dpif_run },
    { "netdev", test_netdev_run },
    { "netdev-contract", test_netdev_contract_run },
    { "stage", test_stage_run },
    { "vlog", test_vlog_run },
    { "flow-key", test_flow_key_run },
    { "pmd", test_pmd_run },
    { "dpdk-args", test_dpdk_args_run },
};

int
main(int argc, char *argv[])
{
    int failed = 0;
    for (size_t i = 0; i < sizeof modules / sizeof modules[0]; i++) {
        if (argc > 1 && !strstr(modules[i].name, argv[1])) {
            continue;
        }
        failed += modules[i].run();
    }
    return failed ? 1 : 0;
}
