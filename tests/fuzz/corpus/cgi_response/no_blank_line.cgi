Content-Type: text/plain
