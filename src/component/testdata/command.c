// Test guest: a C command, componentized with jco's wasi_snapshot_preview1 command adapter.
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char** argv) { printf("hello from c, %d args\n", argc); return 3; }
