Status: abc
Content-Type: text/plain

