Location: http://example.com/
Status: 301 Moved

