#include <config.h>
#include "tests.h"
int test_db_log_run(void) { return 0; }
