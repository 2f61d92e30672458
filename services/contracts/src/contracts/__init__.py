"""Contracts service: from committed joint orders to contracts with delivery lines per nation."""
