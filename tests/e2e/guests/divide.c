// E2E guest built with DWARF (divide.cflags): divides by the length of the query string, so a
// request without one traps with "integer divide by zero" inside `divide`. Tests find the
// trapping line by its "trap here" marker.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((noinline)) int divide(int total, int parts) {
  return total / parts;  // trap here
}

int main(void) {
  const char* query = getenv("QUERY_STRING");
  int parts = query ? (int)strlen(query) : 0;
  printf("Content-Type: text/plain\n\n%d\n", divide(100, parts));
  return 0;
}
