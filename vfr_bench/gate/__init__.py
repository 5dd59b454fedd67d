"""Regression gates: is a candidate checkpoint's run not worse than a baseline's?"""
