"""The bench bureau: a bureau-scale data set for `manage.py seed_bench` and `make bench`.

It sits above every app (like seed_demo) and writes with bulk operations only, so
10,000 members and five years of history take seconds, not the hours the
services would need. Each app's part is a `Section` that knows whether its rows
are present, so running the command again after an app lands adds only that app.
"""
