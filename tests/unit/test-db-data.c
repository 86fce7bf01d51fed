#include <config.h>
#include "tests.h"
int test_db_data_run(void) { return 0; }
