"""The `custid` command line."""
