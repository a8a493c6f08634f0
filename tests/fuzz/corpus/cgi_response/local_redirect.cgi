Location: /elsewhere

