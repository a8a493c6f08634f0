just a body
