Status: 99999999999999999999 X
Content-Type: text/plain

