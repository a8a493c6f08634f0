// E2E guest: never finishes (the request deadline must stop it).
int main(void) {
  volatile unsigned long n = 0;
  for (;;) ++n;
}
