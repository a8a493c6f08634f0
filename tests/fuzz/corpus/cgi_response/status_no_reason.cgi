Status: 201
content-type: a/b

