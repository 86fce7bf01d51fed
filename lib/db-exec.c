#include <config.h>
/* placeholder */
