Content-Type text/plain

body