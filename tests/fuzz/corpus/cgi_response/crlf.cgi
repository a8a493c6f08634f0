Content-Type: text/html
X-Extra: 1

<p>hi</p>