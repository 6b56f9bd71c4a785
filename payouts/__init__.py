"""Payouts: paying approved grants, with a second treasurer above a threshold, settled in the books."""
