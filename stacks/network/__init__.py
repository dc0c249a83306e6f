"""The network stack: the VPC the services run in."""
