"""The floor under the apps: what the pages of two or more apps are built with, one named module each.

A module here knows no app of the portal (tests/test_architecture.py holds it): date arithmetic
(`calendar`), choice labels (`choices`), figures and short lists read in one query (`figures`), form
fields (`fields`), list filters (`filters`), paging (`paging`), a service's refusal on a form
(`form_errors`), gap-free numbers (`numbering`), downloads (`spreadsheets`).
Whatever knows a branch, a member or a role belongs to an app instead.
"""
