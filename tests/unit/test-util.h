/*
 * test-util.h -- helpers shared by the unit-test modules.
 *
 * Test data is JSON written inside C strings, so these helpers accept
 * single quotes in place of double quotes: 'a' reads as "a".  (The data
 * cannot then contain a single quote of its own.)  They fail the running
 * test, through cmocka, on malformed input.
 */
#ifndef TEST_UTIL_H
#define TEST_UTIL_H 1

#include <jansson.h>

struct db_schema;

/* Parses 'text', JSON with single quotes in place of double quotes.
 * Returns a new reference. */
json_t *test_util_json(const char *text);

/* Parses 'text', a database schema in the same notation.  The caller owns
 * the result (db_schema_destroy()). */
struct db_schema *test_util_schema(const char *text);

#endif /* test-util.h */
