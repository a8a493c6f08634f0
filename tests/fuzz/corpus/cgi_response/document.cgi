Content-Type: text/plain

hello
