"""The web stack: the web app's bucket and CloudFront distribution (us-east-1), its response headers."""
